/*
 * emscripten's SSE2 header (build.sh's SIMD_HEADERS), with one instruction emulated more cheaply for libwebp.
 *
 * _mm_mulhi_epi16 (the high 16 bits of each signed 16x16-bit product) is two i32x4.extmul and a shuffle there, which
 * V8 lowers to about nine x64 instructions. Here it is two i32x4.dot_i16x8_s (pmaddwd) against the multiplier's even
 * and odd lanes, whose 32-bit products are exact, then the high halves put back in place: about five, and the same
 * result for every input. libwebp's transforms call it with constant multipliers, whose masking the compiler folds.
 */
#ifndef EDGE_IMAGE_EMMINTRIN_H
#define EDGE_IMAGE_EMMINTRIN_H
#include_next <emmintrin.h>

static __inline__ __m128i __attribute__((__always_inline__, __nodebug__)) edge_image_mulhi_epi16(__m128i a, __m128i b) {
  const v128_t low = wasm_i32x4_splat(0xffff), high = wasm_i32x4_splat((int32_t)0xffff0000u);
  const v128_t even = wasm_i32x4_dot_i16x8((v128_t)a, wasm_v128_and((v128_t)b, low));
  const v128_t odd = wasm_i32x4_dot_i16x8((v128_t)a, wasm_v128_and((v128_t)b, high));
  return (__m128i)wasm_v128_or(wasm_u32x4_shr(even, 16), wasm_v128_and(odd, high));
}
#undef _mm_mulhi_epi16
#define _mm_mulhi_epi16 edge_image_mulhi_epi16
#endif
