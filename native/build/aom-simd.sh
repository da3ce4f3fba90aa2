# libaom's x86 SIMD kernels for WebAssembly (sourced by native/build/avif.sh; not run on its own).
#
# libaom's SSE2/SSE3/SSSE3/SSE4.1 intrinsics files (*_sse2.c, *_sse3.c, *_ssse3.c, *_sse4.c under aom_dsp/x86,
# av1/common/x86, av1/encoder/x86) compile to WebAssembly SIMD through emscripten's x86-intrinsics headers
# (build.sh's SIMD_HEADERS, as for libwebp's SSE2 code). libaom itself is still configured for the generic target
# (aom_config.h: no ARCH_X86*, HAVE_SSE*=0, so no cpuid, no inline asm, no NASM); only its three *_rtcd.h dispatch
# headers are regenerated with rtcd.pl --arch=x86_64 (AVX/AVX2, SSE4.2, MMX and SSE off) and rebound by
# native/build/aom-rtcd-wasm.pl to the kernels that exist here: a kernel written only in NASM (*.asm: the SADs,
# sub-pixel variances, some intra predictors and transforms), or an intrinsics kernel that calls one, keeps its C
# version, unless native/src/aom-wasm.c has it (two such kernels, in WebAssembly SIMD). The intrinsics objects are
# added to libaom.a.
#
# AOM_SIMD=0 builds libaom as before (generic C) -- for comparisons; write that module elsewhere (OUT).
AOM_SIMD="${AOM_SIMD:-1}"
AOM_WASM_KERNELS="$HERE/../src/aom-wasm.c"
AOM_RTCD_DISABLE=(--disable-mmx --disable-sse --disable-sse4_2 --disable-avx --disable-avx2)
# What emscripten's -msse4.1 would define: the compat headers check these macros. -msimd128 is in CFLAGS already.
AOM_SIMD_FLAGS=(-D__SSE__ -D__SSE2__ -D__SSE3__ -D__SSSE3__ -D__SSE4_1__ -Wno-deprecated-declarations
  -Wno-absolute-value)
# The intrinsics sources of this configuration, sorted (relative to libaom's source directory): libaom's CMake lists
# every x86 flavour's files in libaom_srcs.txt whatever the target, as its options select them (high bit depth,
# decoder, denoiser ...); ours are its SSE2/SSE3/SSSE3/SSE4.1 ones (*_sse4.c; hash_sse42.c is SSE4.2), less
# cdef_block_ssse3.c, which libaom builds for 32-bit x86 only (its #error says so; CDEF's SSE4.1 file is used).
aom_simd_sources() {
  grep -E '^(aom_dsp|av1/common|av1/encoder)/x86/[^/]*_(sse2|sse3|ssse3|sse4)\.c$' "$AOM_BUILD/libaom_srcs.txt" |
    grep -vx 'av1/common/x86/cdef_block_ssse3.c' | LC_ALL=C sort
}

# Compiles the intrinsics sources into directory $1 with the current rtcd headers (extra flags after it).
aom_simd_compile() {
  local out=$1 src="$BUILD_DIR/src/$AOM_DIR"
  shift
  rm -rf "$out" && mkdir -p "$out"
  export AOM_SIMD_CFLAGS="${AOM_CFLAGS[*]} -std=c11 -D_FILE_OFFSET_BITS=64 ${AOM_SIMD_FLAGS[*]} $* -I$SIMD_HEADERS -I$src -I$AOM_BUILD"
  aom_simd_sources | xargs -P "$(nproc)" -I{} bash -c '
    read -ra flags <<<"$AOM_SIMD_CFLAGS"; o="$2/${1//\//_}.o"
    "$CC" "${flags[@]}" -c "$3/$1" -o "$o" 2>"$o.log" || { cat "$o.log"; exit 255; }' _ {} "$out" "$src" ||
    { log "compiling libaom's intrinsics failed"; exit 1; }
  # Our own kernels for two functions that libaom has for x86 only in NASM (native/src/aom-wasm.c).
  local flags
  read -ra flags <<<"$AOM_SIMD_CFLAGS"
  "$CC" "${flags[@]}" -Wall -Wextra -Werror -c "$AOM_WASM_KERNELS" -o "$out/native_aom-wasm.o" ||
    { log "compiling native/src/aom-wasm.c failed"; exit 1; }
}

# After libaom's configure step: the x86_64 dispatch headers, rebound in two passes. Pass 1 (-O0, only to list the
# functions the intrinsics files define) binds each function to its best variant that exists; pass 2 compiles the
# kernels for real with those bindings and excludes, from its call graph, the functions that still reach a missing
# (asm-only) kernel. libaom's own C is compiled afterwards by ninja with the final headers.
aom_simd_configure() {
  local src="$BUILD_DIR/src/$AOM_DIR" cfg="$AOM_BUILD/config" defs sym
  # ninja's own (generic) rules for the headers run first, so that it sees them up to date and keeps ours.
  ninja -C "$AOM_BUILD" config/aom_dsp_rtcd.h config/aom_scale_rtcd.h config/av1_rtcd.h >/dev/null
  for defs in aom_dsp/aom_dsp_rtcd_defs.pl:aom_dsp_rtcd aom_scale/aom_scale_rtcd.pl:aom_scale_rtcd \
    av1/common/av1_rtcd_defs.pl:av1_rtcd; do
    sym=${defs#*:} defs=${defs%%:*}
    perl "$src/cmake/rtcd.pl" --arch=x86_64 --sym="$sym" "${AOM_RTCD_DISABLE[@]}" \
      --config="$cfg/aom_config.h" "$src/$defs" >"$cfg/$sym.h"
  done
  local headers=("$cfg/aom_dsp_rtcd.h" "$cfg/av1_rtcd.h" "$cfg/aom_scale_rtcd.h") count
  count=$(aom_simd_sources | wc -l)
  ((count > 0)) || { log "libaom SIMD: no intrinsics sources in $AOM_BUILD/libaom_srcs.txt"; exit 1; }
  log "libaom SIMD: listing the intrinsics kernels of $count files (pass 1)"
  aom_simd_compile "$AOM_BUILD/simd-pass1" -O0
  LLVM_OBJDUMP="llvm-objdump-$LLVM" LLVM_NM="llvm-nm-$LLVM" perl "$HERE/aom-rtcd-wasm.pl" "${headers[@]}" -- \
    "$AOM_BUILD"/simd-pass1/*.o
  log "libaom SIMD: compiling the intrinsics kernels (pass 2)"
  aom_simd_compile "$AOM_BUILD/simd"
  LLVM_OBJDUMP="llvm-objdump-$LLVM" LLVM_NM="llvm-nm-$LLVM" perl "$HERE/aom-rtcd-wasm.pl" --closure \
    --report="$AOM_BUILD/rtcd-bindings.txt" "${headers[@]}" -- "$AOM_BUILD"/simd/*.o
  rm -rf "$AOM_BUILD/simd-pass1"
}

# After ninja: the kernels join libaom.a (only the members something references are linked).
aom_simd_archive() {
  local h
  for h in aom_dsp_rtcd av1_rtcd aom_scale_rtcd; do
    grep -q 'aom-rtcd-wasm.pl bound' "$AOM_BUILD/config/$h.h" || { log "libaom SIMD: ninja regenerated $h.h"; exit 1; }
  done
  local objects
  mapfile -t objects < <(printf '%s\n' "$AOM_BUILD"/simd/*.o | LC_ALL=C sort)
  "llvm-ar-$LLVM" qS "$AOM_BUILD/libaom.a" "${objects[@]}"
  "llvm-ranlib-$LLVM" "$AOM_BUILD/libaom.a"
}

# This recipe's part of avif.sh's aom_key.
aom_simd_key() {
  echo "AOM_SIMD=$AOM_SIMD"
  [[ $AOM_SIMD == 1 ]] || return 0
  echo "$EMSCRIPTEN_VERSION"
  printf '%s\n' "${AOM_RTCD_DISABLE[@]}" "${AOM_SIMD_FLAGS[@]}"
  cat "$HERE/aom-rtcd-wasm.pl" "$AOM_WASM_KERNELS"
  declare -f aom_simd_sources aom_simd_compile aom_simd_configure aom_simd_archive
}
