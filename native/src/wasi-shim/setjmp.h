/*
 * setjmp/longjmp for the wasm32-wasi build of libaom (native/avif.sh, sourced by native/build.sh). wasi-libc has
 * neither (WebAssembly cannot save and restore the call stack without the exception-handling proposal). Our error
 * model makes them unnecessary: an instance that fails is discarded. setjmp() "returns 0" once, and longjmp() --
 * which libaom calls from aom_internal_error() only after a setjmp() -- is defined by the module (native/avif.c) to
 * call the imported env.scaled_fail(), which throws through the WASM frames. Never include glibc's setjmp.h.
 */
#ifndef EDGE_IMAGE_WASI_SETJMP_H
#define EDGE_IMAGE_WASI_SETJMP_H
typedef long jmp_buf[1];
#define setjmp(env) ((void)(env), 0)
__attribute__((noreturn)) void longjmp(jmp_buf env, int val);
#endif
