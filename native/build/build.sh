#!/usr/bin/env bash
# Builds src/pipeline/codec/scaled.wasm (the shrink-on-load JPEG/WebP decoders, the streamed PNG decoder, libjpeg-turbo's and libwebp's
# encoders, an AVIF encoder and decoder, animated WebP and ICC conversion) from Debian's source packages of
# libjpeg-turbo, libwebp, aom, libavif, dav1d, zlib and lcms2 plus native/src/*.c (jsimd-wasm.c: libjpeg-turbo's SIMD hooks),
# with Debian's clang/lld for wasm32-wasi, and writes its checksum to native/build/scaled.wasm.sha256.
# Idempotent: sources are fetched once into $BUILD_DIR (default $TMPDIR/edge-image-worker-native, outside git),
# libaom.a is built once per version and flags and cached there (native/build/avif.sh), the module's own objects are
# rebuilt every run. On 2 cores: ~1 min from nothing (libaom ~45 s of it), ~10 s with libaom cached.
#
#   native/build/build.sh            build (installs missing build tools and a deb-src entry when run as root)
#   BUILD_DIR=/tmp/x native/build/build.sh
#   LIBAVIF_GIT=/path/to/libavif.git native/build/build.sh
#       when the Debian mirror lacks libavif's orig tarball (seen here), recreate it with `git archive` of upstream's
#       v0.11.1 tag from that clone; it is checked against the sha256 in Debian's Sources index, so it is byte for
#       byte Debian's file (see fetch_source)
#
# See native/README.md for versions, flags and licences.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# Outside the work tree by default, so Debian's sources can never be committed by accident.
BUILD_DIR="${BUILD_DIR:-${TMPDIR:-/tmp}/edge-image-worker-native}"
OUT="${OUT:-$ROOT/src/pipeline/codec/scaled.wasm}"

# Debian bookworm's versions; override when the mirror has moved on (a security update), and say so in the README.
JPEG_PKG="libjpeg-turbo" JPEG_VERSION="${JPEG_VERSION:-1:2.1.5-2}" JPEG_DIR="libjpeg-turbo-2.1.5"
WEBP_PKG="libwebp" WEBP_VERSION="${WEBP_VERSION:-1.2.4-0.2+deb12u1}" WEBP_DIR="libwebp-1.2.4"
# zlib's inflate, for the streamed PNG decoder (native/src/png.c).
ZLIB_PKG="zlib" ZLIB_VERSION="${ZLIB_VERSION:-1:1.2.13.dfsg-1}" ZLIB_DIR="zlib-1.2.13.dfsg"
# Little CMS, for converting pixels from an embedded ICC profile to sRGB (native/src/icc.c).
LCMS_PKG="lcms2" LCMS_VERSION="${LCMS_VERSION:-2.14-2+deb12u1}" LCMS_DIR="lcms2-2.14"
LLVM=16
CC="clang-$LLVM"
# The module can never grow past this, whatever the input: below a Worker isolate's 128 MB, so a runaway decode or
# encode fails cleanly inside the module (out-of-memory, a 413) instead of taking the isolate down. The largest
# measured legitimate session is ~52 MiB (a 2.6 MP AVIF); a progressive JPEG's coefficients are budgeted at 48 MiB.
MAX_MEMORY=$((96 * 1024 * 1024))
STACK=$((256 * 1024))

log() { printf '[build] %s\n' "$*" >&2; }

need_tools() {
  local missing=()
  command -v "$CC" >/dev/null || missing+=("clang-$LLVM")
  command -v "wasm-ld-$LLVM" >/dev/null || missing+=("lld-$LLVM")
  [[ -f /usr/lib/wasm32-wasi/libc.a ]] || missing+=(wasi-libc)
  [[ -f "/usr/lib/llvm-$LLVM/lib/clang/$LLVM/lib/wasi/libclang_rt.builtins-wasm32.a" ]] || missing+=("libclang-rt-$LLVM-dev-wasm32")
  command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
  # libaom's CMake build (native/build/avif.sh): its toolchain file uses llvm-ar/llvm-ranlib; perl generates its headers.
  command -v "llvm-ar-$LLVM" >/dev/null || missing+=("llvm-$LLVM")
  command -v cmake >/dev/null || missing+=(cmake)
  command -v ninja >/dev/null || missing+=(ninja-build)
  command -v perl >/dev/null || missing+=(perl)
  # fetch_source's fallback when apt-get source fails.
  command -v curl >/dev/null || missing+=(curl)
  command -v patch >/dev/null || missing+=(patch)
  [[ -z "${LIBAVIF_GIT:-}" ]] || command -v git >/dev/null || missing+=(git)
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

# libaom comes from Debian forky, the testing suite (see native/build/avif.sh). Its signed Sources index is read
# through an apt configuration of the build's own under $BUILD_DIR (sources list, lists and cache), so the machine's
# apt sources are left as they are: only deb-src, only forky's main, Debian's archive keyring (which signs it too).
FORKY_APT=(-o "Dir::Etc::sourcelist=$BUILD_DIR/apt/forky.list" -o Dir::Etc::sourceparts=-
  -o "Dir::State::Lists=$BUILD_DIR/apt/lists" -o "Dir::Cache=$BUILD_DIR/apt/cache")

need_forky_index() {
  if compgen -G "$BUILD_DIR/apt/lists/*_forky_main_source_Sources*" >/dev/null; then return; fi
  log "reading Debian forky's Sources index (into $BUILD_DIR/apt)"
  mkdir -p "$BUILD_DIR/apt/lists/partial" "$BUILD_DIR/apt/cache/archives/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian forky main" \
    >"$BUILD_DIR/apt/forky.list"
  apt-get "${FORKY_APT[@]}" update -qq >/dev/null 2>&1 &&
    compgen -G "$BUILD_DIR/apt/lists/*_forky_main_source_Sources*" >/dev/null ||
    { log "cannot read forky's Sources index from deb.debian.org"; exit 1; }
}

# apt-get source pkg=version into $BUILD_DIR/src/dir (from forky when the fourth argument says so). When that fails
# because a file is missing from the mirror (seen here: bookworm-security listed aom 3.6.0-1+deb12u3 but served
# neither its .dsc nor the orig tarball; libavif's orig tarball is missing altogether), fetch the files the Sources
# index names ourselves, check each against the index's sha256 (the index is signed through the Release file), unpack
# the orig tarball, add debian/ and apply debian/patches/series -- what dpkg-source -x does for a "3.0 (quilt)"
# package. libavif's orig tarball is upstream's `git archive` of its tag, gzip -n'd: with LIBAVIF_GIT set to a clone
# of upstream, it is recreated from there when no mirror has it, and must still match the index's sha256.
fetch_source() {
  local pkg=$1 version=$2 dir=$3 src="$BUILD_DIR/src" apt=(apt-get)
  [[ -d "$src/$dir" ]] && return
  mkdir -p "$src"
  if [[ ${4:-} == forky ]]; then need_forky_index && apt+=("${FORKY_APT[@]}"); else need_deb_src; fi
  log "apt-get source $pkg=$version"
  if (cd "$src" && "${apt[@]}" source -qq "$pkg=$version" >/dev/null 2>&1) && [[ -d "$src/$dir" ]]; then return; fi
  log "apt-get source $pkg=$version failed; fetching the files listed in the Sources index and checking their sha256"
  local uri name size sum orig="" debian="" listed=0
  while read -r uri name size sum; do
    uri=${uri//\'/} sum=${sum#SHA256:} listed=1
    case $name in *.orig.tar.*) orig=$name ;; *.debian.tar.*) debian=$name ;; esac
    [[ $name == *.dsc ]] && continue
    if ! echo "$sum  $src/$name" | sha256sum -c --status 2>/dev/null; then
      curl -fsSL -o "$src/$name" "$uri" 2>/dev/null ||
        curl -fsSL -o "$src/$name" "${uri/debian-security\/pool\/updates/debian/pool}" 2>/dev/null ||
        rm -f "$src/$name"
    fi
    if [[ ! -f "$src/$name" && $name == *.orig.tar.gz && $pkg == "$AVIF_PKG" && -n "${LIBAVIF_GIT:-}" ]]; then
      log "recreating $name from $LIBAVIF_GIT ($AVIF_TAG)"
      git -C "$LIBAVIF_GIT" archive --format=tar --prefix="$AVIF_DIR/" "$AVIF_TAG" | gzip -n >"$src/$name"
    fi
    if [[ ! -f "$src/$name" ]]; then
      log "cannot fetch $name ($uri)"
      [[ $pkg == "$AVIF_PKG" ]] && log "set LIBAVIF_GIT to a clone of https://github.com/AOMediaCodec/libavif (see the top of this file)"
      exit 1
    fi
    echo "$sum  $src/$name" | sha256sum -c --status || { log "sha256 mismatch for $name"; exit 1; }
  done < <(mkdir -p "$src/.empty" && cd "$src/.empty" && "${apt[@]}" source --print-uris -qq "$pkg=$version" | grep "^'")
  # (an empty directory: apt-get leaves out files already present in the current one)
  ((listed)) && [[ -n $orig && -n $debian ]] ||
    { log "$pkg=$version is not in the Sources index (is that version still on the mirror? see the *_VERSION variables)"; exit 1; }
  rm -rf "$src/$dir.tmp" && mkdir -p "$src/$dir.tmp"
  # (aom's orig tarball has no top-level directory; the others have one)
  local strip=0
  [[ $(tar -tf "$src/$orig" | cut -d/ -f1 | sort -u | wc -l) == 1 ]] && strip=1
  tar -xf "$src/$orig" -C "$src/$dir.tmp" --strip-components=$strip
  tar -xf "$src/$debian" -C "$src/$dir.tmp"
  local patch
  if [[ -f "$src/$dir.tmp/debian/patches/series" ]]; then
    while read -r patch _; do
      [[ -z $patch || $patch == \#* ]] && continue
      patch -d "$src/$dir.tmp" -p1 -s -N <"$src/$dir.tmp/debian/patches/$patch"
    done <"$src/$dir.tmp/debian/patches/series"
  fi
  mv "$src/$dir.tmp" "$src/$dir"
}

fetch_sources() {
  fetch_source "$JPEG_PKG" "$JPEG_VERSION" "$JPEG_DIR"
  fetch_source "$WEBP_PKG" "$WEBP_VERSION" "$WEBP_DIR"
  fetch_source "$ZLIB_PKG" "$ZLIB_VERSION" "$ZLIB_DIR"
  fetch_source "$LCMS_PKG" "$LCMS_VERSION" "$LCMS_DIR"
  fetch_source "$AOM_PKG" "$AOM_VERSION" "$AOM_DIR" forky
  fetch_source "$AVIF_PKG" "$AVIF_VERSION" "$AVIF_DIR"
  fetch_source "$DAV1D_PKG" "$DAV1D_VERSION" "$DAV1D_DIR"
}

# libjpeg-turbo's CMake writes jconfig.h/jconfigint.h; for wasm32 we fill its templates ourselves (its CMake also
# gets SIZEOF_SIZE_T wrong under emscripten, see the notes). Decoder and compressor, arithmetic decoding only, its
# SIMD hooks from native/src/jsimd-wasm.c (SIMD below), no getenv, no jpeg_mem_src/jpeg_mem_dest (our own source and destination managers).
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

# Decoder, then the compressor (jc*/jf*: no jcarith, jcicc, jctrans, jdatadst -- arithmetic coding, ICC profiles,
# transcoding and jpeg_mem_dest are not used; native/jpeg-encode.c has its own destination manager).
JPEG_SOURCES=(jaricom jcomapi jdapimin jdapistd jdarith jdcoefct jdcolor jddctmgr jdhuff jdinput jdmainct
  jdmarker jdmaster jdmerge jdphuff jdpostct jdsample jerror jidctflt jidctfst jidctint jidctred jmemmgr
  jmemnobs jquant1 jquant2 jsimd_none jutils
  jcapimin jcapistd jccoefct jccolor jcdctmgr jchuff jcinit jcmainct jcmarker jcmaster jcparam jcphuff jcprepct
  jcsample jfdctflt jfdctfst jfdctint)
# SIMD=1 (default): libjpeg-turbo's jsimd_* hooks go to native/src/jsimd-wasm.c's WebAssembly SIMD kernels (bit-exact
# against the C); jsimd_none.c still provides every hook that file does not implement, with these names renamed away.
# SIMD=0: libjpeg-turbo's C alone (jsimd_none.c as is), for bench/native/jsimd-exact.mjs -- write it elsewhere (OUT).
SIMD="${SIMD:-1}"
JSIMD_WASM=(jsimd_can_ycc_rgb jsimd_ycc_rgb_convert jsimd_can_h2v1_fancy_upsample jsimd_h2v1_fancy_upsample
  jsimd_can_h2v2_fancy_upsample jsimd_h2v2_fancy_upsample jsimd_can_idct_islow jsimd_idct_islow
  jsimd_can_idct_4x4 jsimd_idct_4x4 jsimd_can_idct_2x2 jsimd_idct_2x2 jsimd_can_rgb_ycc jsimd_rgb_ycc_convert jsimd_can_h2v2_downsample jsimd_h2v2_downsample
  jsimd_can_convsamp jsimd_convsamp jsimd_can_fdct_islow jsimd_fdct_islow jsimd_can_quantize jsimd_quantize
  jsimd_can_encode_mcu_AC_first_prepare jsimd_encode_mcu_AC_first_prepare jsimd_can_encode_mcu_AC_refine_prepare
  jsimd_encode_mcu_AC_refine_prepare)
# zlib: inflate only (no deflate, no gz* file I/O).
ZLIB_SOURCES=(adler32 crc32 inffast inflate inftrees zutil)
# lcms2: the library less its IT8/CGATS parser (cmscgats), PostScript generator (cmsps2) and gamut-boundary
# descriptor (cmssm), which the transforms never call; profiles are opened from memory only (the linker drops the
# file functions of cmsio0).
LCMS_SOURCES=(cmsalpha cmscam02 cmscnvrt cmserr cmsgamma cmsgmt cmshalf cmsintrp cmsio0 cmsio1 cmslut cmsmd5 cmsmtrx
  cmsnamed cmsopt cmspack cmspcs cmsplugin cmssamp cmstypes cmsvirt cmswtpnt cmsxform)
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
  sharpyuv/sharpyuv sharpyuv/sharpyuv_csp sharpyuv/sharpyuv_dsp sharpyuv/sharpyuv_gamma sharpyuv/sharpyuv_sse2
  # Animated WebP (native/src/anim.c): WebPAnimEncoder and its mux, WebPAnimDecoder and its demux.
  src/mux/anim_encode src/mux/muxedit src/mux/muxinternal src/mux/muxread src/demux/demux src/demux/anim_decode)

# Features every engine we run on has (workerd's V8, Node >= 20): bulk memory, SIMD (for auto-vectorisation;
# neither library has wasm SIMD code of its own), non-trapping float-to-int, sign extension.
OPT_FLAGS="${OPT_FLAGS:--O2 -msimd128}"
read -ra OPT_ARRAY <<<"$OPT_FLAGS"
CFLAGS=(--target=wasm32-wasi "${OPT_ARRAY[@]}" -DNDEBUG -g0 -fno-math-errno -mbulk-memory -mnontrapping-fptoint
  -msign-ext -ffile-prefix-map="$BUILD_DIR"=. -ffile-prefix-map="$HERE/../src"=. -Wno-unused-command-line-argument)

export CC
export CFLAGS_STR="${CFLAGS[*]}"

# The AVIF encoder: AOM_*/AVIF_* versions, build_aom (cached libaom.a), avif_jobs, avif_licences.
source "$HERE/avif.sh"
# The AVIF decoder's AV1 decoder: DAV1D_* version, dav1d_jobs, dav1d_includes, dav1d_licences.
source "$HERE/dav1d.sh"

build() {
  local jpeg="$BUILD_DIR/src/$JPEG_DIR" webp="$BUILD_DIR/src/$WEBP_DIR" zlib="$BUILD_DIR/src/$ZLIB_DIR" obj="$BUILD_DIR/obj"
  local lcms="$BUILD_DIR/src/$LCMS_DIR"
  rm -rf "$obj" && mkdir -p "$obj/jpeg" "$obj/webp" "$obj/zlib" "$obj/lcms"
  local jobs=() f
  # USE_CLZ_INTRINSIC: the Huffman encoders (jchuff, jcphuff) count bits with __builtin_clz (wasm's i32.clz) instead
  # of a 64 KiB table each (libjpeg-turbo's default except on Arm), which would add 128 KiB to the module and its memory.
  local renames="" name extra_objs=()
  if [[ $SIMD == 1 ]]; then
    for name in "${JSIMD_WASM[@]}"; do renames+="|-D$name=${name}_none"; done
    jobs+=("$obj/jsimd-wasm.o|$HERE/../src/jsimd-wasm.c|-I$BUILD_DIR/jpeg-config|-I$jpeg|-Wall|-Wextra|-Werror")
    extra_objs+=("$obj/jsimd-wasm.o")
  fi
  for f in "${JPEG_SOURCES[@]}"; do
    jobs+=("$obj/jpeg/$f.o|$jpeg/$f.c|-I$BUILD_DIR/jpeg-config|-I$jpeg|-DNO_GETENV|-DNO_PUTENV|-DUSE_CLZ_INTRINSIC")
    if [[ $f == jsimd_none ]]; then jobs[-1]+=$renames; fi
    # The Huffman coders' bit buffers are 64-bit only where size_t is, or on x86-64's ILP32 ABI (x32); wasm32 is ILP32
    # with native 64-bit integers too, so they take x32's branch (the sole use of __x86_64__ in these three files).
    if [[ $f == jdhuff || $f == jdphuff || $f == jchuff ]]; then jobs[-1]+="|-D__x86_64__"; fi
    # The progressive Huffman encoder gains from -O3's unrolling (3-4% of a progressive encode's CPU, same bytes); the
    # decoder's Huffman code, the rest of the compressor and libwebp's encoder measured the same at -O3.
    if [[ $f == jcphuff ]]; then jobs[-1]+="|-O3"; fi
  done
  # __SSE2__ turns on libwebp's SSE2 paths; EMSCRIPTEN makes its cpu.c report SSE2 present (see SIMD_HEADERS).
  for f in "${WEBP_SOURCES[@]}"; do
    jobs+=("$obj/webp/${f//\//_}.o|$webp/$f.c|-I$webp|-I$SIMD_HEADERS|-D__SSE__|-D__SSE2__|-DEMSCRIPTEN|-Wno-deprecated-declarations|-Wno-absolute-value")
    # IsFlat and IsFlatSource16 in WebAssembly SIMD (libwebp's src/dsp/quant.h has them in C on x86).
    if [[ $f == src/enc/quant_enc ]]; then jobs[-1]+="|-include|$HERE/../src/webp-quant-wasm.h"; fi
  done
  jobs+=("$obj/scaled.o|$HERE/../src/scaled.c|-I$BUILD_DIR/jpeg-config|-I$jpeg|-I$webp|-DMAX_MEMORY_BYTES=$MAX_MEMORY|-Wall|-Wextra|-Werror")
  jobs+=("$obj/jpeg-encode.o|$HERE/../src/jpeg-encode.c|-I$BUILD_DIR/jpeg-config|-I$jpeg|-Wall|-Wextra|-Werror")
  jobs+=("$obj/progressive.o|$HERE/../src/progressive.c|-I$BUILD_DIR/jpeg-config|-I$jpeg|-Wall|-Wextra|-Werror")
  for f in "${ZLIB_SOURCES[@]}"; do
    jobs+=("$obj/zlib/$f.o|$zlib/$f.c|-I$zlib|-DHAVE_UNISTD_H|-DHAVE_STDARG_H|-Wno-deprecated-non-prototype")
  done
  jobs+=("$obj/png.o|$HERE/../src/png.c|-I$zlib|-Wall|-Wextra|-Werror")
  jobs+=("$obj/resample.o|$HERE/../src/resample.c|-Wall|-Wextra|-Werror")
  jobs+=("$obj/resample-i16.o|$HERE/../src/resample-i16.c|-Wall|-Wextra|-Werror")
  extra_objs+=("$obj/resample-i16.o")
  # No threads in wasm32-wasi: lcms2's context list needs no mutex.
  for f in "${LCMS_SOURCES[@]}"; do
    jobs+=("$obj/lcms/$f.o|$lcms/src/$f.c|-I$lcms/include|-DCMS_NO_PTHREADS=1")
  done
  jobs+=("$obj/icc.o|$HERE/../src/icc.c|-I$lcms/include|-DCMS_NO_PTHREADS=1|-Wall|-Wextra|-Werror")
  jobs+=("$obj/anim.o|$HERE/../src/anim.c|-I$webp|-Wall|-Wextra|-Werror")
  avif_jobs jobs
  dav1d_jobs jobs
  printf '%s\n' "${jobs[@]}" | xargs -P "$(nproc)" -I{} bash -c '
    IFS="|" read -ra a <<<"$1"; read -ra flags <<<"$CFLAGS_STR"
    "$CC" "${flags[@]}" "${a[@]:2}" -c "${a[1]}" -o "${a[0]}"' _ {}

  # A reactor (no main): _initialize runs constructors; the loader calls it once per instance. --wrap puts
  # progressive.c's compact coefficient controller in front of libjpeg's (it calls the original when it does not apply),
  # and avif.c's setting of AV1E_SET_SKIP_POSTPROC_FILTERING in front of every aom_codec_encode.
  mkdir -p "$(dirname "$OUT")"
  "$CC" "${CFLAGS[@]}" -mexec-model=reactor -Wl,--wrap=jinit_d_coef_controller -Wl,--wrap=aom_codec_encode \
    -Wl,--max-memory=$MAX_MEMORY -Wl,-z,stack-size=$STACK -Wl,--stack-first -Wl,--gc-sections -Wl,--strip-debug \
    -o "$BUILD_DIR/scaled.wasm" "$obj"/jpeg/*.o "$obj"/webp/*.o "$obj"/avif/*.o "$obj"/zlib/*.o "$obj/scaled.o" "$obj/jpeg-encode.o" "$obj/progressive.o" "$obj/png.o" "$obj/resample.o" "$obj/anim.o" "$obj/avif.o" "$obj/avif-decode.o" "${extra_objs[@]}" \
    "$obj"/lcms/*.o "$obj/icc.o" "$obj"/dav1d/*.o \
    "$AOM_BUILD/libaom.a"
  cp "$BUILD_DIR/scaled.wasm" "$OUT"
  # The checksum belongs to the committed module; an experimental OUT elsewhere leaves it alone.
  if [[ "$OUT" -ef "$ROOT/src/pipeline/codec/scaled.wasm" ]]; then
    (cd "$ROOT" && sha256sum "src/pipeline/codec/scaled.wasm") >"$HERE/scaled.wasm.sha256"
  fi
}

# The licence texts that travel with the binary (native/README.md says which covers what).
licences() {
  local dir="$HERE/../LICENSES"
  mkdir -p "$dir"
  cp "$BUILD_DIR/src/$JPEG_DIR/LICENSE.md" "$dir/libjpeg-turbo-LICENSE.md"
  cp "$BUILD_DIR/src/$JPEG_DIR/README.ijg" "$dir/libjpeg-turbo-README.ijg"
  cp "$BUILD_DIR/src/$WEBP_DIR/COPYING" "$dir/libwebp-COPYING"
  cp "$BUILD_DIR/src/$WEBP_DIR/PATENTS" "$dir/libwebp-PATENTS"
  cp "$BUILD_DIR/src/$ZLIB_DIR/LICENSE" "$dir/zlib-LICENSE"
  cp "$BUILD_DIR/src/$LCMS_DIR/COPYING" "$dir/lcms2-COPYING"
  cp /usr/share/doc/wasi-libc/copyright "$dir/wasi-libc-copyright"
  # emscripten's SSE-to-WASM-SIMD headers are compiled into libwebp's SSE2 code.
  cp "$BUILD_DIR/emscripten/usr/share/doc/emscripten/copyright" "$dir/emscripten-copyright"
  avif_licences "$dir"
  dav1d_licences "$dir"
}

start=$(date +%s)
need_tools
fetch_sources
fetch_simd_headers
jpeg_config
fetched=$(date +%s)
build_aom
aom_done=$(date +%s)
build
licences
log "$("$CC" --version | head -1); wasi-libc $(dpkg-query -W -f '${Version}' wasi-libc 2>/dev/null)"
log "sources $((fetched - start)) s, libaom $((aom_done - fetched)) s, module $(($(date +%s) - aom_done)) s"
log "wrote $OUT ($(stat -c %s "$OUT") bytes) in $(($(date +%s) - start)) s; sha256 $(sha256sum "$OUT" | cut -d' ' -f1)"
