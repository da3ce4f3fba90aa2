/*
 * libwebp 1.2.4's src/dsp/quant.h in WebAssembly SIMD, force-included into src/enc/quant_enc.c (native/build/build.sh)
 * so that its include guard is taken first and these two functions stand in for the header's. libwebp has SIMD for
 * them only on NEON; on x86 both are C, and IsFlat alone was 2-3% of a 13 MP -> 1600 px WebP transform in workerd.
 *
 * Same results for every input: IsFlat counts the nonzero AC levels of num_blocks 4x4 blocks and compares the count
 * with thresh, which is what the C's loop decides (it stops once the count passes thresh); IsFlatSource16 compares
 * every sample of a 16x16 block (rows BPS apart) with its first, reading the same 16 bytes of each row as the C.
 */
#ifndef WEBP_DSP_QUANT_H_
#define WEBP_DSP_QUANT_H_

#include <wasm_simd128.h>

#include "src/dsp/dsp.h"
#include "src/webp/types.h"

/* num_blocks is at most 16 in libwebp (a macroblock's luma), so no i16 lane counts past 32. */
static WEBP_INLINE int IsFlat(const int16_t *levels, int num_blocks, int thresh) {
  const v128_t zero = wasm_i16x8_splat(0), ac = wasm_i16x8_make(0, -1, -1, -1, -1, -1, -1, -1);
  v128_t count = zero;
  for (int b = 0; b < num_blocks; b++, levels += 16) {
    /* eq gives -1 where a level is zero: subtracting its complement adds one per nonzero level */
    count = wasm_i16x8_sub(count, wasm_v128_andnot(ac, wasm_i16x8_eq(wasm_v128_load(levels), zero)));
    count = wasm_i16x8_sub(count, wasm_v128_not(wasm_i16x8_eq(wasm_v128_load(levels + 8), zero)));
  }
  const v128_t pairs = wasm_i32x4_extadd_pairwise_i16x8(count);
  const v128_t sums = wasm_i32x4_add(pairs, wasm_i32x4_shuffle(pairs, pairs, 2, 3, 0, 1));
  return wasm_i32x4_extract_lane(sums, 0) + wasm_i32x4_extract_lane(sums, 1) <= thresh;
}

static WEBP_INLINE int IsFlatSource16(const uint8_t *src) {
  const v128_t first = wasm_i8x16_splat((int8_t)src[0]);
  v128_t same = wasm_i8x16_eq(wasm_v128_load(src), first);
  for (int i = 1; i < 16; i++) same = wasm_v128_and(same, wasm_i8x16_eq(wasm_v128_load(src + i * BPS), first));
  return wasm_i8x16_all_true(same);
}

#endif /* WEBP_DSP_QUANT_H_ */
