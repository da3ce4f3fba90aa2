/*
 * WebAssembly SIMD versions of two libaom encoder kernels that libaom has for x86 only in NASM (aom_dsp/x86/
 * subtract_sse2.asm, av1/encoder/x86/error_sse2.asm), so that our build kept their C. They are named as the x86 dispatch
 * header (rtcd.pl --arch=x86_64) declares them, which is how native/build/aom-rtcd-wasm.pl finds and binds them; the
 * "sse2" in their names is that header's, not an instruction set. Each gives exactly what the C gives, for every input.
 * Together they were 6% of a 800x600 speed-8 AVIF encode's CPU.
 */
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

/* aom_subtract_block_c: diff = src - pred over rows x cols, as int16. */
void aom_subtract_block_sse2(int rows, int cols, int16_t *diff, ptrdiff_t diff_stride, const uint8_t *src,
                             ptrdiff_t src_stride, const uint8_t *pred, ptrdiff_t pred_stride) {
  for (int r = 0; r < rows; r++) {
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
      const v128_t s = wasm_v128_load(src + c), p = wasm_v128_load(pred + c);
      wasm_v128_store(diff + c, wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(s), wasm_u16x8_extend_low_u8x16(p)));
      wasm_v128_store(diff + c + 8, wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(s), wasm_u16x8_extend_high_u8x16(p)));
    }
    for (; c + 8 <= cols; c += 8) {
      const v128_t s = wasm_u16x8_load8x8(src + c), p = wasm_u16x8_load8x8(pred + c);
      wasm_v128_store(diff + c, wasm_i16x8_sub(s, p));
    }
    for (; c + 4 <= cols; c += 4) {
      const v128_t s = wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(src + c));
      const v128_t p = wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(pred + c));
      wasm_v128_store64_lane(diff + c, wasm_i16x8_sub(s, p), 0);
    }
    for (; c < cols; c++) diff[c] = (int16_t)(src[c] - pred[c]);
    diff += diff_stride;
    src += src_stride;
    pred += pred_stride;
  }
}

/*
 * av1_block_error_c: the sum of (coeff - dqcoeff)^2, and in *ssz the sum of coeff^2. The C squares in int (32 bits,
 * which wraps on wasm32) and sums in int64_t: so do these lanes.
 */
int64_t av1_block_error_sse2(const int32_t *coeff, const int32_t *dqcoeff, intptr_t block_size, int64_t *ssz) {
  v128_t error = wasm_i64x2_splat(0), sqcoeff = error;
  intptr_t i = 0;
  for (; i + 4 <= block_size; i += 4) {
    const v128_t c = wasm_v128_load(coeff + i), d = wasm_i32x4_sub(c, wasm_v128_load(dqcoeff + i));
    const v128_t dd = wasm_i32x4_mul(d, d), cc = wasm_i32x4_mul(c, c);
    error = wasm_i64x2_add(error, wasm_i64x2_add(wasm_i64x2_extend_low_i32x4(dd), wasm_i64x2_extend_high_i32x4(dd)));
    sqcoeff = wasm_i64x2_add(sqcoeff, wasm_i64x2_add(wasm_i64x2_extend_low_i32x4(cc), wasm_i64x2_extend_high_i32x4(cc)));
  }
  int64_t e = wasm_i64x2_extract_lane(error, 0) + wasm_i64x2_extract_lane(error, 1);
  int64_t s = wasm_i64x2_extract_lane(sqcoeff, 0) + wasm_i64x2_extract_lane(sqcoeff, 1);
  for (; i < block_size; i++) {
    const int32_t d = (int32_t)((uint32_t)coeff[i] - (uint32_t)dqcoeff[i]);
    e += (int32_t)((uint32_t)d * (uint32_t)d);
    s += (int32_t)((uint32_t)coeff[i] * (uint32_t)coeff[i]);
  }
  *ssz = s;
  return e;
}
