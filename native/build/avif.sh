# The AVIF codec's part of native/build.sh (sourced by it, not run on its own): libaom 3.14.1 (encoder only,
# generic C, no threads, 8-bit), configured with its own CMake (native/build/wasm32-wasi.cmake; the configure step
# generates aom_config.h and the *_rtcd.h headers, with perl) and built with ninja into a libaom.a that is cached in
# $BUILD_DIR by a key of everything that goes into it; and libavif 0.11.1 (aom codec to encode, dav1d codec to decode: native/build/dav1d.sh; no libyuv/libsharpyuv),
# whose C files are compiled with the module's other objects (no generated headers; its CMake would want
# pkg-config/find_package for aom). native/src/avif.c is the glue.
#
# wasi-libc has no setjmp/longjmp: native/src/wasi-shim/setjmp.h (on the include path of libaom, libavif and avif.c only)
# makes setjmp() return 0 once and longjmp() throw through env.scaled_fail() (defined in avif.c), which is the
# module's error model anyway (a failed instance is discarded).
#
# Uses build.sh's CC, LLVM, CFLAGS, BUILD_DIR, HERE and log().

# libaom from Debian forky, the testing suite (build.sh reads forky's index with an apt configuration of its own);
# libavif from bookworm, which uses only libaom's stable encoder API. bookworm's libaom 3.6.0 and trixie's 3.12.1 make
# other files than the libaom that libvips/sharp ship (3.13): 3.12.1's palette search makes smooth illustrations 2-3x
# larger at speed 8; 3.14.1 makes sharp's bytes within ~1% on photos, graphics and illustrations, and it is the
# fastest of the three (bench/README.md). When the mirror has moved on, set AOM_VERSION (and AOM_DIR with it).
# AVIF_TAG is upstream's tag for the LIBAVIF_GIT fallback (see fetch_source in build.sh).
AOM_PKG="aom" AOM_VERSION="${AOM_VERSION:-3.14.1-1}" AOM_DIR="${AOM_DIR:-aom-3.14.1}"
AVIF_PKG="libavif" AVIF_VERSION="${AVIF_VERSION:-0.11.1-1+deb12u1}" AVIF_DIR="libavif-0.11.1" AVIF_TAG="v0.11.1"

# Encoder only (AVIF decoding is dav1d's: native/build/dav1d.sh), generic C (no SIMD intrinsics, no runtime CPU detection, so no
# yasm/nasm), no threads, 8-bit only (we encode 8-bit; high bit depth was for decoding 10/12-bit masters, and
# dropping it with the decoder took the module from 6.58 to 4.78 MB, encodes byte-identical), no film-grain denoiser, no WebM/libyuv/tools/tests/examples/docs.
# CONFIG_REALTIME_ONLY stays 0: it would drop the all-intra (AOM_USAGE_ALL_INTRA) and good-quality paths.
# Release, but with our -O2 rather than CMake's -O3: measured byte-identical output at the same speed, and a module
# 1 MB smaller (3.66 vs 4.68 MB; -Os was 2.77 MB but 4% slower).
AOM_CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE=-DNDEBUG -DCMAKE_CXX_FLAGS_RELEASE=-DNDEBUG
  -DAOM_TARGET_CPU=generic -DCONFIG_RUNTIME_CPU_DETECT=0 -DCONFIG_MULTITHREAD=0
  -DCONFIG_AV1_DECODER=0 -DCONFIG_AV1_ENCODER=1 -DCONFIG_AV1_HIGHBITDEPTH=0 -DCONFIG_REALTIME_ONLY=0
  -DCONFIG_DENOISE=0 -DCONFIG_WEBM_IO=0 -DCONFIG_LIBYUV=0 -DCONFIG_TUNE_VMAF=0 -DCONFIG_TUNE_BUTTERAUGLI=0
  -DENABLE_TESTS=0 -DENABLE_EXAMPLES=0 -DENABLE_TOOLS=0 -DENABLE_DOCS=0)
AOM_CFLAGS=("${CFLAGS[@]}" -I"$HERE/../src/wasi-shim")
# libaom's SSE2..SSE4.1 intrinsics as WebAssembly SIMD (AOM_SIMD=1, the default): aom_simd_configure,
# aom_simd_archive, aom_simd_key.
source "$HERE/aom-simd.sh"

# libavif's library sources, less src/mem.c (avif.c has its allocator: libavif's abort()s when malloc fails); the aom
# codec encodes, the dav1d codec decodes.
AVIF_SOURCES=(alpha avif colr diag exif io obu rawdata read reformat reformat_libsharpyuv reformat_libyuv scale
  stream utils write codec_aom codec_dav1d)

# The cache key of libaom.a: its version and everything that changes its objects (compiler, C library, flags,
# CMake options, toolchain file, setjmp shim, this file's recipe). Building in another $BUILD_DIR changes the
# -ffile-prefix-map flag, hence the key, but not the objects.
aom_key() {
  {
    echo "$AOM_VERSION"
    "$CC" --version | head -1
    dpkg-query -W -f '${Version}\n' wasi-libc 2>/dev/null || true
    cmake --version | head -1
    printf '%s\n' "${AOM_CFLAGS[@]}" "${AOM_CMAKE_ARGS[@]}"
    cat "$HERE/wasm32-wasi.cmake" "$HERE/../src/wasi-shim/setjmp.h"
    declare -f build_aom
    aom_simd_key
  } | sha256sum | cut -c1-16
}

# Configures and builds libaom.a into $BUILD_DIR/aom-<key>/, unless that directory already holds a finished build.
# Sets AOM_BUILD.
build_aom() {
  AOM_BUILD="$BUILD_DIR/aom-$(aom_key)"
  if [[ -f "$AOM_BUILD/.done" && -f "$AOM_BUILD/libaom.a" ]]; then
    log "libaom.a cached ($AOM_BUILD)"
    return
  fi
  rm -rf "$AOM_BUILD" && mkdir -p "$AOM_BUILD"
  log "configuring libaom ($AOM_BUILD)"
  cmake -S "$BUILD_DIR/src/$AOM_DIR" -B "$AOM_BUILD" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$HERE/wasm32-wasi.cmake" \
    -DLLVM_VERSION="$LLVM" -DCMAKE_C_FLAGS="${AOM_CFLAGS[*]}" "${AOM_CMAKE_ARGS[@]}" >"$AOM_BUILD/configure.log" 2>&1 ||
    { tail -30 "$AOM_BUILD/configure.log"; exit 1; }
  if [[ $AOM_SIMD == 1 ]]; then aom_simd_configure; fi
  log "compiling libaom ($(nproc) jobs; a few minutes)"
  ninja -C "$AOM_BUILD" -j "$(nproc)" aom >"$AOM_BUILD/build.log" 2>&1 ||
    { grep -B2 -A10 FAILED "$AOM_BUILD/build.log" | head -60; exit 1; }
  if [[ $AOM_SIMD == 1 ]]; then aom_simd_archive; fi
  # Nothing may come from glibc's headers (clang's wasm32-wasi search path ends in /usr/include).
  if ninja -C "$AOM_BUILD" -t deps | grep -E '^\s+/usr/include/' | grep -v '/usr/include/wasm32-wasi/'; then
    log "libaom included glibc headers (above)"
    exit 1
  fi
  touch "$AOM_BUILD/.done"
}

# Appends the compile jobs of libavif and avif.c (build.sh's "object|source|flags..." lines) to the array named $1.
avif_jobs() {
  local -n out=$1
  local avif="$BUILD_DIR/src/$AVIF_DIR" aom="$BUILD_DIR/src/$AOM_DIR" obj="$BUILD_DIR/obj" f
  mkdir -p "$obj/avif"
  for f in "${AVIF_SOURCES[@]}"; do
    # codec_dav1d's constructor is wrapped by native/src/avif-dav1d-release.c (closes each dav1d decoder once its image is out).
    local rename=""
    [[ $f == codec_dav1d ]] && rename="|-DavifCodecCreateDav1d=avifCodecCreateDav1dInner"
    out+=("$obj/avif/$f.o|$avif/src/$f.c|-I$avif/include|-I$aom|-I$AOM_BUILD|-I$HERE/../src/wasi-shim|$(dav1d_includes)|-DAVIF_CODEC_AOM=1|-DAVIF_CODEC_AOM_ENCODE=1|-DAVIF_CODEC_DAV1D=1$rename")
  done
  out+=("$obj/avif/avif-dav1d-release.o|$HERE/../src/avif-dav1d-release.c|-I$avif/include|$(dav1d_includes)|-I$HERE/../src|-DAVIF_CODEC_DAV1D=1|-Wall|-Wextra|-Werror")
  out+=("$obj/avif.o|$HERE/../src/avif.c|-I$avif/include|-I$aom|-I$AOM_BUILD|-I$HERE/../src/wasi-shim|-Wall|-Wextra|-Werror")
  out+=("$obj/avif/avif-yuv.o|$HERE/../src/avif-yuv.c|-I$avif/include|-Wall|-Wextra|-Werror")
  out+=("$obj/avif-decode.o|$HERE/../src/avif-decode.c|-I$avif/include|-Wall|-Wextra|-Werror")
}

avif_licences() {
  local dir=$1
  cp "$BUILD_DIR/src/$AOM_DIR/LICENSE" "$dir/libaom-LICENSE"
  cp "$BUILD_DIR/src/$AOM_DIR/PATENTS" "$dir/libaom-PATENTS"
  cp "$BUILD_DIR/src/$AVIF_DIR/LICENSE" "$dir/libavif-LICENSE"
}
