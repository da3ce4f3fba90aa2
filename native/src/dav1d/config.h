/*
 * dav1d 1.0.0's config.h for the wasm32-wasi build of the codec module, written by hand (what its meson.build would
 * generate for this target with the options below); native/build/dav1d.sh compiles dav1d's sources with this
 * directory first on the include path. No assembly (dav1d has none for WebAssembly), both bit depths (8-bit and
 * 10/12-bit AVIFs), no logging (dav1d_log() compiles to nothing, so no stdio), little-endian, no threads (the
 * decoder is opened with n_threads = 1 and max_frame_delay = 1; ../wasi-shim/pthread.h supplies no-op locks).
 */
#ifndef EDGE_IMAGE_DAV1D_CONFIG_H
#define EDGE_IMAGE_DAV1D_CONFIG_H

#define ARCH_AARCH64 0
#define ARCH_ARM 0
#define ARCH_PPC64LE 0
#define ARCH_X86 0
#define ARCH_X86_32 0
#define ARCH_X86_64 0
#define CONFIG_8BPC 1
#define CONFIG_16BPC 1
#define CONFIG_LOG 0
#define ENDIANNESS_BIG 0
#define HAVE_ASM 0
/* wasi-libc's dlmalloc has posix_memalign; dav1d_alloc_aligned() uses it. */
#define HAVE_POSIX_MEMALIGN 1
#define HAVE_UNISTD_H 1

#endif
