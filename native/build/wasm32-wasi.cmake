# CMake toolchain file for wasm32-wasi with Debian's clang/lld and wasi-libc (no WASI SDK, no emscripten).
# Used by native/build/avif.sh (sourced by native/build/build.sh) to configure and build libaom as a static library; only the
# compile step matters (the module is linked by build.sh), so CMake never links an executable. CMake warns that it
# does not know the system "WASI"; that is harmless. clang's wasm32-wasi include path ends in /usr/include (glibc's
# headers), so avif.sh checks that none were used (wasi-libc lacks setjmp.h: native/src/wasi-shim/ provides it).
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(LLVM_VERSION 16 CACHE STRING "Debian's LLVM major version")
set(CMAKE_C_COMPILER clang-${LLVM_VERSION})
set(CMAKE_CXX_COMPILER clang++-${LLVM_VERSION})
set(CMAKE_AR llvm-ar-${LLVM_VERSION} CACHE FILEPATH "")
set(CMAKE_RANLIB llvm-ranlib-${LLVM_VERSION} CACHE FILEPATH "")
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
# try_compile() would need to link a full program; a static library is enough to test flags.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH /nonexistent)
