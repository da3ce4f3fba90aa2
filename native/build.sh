#!/usr/bin/env bash
# Builds src/pipeline/scaled/scaled.wasm (the shrink-on-load JPEG/WebP decoders and libwebp's encoder) from Debian's source packages of
# libjpeg-turbo and libwebp plus native/scaled.c, with Debian's clang/lld for wasm32-wasi, and writes its
# checksum to native/scaled.wasm.sha256. Idempotent: sources are fetched once into $BUILD_DIR (default
# $TMPDIR/edge-image-worker-native, outside git), objects are rebuilt every run (a full build takes ~20 s).
#
#   native/build.sh            build (installs missing build tools and a deb-src entry when run as root)
#   BUILD_DIR=/tmp/x native/build.sh
#
# See native/README.md for versions, flags and licences.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# Outside the work tree by default, so Debian's sources can never be committed by accident.
BUILD_DIR="${BUILD_DIR:-${TMPDIR:-/tmp}/edge-image-worker-native}"
OUT="${OUT:-$ROOT/src/pipeline/scaled/scaled.wasm}"

# Debian bookworm's versions; override when the mirror has moved on (a security update), and say so in the README.
JPEG_PKG="libjpeg-turbo" JPEG_VERSION="${JPEG_VERSION:-1:2.1.5-2}" JPEG_DIR="libjpeg-turbo-2.1.5"
WEBP_PKG="libwebp" WEBP_VERSION="${WEBP_VERSION:-1.2.4-0.2+deb12u1}" WEBP_DIR="libwebp-1.2.4"
LLVM=16
CC="clang-$LLVM"
MAX_MEMORY=$((256 * 1024 * 1024)) # the module can never grow past this, whatever the input
STACK=$((256 * 1024))

log() { printf '[build] %s\n' "$*" >&2; }

need_tools() {
  local missing=()
  command -v "$CC" >/dev/null || missing+=("clang-$LLVM")
  command -v "wasm-ld-$LLVM" >/dev/null || missing+=("lld-$LLVM")
  [[ -f /usr/lib/wasm32-wasi/libc.a ]] || missing+=(wasi-libc)
  [[ -f "/usr/lib/llvm-$LLVM/lib/clang/$LLVM/lib/wasi/libclang_rt.builtins-wasm32.a" ]] || missing+=("libclang-rt-$LLVM-dev-wasm32")
  command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
  if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]]; then
      log "installing ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      log "missing build tools; run: sudo apt-get install ${missing[*]}"
      exit 1
    fi
  fi
}

need_deb_src() {
  if apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -q '^Sources$'; then return; fi
  if [[ $(id -u) != 0 ]]; then
    log "no deb-src entry: add one for bookworm (same mirror and keyring as the deb entry) and apt-get update"
    exit 1
  fi
  log "adding a deb-src entry for bookworm (/etc/apt/sources.list.d/debian-src.sources)"
  cat >/etc/apt/sources.list.d/debian-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt-get update -qq
}

# libwebp's SSE2 code, compiled for WebAssembly SIMD through emscripten's x86-intrinsics headers (emmintrin.h maps
# SSE2 onto wasm_simd128.h), as jSquash's *_simd builds do. Only the headers are used: the .deb is unpacked into the
# build directory, never installed.
EMSCRIPTEN_VERSION="${EMSCRIPTEN_VERSION:-3.1.6~dfsg-5}"
SIMD_HEADERS="$BUILD_DIR/emscripten/usr/share/emscripten/system/include/compat"

fetch_simd_headers() {
  if [[ -f "$SIMD_HEADERS/emmintrin.h" ]]; then return; fi
  log "apt-get download emscripten=$EMSCRIPTEN_VERSION (for its SSE-to-WASM-SIMD headers only)"
  mkdir -p "$BUILD_DIR/emscripten"
  (cd "$BUILD_DIR" && apt-get download -qq "emscripten=$EMSCRIPTEN_VERSION" >/dev/null 2>&1) ||
    { log "apt-get download emscripten=$EMSCRIPTEN_VERSION failed (see EMSCRIPTEN_VERSION)"; exit 1; }
  dpkg-deb -x "$BUILD_DIR"/emscripten_*.deb "$BUILD_DIR/emscripten"
  rm -f "$BUILD_DIR"/emscripten_*.deb
}

fetch_sources() {
  mkdir -p "$BUILD_DIR/src"
  local pkg version dir
  for spec in "$JPEG_PKG=$JPEG_VERSION=$JPEG_DIR" "$WEBP_PKG=$WEBP_VERSION=$WEBP_DIR"; do
    IFS='=' read -r pkg version dir <<<"$spec"
    if [[ -d "$BUILD_DIR/src/$dir" ]]; then continue; fi
    need_deb_src
    log "apt-get source $pkg=$version"
    (cd "$BUILD_DIR/src" && apt-get source -qq "$pkg=$version" >/dev/null 2>&1) ||
      { log "apt-get source $pkg=$version failed (is that version still on the mirror? see JPEG_VERSION/WEBP_VERSION)"; exit 1; }
  done
}

# libjpeg-turbo's CMake writes jconfig.h/jconfigint.h; for wasm32 we fill its templates ourselves (its CMake also
# gets SIZEOF_SIZE_T wrong under emscripten, see the notes). Decoder only, no SIMD, no getenv.
jpeg_config() {
  local src="$BUILD_DIR/src/$JPEG_DIR" cfg="$BUILD_DIR/jpeg-config"
  mkdir -p "$cfg"
  sed -e 's/@JPEG_LIB_VERSION@/62/' -e 's/@VERSION@/2.1.5/' -e 's/@LIBJPEG_TURBO_VERSION_NUMBER@/2001005/' \
      -e 's/@BITS_IN_JSAMPLE@/8/' \
      -e 's/#cmakedefine D_ARITH_CODING_SUPPORTED 1/#define D_ARITH_CODING_SUPPORTED 1/' \
      -e 's|#cmakedefine \([A-Z_]*\).*|/* #undef \1 */|' \
      "$src/jconfig.h.in" >"$cfg/jconfig.h"
  sed -e 's/@BUILD@/wasm32-wasi/' -e 's/@INLINE@/__inline__ __attribute__((always_inline))/' \
      -e 's/@THREAD_LOCAL@//' -e 's/@CMAKE_PROJECT_NAME@/libjpeg-turbo/' -e 's/@VERSION@/2.1.5/' \
      -e 's/@SIZE_T@/4/' \
      -e 's/#cmakedefine HAVE_BUILTIN_CTZL/#define HAVE_BUILTIN_CTZL/' \
      -e 's|#cmakedefine \([A-Z_]*\).*|/* #undef \1 */|' \
      "$src/jconfigint.h.in" >"$cfg/jconfigint.h"
  sed -e 's/@COPYRIGHT_YEAR@/1991-2023/' "$src/jversion.h.in" >"$cfg/jversion.h"
  if grep -q '@' "$cfg"/*.h; then log "unfilled template variables in $cfg"; grep -n '@' "$cfg"/*.h; exit 1; fi
}

JPEG_SOURCES=(jaricom jcomapi jdapimin jdapistd jdarith jdcoefct jdcolor jddctmgr jdhuff jdinput jdmainct
  jdmarker jdmaster jdmerge jdphuff jdpostct jdsample jerror jidctflt jidctfst jidctint jidctred jmemmgr
  jmemnobs jquant1 jquant2 jsimd_none jutils)
WEBP_SOURCES=(src/dec/alpha_dec src/dec/buffer_dec src/dec/frame_dec src/dec/idec_dec src/dec/io_dec
  src/dec/quant_dec src/dec/tree_dec src/dec/vp8_dec src/dec/vp8l_dec src/dec/webp_dec
  src/dsp/alpha_processing src/dsp/cpu src/dsp/dec src/dsp/dec_clip_tables src/dsp/filters src/dsp/lossless
  src/dsp/rescaler src/dsp/upsampling src/dsp/yuv
  src/utils/bit_reader_utils src/utils/color_cache_utils src/utils/filters_utils src/utils/huffman_utils
  src/utils/quant_levels_dec_utils src/utils/random_utils src/utils/rescaler_utils src/utils/thread_utils
  src/utils/utils
  src/enc/alpha_enc src/enc/analysis_enc src/enc/backward_references_cost_enc src/enc/backward_references_enc
  src/enc/config_enc src/enc/cost_enc src/enc/filter_enc src/enc/frame_enc src/enc/histogram_enc
  src/enc/iterator_enc src/enc/near_lossless_enc src/enc/picture_csp_enc src/enc/picture_enc
  src/enc/picture_psnr_enc src/enc/picture_rescale_enc src/enc/picture_tools_enc src/enc/predictor_enc
  src/enc/quant_enc src/enc/syntax_enc src/enc/token_enc src/enc/tree_enc src/enc/vp8l_enc src/enc/webp_enc
  src/dsp/cost src/dsp/enc src/dsp/lossless_enc src/dsp/ssim
  src/dsp/alpha_processing_sse2 src/dsp/cost_sse2 src/dsp/dec_sse2 src/dsp/enc_sse2 src/dsp/filters_sse2
  src/dsp/lossless_enc_sse2 src/dsp/lossless_sse2 src/dsp/rescaler_sse2 src/dsp/ssim_sse2 src/dsp/upsampling_sse2
  src/dsp/yuv_sse2
  src/utils/bit_writer_utils src/utils/huffman_encode_utils src/utils/quant_levels_utils
  sharpyuv/sharpyuv sharpyuv/sharpyuv_csp sharpyuv/sharpyuv_dsp sharpyuv/sharpyuv_gamma sharpyuv/sharpyuv_sse2)

# Features every engine we run on has (workerd's V8, Node >= 20): bulk memory, SIMD (for auto-vectorisation;
# neither library has wasm SIMD code of its own), non-trapping float-to-int, sign extension.
OPT_FLAGS="${OPT_FLAGS:--O2 -msimd128}"
read -ra OPT_ARRAY <<<"$OPT_FLAGS"
CFLAGS=(--target=wasm32-wasi "${OPT_ARRAY[@]}" -DNDEBUG -g0 -fno-math-errno -mbulk-memory -mnontrapping-fptoint
  -msign-ext -ffile-prefix-map="$BUILD_DIR"=. -ffile-prefix-map="$HERE"=. -Wno-unused-command-line-argument)

export CC
export CFLAGS_STR="${CFLAGS[*]}"

build() {
  local jpeg="$BUILD_DIR/src/$JPEG_DIR" webp="$BUILD_DIR/src/$WEBP_DIR" obj="$BUILD_DIR/obj"
  rm -rf "$obj" && mkdir -p "$obj/jpeg" "$obj/webp"
  local jobs=() f
  for f in "${JPEG_SOURCES[@]}"; do
    jobs+=("$obj/jpeg/$f.o|$jpeg/$f.c|-I$BUILD_DIR/jpeg-config|-I$jpeg|-DNO_GETENV|-DNO_PUTENV")
  done
  # __SSE2__ turns on libwebp's SSE2 paths; EMSCRIPTEN makes its cpu.c report SSE2 present (see SIMD_HEADERS).
  for f in "${WEBP_SOURCES[@]}"; do
    jobs+=("$obj/webp/${f//\//_}.o|$webp/$f.c|-I$webp|-I$SIMD_HEADERS|-D__SSE__|-D__SSE2__|-DEMSCRIPTEN|-Wno-deprecated-declarations|-Wno-absolute-value")
  done
  jobs+=("$obj/scaled.o|$HERE/scaled.c|-I$BUILD_DIR/jpeg-config|-I$jpeg|-I$webp|-Wall|-Wextra|-Werror")
  printf '%s\n' "${jobs[@]}" | xargs -P "$(nproc)" -I{} bash -c '
    IFS="|" read -ra a <<<"$1"; read -ra flags <<<"$CFLAGS_STR"
    "$CC" "${flags[@]}" "${a[@]:2}" -c "${a[1]}" -o "${a[0]}"' _ {}

  # A reactor (no main): _initialize runs constructors; the loader calls it once per instance.
  mkdir -p "$(dirname "$OUT")"
  "$CC" "${CFLAGS[@]}" -mexec-model=reactor \
    -Wl,--max-memory=$MAX_MEMORY -Wl,-z,stack-size=$STACK -Wl,--stack-first -Wl,--gc-sections -Wl,--strip-debug \
    -o "$BUILD_DIR/scaled.wasm" "$obj"/jpeg/*.o "$obj"/webp/*.o "$obj/scaled.o"
  cp "$BUILD_DIR/scaled.wasm" "$OUT"
  # The checksum belongs to the committed module; an experimental OUT elsewhere leaves it alone.
  if [[ "$OUT" -ef "$ROOT/src/pipeline/scaled/scaled.wasm" ]]; then
    (cd "$ROOT" && sha256sum "src/pipeline/scaled/scaled.wasm") >"$HERE/scaled.wasm.sha256"
  fi
}

# The licence texts that travel with the binary (native/README.md says which covers what).
licences() {
  local dir="$HERE/LICENSES"
  mkdir -p "$dir"
  cp "$BUILD_DIR/src/$JPEG_DIR/LICENSE.md" "$dir/libjpeg-turbo-LICENSE.md"
  cp "$BUILD_DIR/src/$JPEG_DIR/README.ijg" "$dir/libjpeg-turbo-README.ijg"
  cp "$BUILD_DIR/src/$WEBP_DIR/COPYING" "$dir/libwebp-COPYING"
  cp "$BUILD_DIR/src/$WEBP_DIR/PATENTS" "$dir/libwebp-PATENTS"
  cp /usr/share/doc/wasi-libc/copyright "$dir/wasi-libc-copyright"
}

start=$(date +%s)
need_tools
fetch_sources
fetch_simd_headers
jpeg_config
build
licences
log "$("$CC" --version | head -1); wasi-libc $(dpkg-query -W -f '${Version}' wasi-libc 2>/dev/null)"
log "wrote $OUT ($(stat -c %s "$OUT") bytes) in $(($(date +%s) - start)) s; sha256 $(sha256sum "$OUT" | cut -d' ' -f1)"
