/*
 * WebAssembly SIMD (wasm_simd128.h) kernels behind libjpeg-turbo 2.1.5's jsimd_* interface (jsimd.h, jsimddct.h).
 *
 * libjpeg-turbo's own SIMD is x86 NASM or Arm NEON; the NEON intrinsics run 3-5x slower through SIMDe, so these are
 * written for wasm128 directly. Each kernel is bit-exact against libjpeg-turbo's C for every input: the same integer
 * arithmetic in the same order (32-bit wrapping, as the C compiles to on wasm32), the same rounding constants, the
 * same range-limit tables (their wrap-around included) and the same all-zero-AC shortcuts of the IDCTs (equal to the
 * full computation except when it overflows on corrupt data, where the C's shortcut result is kept). The 8x8 and 4x4
 * IDCTs take a 16-bit path when a block's values fit (any valid JPEG's do): the same sums, regrouped into pairs of
 * products for i32x4.dot_i16x8_s, which is exact in the C's wrapping 32-bit arithmetic.
 * test/pipeline/codec/jsimd-exact.test.ts checks the module against hashes of the C path's outputs
 * (bench/native/jsimd-exact.mjs makes them with a SIMD=0 build).
 *
 * Decoding: YCbCr->RGBX, h2v1 and h2v2 fancy upsampling, the islow 8x8 and reduced 4x4 and 2x2 IDCTs. Encoding: RGBX->YCbCr, h2v2
 * downsampling, sample conversion, the islow FDCT, quantisation, and the progressive Huffman encoder's per-block
 * preparation (the point transform and the bitmaps of nonzero coefficients: jcphuff.c's two *_prepare functions).
 *
 * Every jsimd_can_* answers for itself; the functions this file does not implement come from libjpeg-turbo's
 * jsimd_none.c, compiled with this file's names renamed away (native/build/build.sh, JSIMD_WASM), so that either
 * file alone links. Reads and writes stay within the row widths the C code itself touches; the last, partial vector
 * of a row is done by the scalar formula of the C.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <wasm_simd128.h>

#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jsimd.h"
#include "jdct.h"
#include "jsimddct.h"

/* ---------------------------------------------------------------------------------------------------------------
 * Decompression: YCbCr -> RGB(X) (jdcolext.c's ycc_rgb_convert_internal with build_ycc_rgb_table's values).
 */

#define SCALEBITS 16
#define ONE_HALF ((int32_t)1 << (SCALEBITS - 1))
#define FIXS(x) ((int32_t)((x) * (1L << SCALEBITS) + 0.5))

int jsimd_can_ycc_rgb(void) { return BITS_IN_JSAMPLE == 8 && sizeof(JDIMENSION) == 4; }

static inline int clamp255(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

/* The C formula for one pixel (its tables computed in place: Cr_r_tab[cr] etc. are exactly these expressions). */
static inline void ycc_rgb_pixel(int y, int cb, int cr, JSAMPLE *r, JSAMPLE *g, JSAMPLE *b) {
  int32_t x_cr = cr - CENTERJSAMPLE, x_cb = cb - CENTERJSAMPLE;
  *r = (JSAMPLE)clamp255(y + ((FIXS(1.40200) * x_cr + ONE_HALF) >> SCALEBITS));
  *g = (JSAMPLE)clamp255(y + ((-FIXS(0.34414) * x_cb + ONE_HALF + -FIXS(0.71414) * x_cr) >> SCALEBITS));
  *b = (JSAMPLE)clamp255(y + ((FIXS(1.77200) * x_cb + ONE_HALF) >> SCALEBITS));
}

/* 8 pixels' R, G, B as i16x8 from 8 Y, Cb, Cr widened to i16x8. */
static inline void ycc_rgb8(v128_t y, v128_t cb, v128_t cr, v128_t *r, v128_t *g, v128_t *b) {
  const v128_t center = wasm_i16x8_splat(CENTERJSAMPLE);
  cb = wasm_i16x8_sub(cb, center);
  cr = wasm_i16x8_sub(cr, center);
  const v128_t half = wasm_i32x4_splat(ONE_HALF);
  const v128_t k_rr = wasm_i32x4_splat(FIXS(1.40200)), k_bb = wasm_i32x4_splat(FIXS(1.77200));
  const v128_t k_gb = wasm_i32x4_splat(-FIXS(0.34414)), k_gr = wasm_i32x4_splat(-FIXS(0.71414));
  v128_t cb_lo = wasm_i32x4_extend_low_i16x8(cb), cb_hi = wasm_i32x4_extend_high_i16x8(cb);
  v128_t cr_lo = wasm_i32x4_extend_low_i16x8(cr), cr_hi = wasm_i32x4_extend_high_i16x8(cr);
  v128_t rr_lo = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_mul(k_rr, cr_lo), half), SCALEBITS);
  v128_t rr_hi = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_mul(k_rr, cr_hi), half), SCALEBITS);
  v128_t bb_lo = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_mul(k_bb, cb_lo), half), SCALEBITS);
  v128_t bb_hi = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_mul(k_bb, cb_hi), half), SCALEBITS);
  v128_t gg_lo = wasm_i32x4_shr(
      wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(k_gb, cb_lo), half), wasm_i32x4_mul(k_gr, cr_lo)), SCALEBITS);
  v128_t gg_hi = wasm_i32x4_shr(
      wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(k_gb, cb_hi), half), wasm_i32x4_mul(k_gr, cr_hi)), SCALEBITS);
  /* |terms| <= 227, y <= 255: i16 holds every sum; the u8 narrowing saturates as range_limit clamps. */
  *r = wasm_i16x8_add(y, wasm_i16x8_narrow_i32x4(rr_lo, rr_hi));
  *g = wasm_i16x8_add(y, wasm_i16x8_narrow_i32x4(gg_lo, gg_hi));
  *b = wasm_i16x8_add(y, wasm_i16x8_narrow_i32x4(bb_lo, bb_hi));
}

/* The output layouts of jmorecfg.h (rgb_red etc. are static there). */
static int rgb_layout(J_COLOR_SPACE cs, int *ri, int *gi, int *bi, int *ai) {
  *ai = -1;
  switch (cs) {
  case JCS_RGB: case JCS_EXT_RGB: *ri = 0; *gi = 1; *bi = 2; return 3;
  case JCS_EXT_RGBX: *ri = 0; *gi = 1; *bi = 2; *ai = 3; return 4;
  case JCS_EXT_RGBA: *ri = 0; *gi = 1; *bi = 2; *ai = 3; return 4;
  case JCS_EXT_BGR: *ri = 2; *gi = 1; *bi = 0; return 3;
  case JCS_EXT_BGRX: case JCS_EXT_BGRA: *ri = 2; *gi = 1; *bi = 0; *ai = 3; return 4;
  case JCS_EXT_XBGR: case JCS_EXT_ABGR: *ri = 3; *gi = 2; *bi = 1; *ai = 0; return 4;
  case JCS_EXT_XRGB: case JCS_EXT_ARGB: *ri = 1; *gi = 2; *bi = 3; *ai = 0; return 4;
  default: return 0;
  }
}

void jsimd_ycc_rgb_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION input_row,
                           JSAMPARRAY output_buf, int num_rows) {
  JDIMENSION num_cols = cinfo->output_width;
  int ri = 0, gi = 1, bi = 2, ai = 3;
  int size = rgb_layout(cinfo->out_color_space, &ri, &gi, &bi, &ai);
  /* RGBX/RGBA (ours) in vectors; the other layouts pixel by pixel. libjpeg's alpha/X byte is MAXJSAMPLE. */
  int vector = size == 4 && ri == 0 && gi == 1 && bi == 2;
  while (--num_rows >= 0) {
    const JSAMPLE *in0 = input_buf[0][input_row], *in1 = input_buf[1][input_row], *in2 = input_buf[2][input_row];
    input_row++;
    JSAMPLE *out = *output_buf++;
    JDIMENSION col = 0;
    if (vector) {
      const v128_t alpha = wasm_i16x8_splat(MAXJSAMPLE);
      for (; col + 16 <= num_cols; col += 16) {
        v128_t y = wasm_v128_load(in0 + col), cb = wasm_v128_load(in1 + col), cr = wasm_v128_load(in2 + col);
        v128_t r0, g0, b0, r1, g1, b1;
        ycc_rgb8(wasm_u16x8_extend_low_u8x16(y), wasm_u16x8_extend_low_u8x16(cb), wasm_u16x8_extend_low_u8x16(cr),
                 &r0, &g0, &b0);
        ycc_rgb8(wasm_u16x8_extend_high_u8x16(y), wasm_u16x8_extend_high_u8x16(cb), wasm_u16x8_extend_high_u8x16(cr),
                 &r1, &g1, &b1);
        v128_t r = wasm_u8x16_narrow_i16x8(r0, r1), g = wasm_u8x16_narrow_i16x8(g0, g1);
        v128_t b = wasm_u8x16_narrow_i16x8(b0, b1), a = wasm_u8x16_narrow_i16x8(alpha, alpha);
        v128_t rg_lo = wasm_i8x16_shuffle(r, g, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        v128_t rg_hi = wasm_i8x16_shuffle(r, g, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        v128_t ba_lo = wasm_i8x16_shuffle(b, a, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        v128_t ba_hi = wasm_i8x16_shuffle(b, a, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        JSAMPLE *o = out + (size_t)col * 4;
        wasm_v128_store(o, wasm_i16x8_shuffle(rg_lo, ba_lo, 0, 8, 1, 9, 2, 10, 3, 11));
        wasm_v128_store(o + 16, wasm_i16x8_shuffle(rg_lo, ba_lo, 4, 12, 5, 13, 6, 14, 7, 15));
        wasm_v128_store(o + 32, wasm_i16x8_shuffle(rg_hi, ba_hi, 0, 8, 1, 9, 2, 10, 3, 11));
        wasm_v128_store(o + 48, wasm_i16x8_shuffle(rg_hi, ba_hi, 4, 12, 5, 13, 6, 14, 7, 15));
      }
    }
    for (; col < num_cols; col++) {
      JSAMPLE *o = out + (size_t)col * size;
      ycc_rgb_pixel(in0[col], in1[col], in2[col], o + ri, o + gi, o + bi);
      if (ai >= 0) o[ai] = MAXJSAMPLE;
    }
  }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Decompression: "fancy" (triangle-filter) upsampling of 4:2:2 and 4:2:0 chroma, jdsample.c's h2v1_fancy_upsample
 * and h2v2_fancy_upsample.
 */

int jsimd_can_h2v2_fancy_upsample(void) { return BITS_IN_JSAMPLE == 8; }

/* Interleaves even and odd outputs (i16x8 each, 0..255) into 16 bytes. */
static inline v128_t interleave_u8(v128_t even, v128_t odd) {
  v128_t e = wasm_u8x16_narrow_i16x8(even, even), o = wasm_u8x16_narrow_i16x8(odd, odd);
  return wasm_i8x16_shuffle(e, o, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

int jsimd_can_h2v1_fancy_upsample(void) { return BITS_IN_JSAMPLE == 8; }

/* jdsample.c's h2v1_fancy_upsample (4:2:2 chroma); libjpeg uses it only for downsampled_width > 2. */
void jsimd_h2v1_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                               JSAMPARRAY *output_data_ptr) {
  JSAMPARRAY output_data = *output_data_ptr;
  JDIMENSION width = compptr->downsampled_width;
  const v128_t one = wasm_i16x8_splat(1), two = wasm_i16x8_splat(2), three = wasm_i16x8_splat(3);
  for (int inrow = 0; inrow < cinfo->max_v_samp_factor; inrow++) {
    const JSAMPLE *in = input_data[inrow];
    JSAMPLE *out = output_data[inrow];
    out[0] = in[0];
    out[1] = (JSAMPLE)((in[0] * 3 + in[1] + 2) >> 2);
    /* Columns 1 .. width-2: out[2c] = (3*in[c] + in[c-1] + 1) >> 2, out[2c+1] = (3*in[c] + in[c+1] + 2) >> 2. */
    JDIMENSION c = 1;
    for (; c + 8 + 1 <= width - 1; c += 8) {
      v128_t t = wasm_i16x8_mul(wasm_u16x8_load8x8(in + c), three);
      v128_t even = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t, wasm_u16x8_load8x8(in + c - 1)), one), 2);
      v128_t odd = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t, wasm_u16x8_load8x8(in + c + 1)), two), 2);
      wasm_v128_store(out + 2 * c, interleave_u8(even, odd));
    }
    for (; c < width - 1; c++) {
      int v = in[c] * 3;
      out[2 * c] = (JSAMPLE)((v + in[c - 1] + 1) >> 2);
      out[2 * c + 1] = (JSAMPLE)((v + in[c + 1] + 2) >> 2);
    }
    out[2 * (width - 1)] = (JSAMPLE)((in[width - 1] * 3 + in[width - 2] + 1) >> 2);
    out[2 * (width - 1) + 1] = in[width - 1];
  }
}

void jsimd_h2v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                               JSAMPARRAY *output_data_ptr) {
  JSAMPARRAY output_data = *output_data_ptr;
  JDIMENSION width = compptr->downsampled_width;
  int inrow = 0, outrow = 0;
  const v128_t three = wasm_i16x8_splat(3), seven = wasm_i16x8_splat(7), eight = wasm_i16x8_splat(8);
  while (outrow < cinfo->max_v_samp_factor) {
    for (int v = 0; v < 2; v++) {
      const JSAMPLE *in0 = input_data[inrow];
      const JSAMPLE *in1 = v == 0 ? input_data[inrow - 1] : input_data[inrow + 1];
      JSAMPLE *out = output_data[outrow++];
#define COLSUM(i) (in0[i] * 3 + in1[i])
      if (width < 2) { /* as the C does with one column: reads column 1, writes two outputs */
        int this_ = COLSUM(0), next = COLSUM(1);
        out[0] = (JSAMPLE)((this_ * 4 + 8) >> 4);
        out[1] = (JSAMPLE)((this_ * 3 + next + 7) >> 4);
        continue;
      }
      out[0] = (JSAMPLE)((COLSUM(0) * 4 + 8) >> 4);
      out[1] = (JSAMPLE)((COLSUM(0) * 3 + COLSUM(1) + 7) >> 4);
      JDIMENSION c = 1;
      for (; c + 8 + 1 <= width - 1; c += 8) {
        v128_t prev = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_load8x8(in0 + c - 1), three), wasm_u16x8_load8x8(in1 + c - 1));
        v128_t cur = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_load8x8(in0 + c), three), wasm_u16x8_load8x8(in1 + c));
        v128_t next = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_load8x8(in0 + c + 1), three), wasm_u16x8_load8x8(in1 + c + 1));
        v128_t t = wasm_i16x8_mul(cur, three);
        v128_t even = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t, prev), eight), 4);
        v128_t odd = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t, next), seven), 4);
        wasm_v128_store(out + 2 * c, interleave_u8(even, odd));
      }
      for (; c < width - 1; c++) {
        int t = COLSUM(c) * 3;
        out[2 * c] = (JSAMPLE)((t + COLSUM(c - 1) + 8) >> 4);
        out[2 * c + 1] = (JSAMPLE)((t + COLSUM(c + 1) + 7) >> 4);
      }
      out[2 * (width - 1)] = (JSAMPLE)((COLSUM(width - 1) * 3 + COLSUM(width - 2) + 8) >> 4);
      out[2 * (width - 1) + 1] = (JSAMPLE)((COLSUM(width - 1) * 4 + 7) >> 4);
#undef COLSUM
    }
    inrow++;
  }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Decompression: the accurate integer IDCT (jidctint.c's jpeg_idct_islow), 8x8 -> 8x8.
 */

#define CONST_BITS 13
#define PASS1_BITS 2
#define FIX_0_298631336 ((int32_t)2446)
#define FIX_0_390180644 ((int32_t)3196)
#define FIX_0_541196100 ((int32_t)4433)
#define FIX_0_765366865 ((int32_t)6270)
#define FIX_0_899976223 ((int32_t)7373)
#define FIX_1_175875602 ((int32_t)9633)
#define FIX_1_501321110 ((int32_t)12299)
#define FIX_1_847759065 ((int32_t)15137)
#define FIX_1_961570560 ((int32_t)16069)
#define FIX_2_053119869 ((int32_t)16819)
#define FIX_2_562915447 ((int32_t)20995)
#define FIX_3_072711026 ((int32_t)25172)

int jsimd_can_idct_islow(void) {
  return BITS_IN_JSAMPLE == 8 && DCTSIZE == 8 && sizeof(JCOEF) == 2 &&
         (sizeof(ISLOW_MULT_TYPE) == 2 || sizeof(ISLOW_MULT_TYPE) == 4);
}

/* 4 dequantisation multipliers as i32: ISLOW_MULT_TYPE is int without libjpeg-turbo's WITH_SIMD (ours), short with. */
static inline v128_t load_quant4(const ISLOW_MULT_TYPE *q) {
  return sizeof(ISLOW_MULT_TYPE) == 4 ? wasm_v128_load(q) : wasm_i32x4_load16x4(q);
}

#define MUL(a, k) wasm_i32x4_mul((a), wasm_i32x4_splat(k))
#define ADD wasm_i32x4_add
#define SUB wasm_i32x4_sub

/*
 * One 1-D pass of jpeg_idct_islow on 4 lanes: in[0..7] are the 8 inputs (each lane one column or row), out[0..7]
 * the outputs before the descale. Both passes of the C share this arithmetic; only their descales differ.
 */
static inline void islow_1d(const v128_t in[8], v128_t out[8]) {
  v128_t z2 = in[2], z3 = in[6];
  v128_t z1 = MUL(ADD(z2, z3), FIX_0_541196100);
  v128_t tmp2 = ADD(z1, MUL(z3, -FIX_1_847759065));
  v128_t tmp3 = ADD(z1, MUL(z2, FIX_0_765366865));
  v128_t tmp0 = wasm_i32x4_shl(ADD(in[0], in[4]), CONST_BITS);
  v128_t tmp1 = wasm_i32x4_shl(SUB(in[0], in[4]), CONST_BITS);
  v128_t tmp10 = ADD(tmp0, tmp3), tmp13 = SUB(tmp0, tmp3), tmp11 = ADD(tmp1, tmp2), tmp12 = SUB(tmp1, tmp2);
  tmp0 = in[7];
  tmp1 = in[5];
  tmp2 = in[3];
  tmp3 = in[1];
  z1 = ADD(tmp0, tmp3);
  z2 = ADD(tmp1, tmp2);
  z3 = ADD(tmp0, tmp2);
  v128_t z4 = ADD(tmp1, tmp3);
  v128_t z5 = MUL(ADD(z3, z4), FIX_1_175875602);
  tmp0 = MUL(tmp0, FIX_0_298631336);
  tmp1 = MUL(tmp1, FIX_2_053119869);
  tmp2 = MUL(tmp2, FIX_3_072711026);
  tmp3 = MUL(tmp3, FIX_1_501321110);
  z1 = MUL(z1, -FIX_0_899976223);
  z2 = MUL(z2, -FIX_2_562915447);
  z3 = MUL(z3, -FIX_1_961570560);
  z4 = MUL(z4, -FIX_0_390180644);
  z3 = ADD(z3, z5);
  z4 = ADD(z4, z5);
  tmp0 = ADD(tmp0, ADD(z1, z3));
  tmp1 = ADD(tmp1, ADD(z2, z4));
  tmp2 = ADD(tmp2, ADD(z2, z3));
  tmp3 = ADD(tmp3, ADD(z1, z4));
  out[0] = ADD(tmp10, tmp3);
  out[7] = SUB(tmp10, tmp3);
  out[1] = ADD(tmp11, tmp2);
  out[6] = SUB(tmp11, tmp2);
  out[2] = ADD(tmp12, tmp1);
  out[5] = SUB(tmp12, tmp1);
  out[3] = ADD(tmp13, tmp0);
  out[4] = SUB(tmp13, tmp0);
}

/* DESCALE(x, n) of jpegint.h: (x + (1 << (n-1))) >> n, arithmetic. */
static inline v128_t descale(v128_t x, int n) { return wasm_i32x4_shr(ADD(x, wasm_i32x4_splat(1 << (n - 1))), n); }

/* Whether each lane's v[1..7] are all zero: the C's shortcut for a column or row of zero AC terms. */
static inline v128_t ac_zero(const v128_t v[8]) {
  v128_t any = wasm_v128_or(wasm_v128_or(wasm_v128_or(v[1], v[2]), wasm_v128_or(v[3], v[4])),
                            wasm_v128_or(wasm_v128_or(v[5], v[6]), v[7]));
  return wasm_i32x4_eq(any, wasm_i32x4_splat(0));
}

/* 4x4 transpose of i32 lanes. */
static inline void transpose4(v128_t *a, v128_t *b, v128_t *c, v128_t *d) {
  v128_t t0 = wasm_i32x4_shuffle(*a, *b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(*a, *b, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(*c, *d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(*c, *d, 2, 6, 3, 7);
  *a = wasm_i64x2_shuffle(t0, t2, 0, 2);
  *b = wasm_i64x2_shuffle(t0, t2, 1, 3);
  *c = wasm_i64x2_shuffle(t1, t3, 0, 2);
  *d = wasm_i64x2_shuffle(t1, t3, 1, 3);
}

/*
 * The post-IDCT range limit of jdmaster.c's table, indexed by x & RANGE_MASK (1023): x + 128 clamped to 0..255 for
 * x in [-512, 512), and periodic in 1024 outside it. Returns i32 lanes 0..255.
 */
static inline v128_t idct_range_limit(v128_t x) {
  v128_t wrapped = SUB(wasm_v128_and(ADD(x, wasm_i32x4_splat(512)), wasm_i32x4_splat(1023)), wasm_i32x4_splat(512));
  v128_t v = ADD(wrapped, wasm_i32x4_splat(CENTERJSAMPLE));
  return wasm_i32x4_min(wasm_i32x4_max(v, wasm_i32x4_splat(0)), wasm_i32x4_splat(MAXJSAMPLE));
}

/*
 * Whether every AC coefficient of the block is zero. Then the C's zero-column shortcut (pass 1) leaves only column 0
 * nonzero, and its zero-row shortcut (pass 2) gives every row one value: the whole 8x8 output is
 * range_limit[DESCALE(DEQUANTIZE(DC) << PASS1_BITS, PASS1_BITS + 3) & RANGE_MASK], dc_fill's bytes. Worth testing
 * for the full-size IDCT (3-6% off a 1/1 decode of the corpus' photos); for the cheaper reduced ones it is not.
 */
static inline int dc_only(JCOEFPTR coef_block) {
  v128_t any = wasm_v128_and(wasm_v128_load(coef_block), wasm_i16x8_make(0, -1, -1, -1, -1, -1, -1, -1));
  for (int r = 1; r < 8; r++) any = wasm_v128_or(any, wasm_v128_load(coef_block + r * 8));
  return !wasm_v128_any_true(any);
}

static inline v128_t dc_fill(JCOEFPTR coef_block, const ISLOW_MULT_TYPE *quant) {
  v128_t dc = wasm_i32x4_shl(wasm_i32x4_splat((int32_t)coef_block[0] * (int32_t)quant[0]), PASS1_BITS);
  return wasm_u8x16_splat((uint8_t)wasm_i32x4_extract_lane(idct_range_limit(descale(dc, PASS1_BITS + 3)), 0));
}

/*
 * Whether every lane is in (-2^bits, 2^bits). The IDCTs' all-zero-AC shortcuts (a column's dcval << PASS1_BITS, a
 * row's range_limit[DESCALE(ws0, PASS1_BITS + 3)]) give exactly what the full computation gives for the same zeros
 * unless its first shift (x << CONST_BITS) overflows 32 bits: with the DC term below 2^18, which any valid JPEG
 * keeps, the 8x8 IDCT skips the shortcut's masks and selects (3-9% off a 1/1 decode; the 4x4's, tried the same way,
 * measured no gain).
 */
static inline int all_below(v128_t x, int bits) {
  return wasm_i32x4_all_true(wasm_u32x4_lt(ADD(x, wasm_i32x4_splat(1 << bits)), wasm_i32x4_splat(2 << bits)));
}

/*
 * idct_range_limit on i16 lanes, for outputs already descaled into them (|x| < 2^14 after the IDCTs' last shift of
 * a 32-bit value): the clamp to 0..255 is the caller's u8 narrow.
 */
static inline v128_t range_limit16(v128_t x) {
  return wasm_i16x8_add(wasm_v128_and(wasm_i16x8_add(x, wasm_i16x8_splat(512)), wasm_i16x8_splat(1023)),
                        wasm_i16x8_splat(CENTERJSAMPLE - 512));
}

/* i16 lanes of a and b paired: (a0 b0 a1 b1 a2 b2 a3 b3), and the same of lanes 4..7; the operands of a DOT. */
#define ZIP_LO(a, b) wasm_i16x8_shuffle((a), (b), 0, 8, 1, 9, 2, 10, 3, 11)
#define ZIP_HI(a, b) wasm_i16x8_shuffle((a), (b), 4, 12, 5, 13, 6, 14, 7, 15)
/* The constants (k1, k2) repeated: DOT(ZIP(a, b), PAIR(k1, k2)) is a * k1 + b * k2 in i32 lanes. */
#define PAIR(k1, k2) wasm_i32x4_splat((int32_t)((uint32_t)(uint16_t)(int16_t)(k2) << 16 | (uint16_t)(int16_t)(k1)))
#define DOT wasm_i32x4_dot_i16x8

/*
 * The block dequantized into i16 lanes (dq[r]: row r, columns 0..7) when every product is in [-2^14, 2^14), which
 * any valid JPEG's are by far; 0 otherwise (the caller then takes its i32 path). Row 4 is skipped when asked.
 *
 * In i16 lanes the IDCTs' products and sums can be taken in pairs by i32x4.dot_i16x8_s, two to an instruction where
 * i32 lanes need an i32x4.mul each. The C's arithmetic is 32-bit and wrapping (as it compiles to wasm), and regrouping
 * a*k1 + b*k2 that way is exact in it, so the results are the C's whenever the inputs fit.
 */
static inline int dequantize_i16(JCOEFPTR coef_block, const ISLOW_MULT_TYPE *quant, v128_t dq[8], int skip_row4) {
  v128_t big = wasm_i16x8_splat(0);
  for (int r = 0; r < 8; r++) {
    if (skip_row4 && r == 4) continue;
    const v128_t c = wasm_v128_load(coef_block + r * 8);
    /* Saturated to 32767 if larger: then any nonzero c fails the test below, and a zero c gives 0 either way. */
    const v128_t q = sizeof(ISLOW_MULT_TYPE) == 4
                       ? wasm_i16x8_narrow_i32x4(wasm_v128_load(quant + r * 8), wasm_v128_load(quant + r * 8 + 4))
                       : wasm_v128_load(quant + r * 8);
    big = wasm_v128_or(big, wasm_i16x8_q15mulr_sat(c, q)); /* (c * q + 2^14) >> 15: 0 iff -2^14 <= c * q < 2^14 */
    dq[r] = wasm_i16x8_mul(c, q);
  }
  return !wasm_v128_any_true(big);
}

/* Whether every i32 lane of v[0..n) is in [-2^15, 2^15), so that narrowing to i16 is exact. */
static inline int fit_i16(const v128_t *v, int n) {
  v128_t any = wasm_i32x4_splat(0);
  for (int i = 0; i < n; i++) any = wasm_v128_or(any, ADD(v[i], wasm_i32x4_splat(1 << 15)));
  return !wasm_v128_any_true(wasm_u32x4_shr(any, 16));
}

/* 8x8 transpose of i16 lanes: v[r] lane c becomes v[c] lane r. */
static inline void transpose8_i16(v128_t v[8]) {
  v128_t a[8], b[8];
  for (int i = 0; i < 4; i++) {
    a[2 * i] = wasm_i16x8_shuffle(v[2 * i], v[2 * i + 1], 0, 8, 1, 9, 2, 10, 3, 11);
    a[2 * i + 1] = wasm_i16x8_shuffle(v[2 * i], v[2 * i + 1], 4, 12, 5, 13, 6, 14, 7, 15);
  }
  for (int i = 0; i < 2; i++) {
    for (int j = 0; j < 2; j++) {
      b[4 * i + 2 * j] = wasm_i32x4_shuffle(a[4 * i + j], a[4 * i + 2 + j], 0, 4, 1, 5);
      b[4 * i + 2 * j + 1] = wasm_i32x4_shuffle(a[4 * i + j], a[4 * i + 2 + j], 2, 6, 3, 7);
    }
  }
  for (int k = 0; k < 4; k++) {
    v[2 * k] = wasm_i64x2_shuffle(b[k], b[4 + k], 0, 2);
    v[2 * k + 1] = wasm_i64x2_shuffle(b[k], b[4 + k], 1, 3);
  }
}

/*
 * One 1-D pass of jpeg_idct_islow on the i16 lanes of in[0..7] (each lane one column or row): out[2k + h] is output k
 * for lanes 4h..4h+3, before the descale. islow_1d's arithmetic with its products regrouped into pairs.
 */
static inline void islow_1d_i16(const v128_t in[8], v128_t out[16]) {
  for (int h = 0; h < 2; h++) {
    const v128_t z26 = h ? ZIP_HI(in[2], in[6]) : ZIP_LO(in[2], in[6]);
    const v128_t z04 = h ? ZIP_HI(in[0], in[4]) : ZIP_LO(in[0], in[4]);
    const v128_t z75 = h ? ZIP_HI(in[7], in[5]) : ZIP_LO(in[7], in[5]);
    const v128_t z31 = h ? ZIP_HI(in[3], in[1]) : ZIP_LO(in[3], in[1]);
    /* Even part: z1 = (z2 + z3) c, tmp2 = z1 - z3 c', tmp3 = z1 + z2 c'', tmp0/1 = (in0 +/- in4) << 13. */
    const v128_t tmp3 = DOT(z26, PAIR(FIX_0_541196100 + FIX_0_765366865, FIX_0_541196100));
    const v128_t tmp2 = DOT(z26, PAIR(FIX_0_541196100, FIX_0_541196100 - FIX_1_847759065));
    const v128_t tmp0 = DOT(z04, PAIR(1 << CONST_BITS, 1 << CONST_BITS));
    const v128_t tmp1 = DOT(z04, PAIR(1 << CONST_BITS, -(1 << CONST_BITS)));
    const v128_t tmp10 = ADD(tmp0, tmp3), tmp13 = SUB(tmp0, tmp3), tmp11 = ADD(tmp1, tmp2), tmp12 = SUB(tmp1, tmp2);
    /* Odd part, with a, b, c, d = in7, in5, in3, in1: each of its four sums expanded to a * k1 + b * k2 + c * k3 + d * k4. */
    const int32_t z5 = FIX_1_175875602;
    const v128_t odd0 = ADD(DOT(z75, PAIR(FIX_0_298631336 - FIX_0_899976223 - FIX_1_961570560 + z5, z5)),
                            DOT(z31, PAIR(z5 - FIX_1_961570560, z5 - FIX_0_899976223)));
    const v128_t odd1 = ADD(DOT(z75, PAIR(z5, FIX_2_053119869 - FIX_2_562915447 - FIX_0_390180644 + z5)),
                            DOT(z31, PAIR(z5 - FIX_2_562915447, z5 - FIX_0_390180644)));
    const v128_t odd2 = ADD(DOT(z75, PAIR(z5 - FIX_1_961570560, z5 - FIX_2_562915447)),
                            DOT(z31, PAIR(FIX_3_072711026 - FIX_2_562915447 - FIX_1_961570560 + z5, z5)));
    const v128_t odd3 = ADD(DOT(z75, PAIR(z5 - FIX_0_899976223, z5 - FIX_0_390180644)),
                            DOT(z31, PAIR(z5, FIX_1_501321110 - FIX_0_899976223 - FIX_0_390180644 + z5)));
    out[0 + h] = ADD(tmp10, odd3);
    out[14 + h] = SUB(tmp10, odd3);
    out[2 + h] = ADD(tmp11, odd2);
    out[12 + h] = SUB(tmp11, odd2);
    out[4 + h] = ADD(tmp12, odd1);
    out[10 + h] = SUB(tmp12, odd1);
    out[6 + h] = ADD(tmp13, odd0);
    out[8 + h] = SUB(tmp13, odd0);
  }
}

/*
 * jpeg_idct_islow in i16 lanes (see dequantize_i16), as idct_4x4_i16: no shortcut is tested (with inputs that fit,
 * each equals the full formula). Returns 0, having written nothing, when the block or pass 1's output does not fit.
 */
static inline int idct_islow_i16(JCOEFPTR coef_block, const ISLOW_MULT_TYPE *quant, JSAMPARRAY output_buf,
                                 JDIMENSION output_col) {
  v128_t dq[8], out[16];
  if (!dequantize_i16(coef_block, quant, dq, 0)) return 0;
  islow_1d_i16(dq, out); /* pass 1, columns */
  for (int i = 0; i < 16; i++) out[i] = descale(out[i], CONST_BITS - PASS1_BITS);
  if (!fit_i16(out, 16)) return 0;
  v128_t v[8];
  for (int k = 0; k < 8; k++) v[k] = wasm_i16x8_narrow_i32x4(out[2 * k], out[2 * k + 1]);
  transpose8_i16(v); /* v[c]: workspace column c of rows 0..7 */
  islow_1d_i16(v, out); /* pass 2, rows: out[2k + h] is output column k of rows 4h..4h+3 */
  for (int k = 0; k < 8; k++) {
    /* descaled, |x| < 2^14: exact in i16 */
    v[k] = range_limit16(wasm_i16x8_narrow_i32x4(descale(out[2 * k], CONST_BITS + PASS1_BITS + 3),
                                                 descale(out[2 * k + 1], CONST_BITS + PASS1_BITS + 3)));
  }
  transpose8_i16(v); /* v[r]: row r */
  for (int r = 0; r < 8; r += 2) {
    const v128_t b = wasm_u8x16_narrow_i16x8(v[r], v[r + 1]);
    wasm_v128_store64_lane(output_buf[r] + output_col, b, 0);
    wasm_v128_store64_lane(output_buf[r + 1] + output_col, b, 1);
  }
  return 1;
}

void jsimd_idct_islow(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                      JSAMPARRAY output_buf, JDIMENSION output_col) {
  (void)cinfo;
  const ISLOW_MULT_TYPE *quant = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  if (dc_only(coef_block)) {
    const v128_t fill = dc_fill(coef_block, quant);
    for (int r = 0; r < 8; r++) wasm_v128_store64_lane(output_buf[r] + output_col, fill, 0);
    return;
  }
  if (idct_islow_i16(coef_block, quant, output_buf, output_col)) return;
  /* Pass 1, columns: ws[h][r] holds workspace row r, columns 4h..4h+3 (as the C's int workspace[64]). */
  v128_t ws[2][8], coef[2][8], in1[2][8];
  for (int h = 0; h < 2; h++) {
    for (int r = 0; r < 8; r++) {
      coef[h][r] = wasm_i32x4_load16x4(coef_block + r * 8 + h * 4);
      in1[h][r] = wasm_i32x4_mul(coef[h][r], load_quant4(quant + r * 8 + h * 4));
    }
  }
  const int plain_columns = all_below(in1[0][0], 18) && all_below(in1[1][0], 18);
  for (int h = 0; h < 2; h++) {
    v128_t out[8];
    islow_1d(in1[h], out);
    if (plain_columns) {
      for (int r = 0; r < 8; r++) ws[h][r] = descale(out[r], CONST_BITS - PASS1_BITS);
    } else {
      v128_t zero = ac_zero(coef[h]); /* the C tests the coefficients, not their dequantized values */
      v128_t dc = wasm_i32x4_shl(in1[h][0], PASS1_BITS);
      for (int r = 0; r < 8; r++) ws[h][r] = wasm_v128_bitselect(dc, descale(out[r], CONST_BITS - PASS1_BITS), zero);
    }
  }
  /* Pass 2, rows: transpose so that each lane is one row, 4 rows at a time. */
  for (int g = 0; g < 2; g++) {
    v128_t in[8], out[8];
    for (int h = 0; h < 2; h++) {
      for (int k = 0; k < 4; k++) in[h * 4 + k] = ws[h][g * 4 + k];
      transpose4(&in[h * 4], &in[h * 4 + 1], &in[h * 4 + 2], &in[h * 4 + 3]);
    }
    /* in[c] now holds column c of rows 4g..4g+3. */
    if (all_below(in[0], 18)) {
      islow_1d(in, out);
      for (int c = 0; c < 8; c++) out[c] = descale(out[c], CONST_BITS + PASS1_BITS + 3);
      transpose4(&out[0], &out[1], &out[2], &out[3]);
      transpose4(&out[4], &out[5], &out[6], &out[7]);
      for (int k = 0; k < 4; k++) {
        v128_t w16 = range_limit16(wasm_i16x8_narrow_i32x4(out[k], out[4 + k]));
        wasm_v128_store64_lane(output_buf[g * 4 + k] + output_col, wasm_u8x16_narrow_i16x8(w16, w16), 0);
      }
      continue;
    }
    v128_t zero = ac_zero(in);
    v128_t dc = idct_range_limit(descale(in[0], PASS1_BITS + 3));
    islow_1d(in, out);
    for (int c = 0; c < 8; c++)
      out[c] = wasm_v128_bitselect(dc, idct_range_limit(descale(out[c], CONST_BITS + PASS1_BITS + 3)), zero);
    /* Back to rows: out[0..3] and out[4..7] transposed give each row's columns 0-3 and 4-7. */
    transpose4(&out[0], &out[1], &out[2], &out[3]);
    transpose4(&out[4], &out[5], &out[6], &out[7]);
    for (int k = 0; k < 4; k++) {
      v128_t w16 = wasm_i16x8_narrow_i32x4(out[k], out[4 + k]);
      v128_t b = wasm_u8x16_narrow_i16x8(w16, w16);
      wasm_v128_store64_lane(output_buf[g * 4 + k] + output_col, b, 0);
    }
  }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Decompression: the reduced IDCT of scale 1/2 (jidctred.c's jpeg_idct_4x4, libjpeg 6b's), 8x8 -> 4x4.
 */

#define FIX_0_211164243 ((int32_t)1730)
#define FIX_0_509795579 ((int32_t)4176)
#define FIX_0_601344887 ((int32_t)4926)
#define FIX_1_061594337 ((int32_t)8697)
#define FIX_1_451774981 ((int32_t)11893)
#define FIX_2_172734803 ((int32_t)17799)

int jsimd_can_idct_4x4(void) { return jsimd_can_idct_islow(); }

/* One 1-D pass of jpeg_idct_4x4 (in[4] unused): out[0..3] before the descale. */
static inline void idct4_1d(const v128_t in[8], v128_t out[4], int first_shift) {
  v128_t tmp0 = wasm_i32x4_shl(in[0], first_shift);
  v128_t tmp2 = ADD(MUL(in[2], FIX_1_847759065), MUL(in[6], -FIX_0_765366865));
  v128_t tmp10 = ADD(tmp0, tmp2), tmp12 = SUB(tmp0, tmp2);
  v128_t z1 = in[7], z2 = in[5], z3 = in[3], z4 = in[1];
  tmp0 = ADD(ADD(ADD(MUL(z1, -FIX_0_211164243), MUL(z2, FIX_1_451774981)), MUL(z3, -FIX_2_172734803)),
             MUL(z4, FIX_1_061594337));
  tmp2 = ADD(ADD(ADD(MUL(z1, -FIX_0_509795579), MUL(z2, -FIX_0_601344887)), MUL(z3, FIX_0_899976223)),
             MUL(z4, FIX_2_562915447));
  out[0] = ADD(tmp10, tmp2);
  out[3] = SUB(tmp10, tmp2);
  out[1] = ADD(tmp12, tmp0);
  out[2] = SUB(tmp12, tmp0);
}

/* Whether v[1], v[2], v[3], v[5], v[6], v[7] are all zero (jpeg_idct_4x4's shortcut ignores row/column 4). */
static inline v128_t ac_zero_no4(const v128_t v[8]) {
  v128_t any = wasm_v128_or(wasm_v128_or(wasm_v128_or(v[1], v[2]), v[3]), wasm_v128_or(wasm_v128_or(v[5], v[6]), v[7]));
  return wasm_i32x4_eq(any, wasm_i32x4_splat(0));
}

/*
 * jpeg_idct_4x4 in i16 lanes (see dequantize_i16): both passes by dot products. With inputs that fit, neither of
 * the C's all-zero-AC shortcuts changes a result (they equal the full formulas unless x << 14 overflows 32 bits), so
 * none is tested. Returns 0, having written nothing, when the dequantized block or pass 1's output does not fit.
 */
static inline int idct_4x4_i16(JCOEFPTR coef_block, const ISLOW_MULT_TYPE *quant, JSAMPARRAY output_buf,
                               JDIMENSION output_col) {
  v128_t dq[8];
  if (!dequantize_i16(coef_block, quant, dq, 1)) return 0;
  /* Pass 1, columns 0-3 then 4-7 (column 4 is computed and never read, as the C skips it). */
  const v128_t z26[2] = { ZIP_LO(dq[2], dq[6]), ZIP_HI(dq[2], dq[6]) };
  const v128_t z75[2] = { ZIP_LO(dq[7], dq[5]), ZIP_HI(dq[7], dq[5]) };
  const v128_t z31[2] = { ZIP_LO(dq[3], dq[1]), ZIP_HI(dq[3], dq[1]) };
  const v128_t dc[2] = { wasm_i32x4_extend_low_i16x8(dq[0]), wasm_i32x4_extend_high_i16x8(dq[0]) };
  v128_t ws[8]; /* ws[2r + h]: workspace row r, columns 4h..4h+3 */
  for (int h = 0; h < 2; h++) {
    const v128_t tmp0 = wasm_i32x4_shl(dc[h], CONST_BITS + 1);
    const v128_t tmp2 = DOT(z26[h], PAIR(FIX_1_847759065, -FIX_0_765366865));
    const v128_t tmp10 = ADD(tmp0, tmp2), tmp12 = SUB(tmp0, tmp2);
    const v128_t odd0 = ADD(DOT(z75[h], PAIR(-FIX_0_211164243, FIX_1_451774981)),
                            DOT(z31[h], PAIR(-FIX_2_172734803, FIX_1_061594337)));
    const v128_t odd2 = ADD(DOT(z75[h], PAIR(-FIX_0_509795579, -FIX_0_601344887)),
                            DOT(z31[h], PAIR(FIX_0_899976223, FIX_2_562915447)));
    ws[0 + h] = descale(ADD(tmp10, odd2), CONST_BITS - PASS1_BITS + 1);
    ws[6 + h] = descale(SUB(tmp10, odd2), CONST_BITS - PASS1_BITS + 1);
    ws[2 + h] = descale(ADD(tmp12, odd0), CONST_BITS - PASS1_BITS + 1);
    ws[4 + h] = descale(SUB(tmp12, odd0), CONST_BITS - PASS1_BITS + 1);
  }
  if (!fit_i16(ws, 8)) return 0;
  v128_t w[4];
  for (int r = 0; r < 4; r++) w[r] = wasm_i16x8_narrow_i32x4(ws[2 * r], ws[2 * r + 1]);
  /* Pass 2, rows: each row's input pairs (c2 c6), (c7 c5), (c3 c1), (c0 c4) gathered four rows to a vector. */
  const v128_t a01 = wasm_i16x8_shuffle(w[0], w[1], 2, 6, 10, 14, 7, 5, 15, 13);
  const v128_t a23 = wasm_i16x8_shuffle(w[2], w[3], 2, 6, 10, 14, 7, 5, 15, 13);
  const v128_t b01 = wasm_i16x8_shuffle(w[0], w[1], 3, 1, 11, 9, 0, 4, 8, 12);
  const v128_t b23 = wasm_i16x8_shuffle(w[2], w[3], 3, 1, 11, 9, 0, 4, 8, 12);
  const v128_t r26 = wasm_i64x2_shuffle(a01, a23, 0, 2), r75 = wasm_i64x2_shuffle(a01, a23, 1, 3);
  const v128_t r31 = wasm_i64x2_shuffle(b01, b23, 0, 2), r04 = wasm_i64x2_shuffle(b01, b23, 1, 3);
  const v128_t tmp0 = DOT(r04, PAIR(1 << (CONST_BITS + 1), 0)); /* c0 << 14 */
  const v128_t tmp2 = DOT(r26, PAIR(FIX_1_847759065, -FIX_0_765366865));
  const v128_t tmp10 = ADD(tmp0, tmp2), tmp12 = SUB(tmp0, tmp2);
  const v128_t odd0 = ADD(DOT(r75, PAIR(-FIX_0_211164243, FIX_1_451774981)), DOT(r31, PAIR(-FIX_2_172734803, FIX_1_061594337)));
  const v128_t odd2 = ADD(DOT(r75, PAIR(-FIX_0_509795579, -FIX_0_601344887)), DOT(r31, PAIR(FIX_0_899976223, FIX_2_562915447)));
  /* Output column c of rows 0..3, descaled (|x| < 2^13) and range-limited in i16, then to bytes, rows together. */
  const int shift = CONST_BITS + PASS1_BITS + 3 + 1;
  const v128_t c01 = range_limit16(wasm_i16x8_narrow_i32x4(descale(ADD(tmp10, odd2), shift), descale(ADD(tmp12, odd0), shift)));
  const v128_t c23 = range_limit16(wasm_i16x8_narrow_i32x4(descale(SUB(tmp12, odd0), shift), descale(SUB(tmp10, odd2), shift)));
  const v128_t bytes = wasm_u8x16_narrow_i16x8(c01, c23);
  const v128_t rows = wasm_i8x16_shuffle(bytes, bytes, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  wasm_v128_store32_lane(output_buf[0] + output_col, rows, 0);
  wasm_v128_store32_lane(output_buf[1] + output_col, rows, 1);
  wasm_v128_store32_lane(output_buf[2] + output_col, rows, 2);
  wasm_v128_store32_lane(output_buf[3] + output_col, rows, 3);
  return 1;
}

void jsimd_idct_4x4(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                    JSAMPARRAY output_buf, JDIMENSION output_col) {
  (void)cinfo;
  const ISLOW_MULT_TYPE *quant = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  if (idct_4x4_i16(coef_block, quant, output_buf, output_col)) return;
  /* Pass 1, columns (column 4 is computed too, and never read, as the C skips it): ws[h][r], r < 4. */
  v128_t ws[2][4];
  for (int h = 0; h < 2; h++) {
    v128_t in[8], out[4], coef[8];
    for (int r = 0; r < 8; r++) {
      coef[r] = wasm_i32x4_load16x4(coef_block + r * 8 + h * 4);
      in[r] = wasm_i32x4_mul(coef[r], load_quant4(quant + r * 8 + h * 4));
    }
    v128_t zero = ac_zero_no4(coef);
    v128_t dc = wasm_i32x4_shl(in[0], PASS1_BITS);
    idct4_1d(in, out, CONST_BITS + 1);
    for (int r = 0; r < 4; r++) ws[h][r] = wasm_v128_bitselect(dc, descale(out[r], CONST_BITS - PASS1_BITS + 1), zero);
  }
  /* Pass 2, rows: after the transposes, in[c] holds column c of rows 0..3. */
  v128_t in[8], out[4];
  for (int h = 0; h < 2; h++) {
    for (int k = 0; k < 4; k++) in[h * 4 + k] = ws[h][k];
    transpose4(&in[h * 4], &in[h * 4 + 1], &in[h * 4 + 2], &in[h * 4 + 3]);
  }
  v128_t zero = ac_zero_no4(in);
  v128_t dc = idct_range_limit(descale(in[0], PASS1_BITS + 3));
  idct4_1d(in, out, CONST_BITS + 1);
  for (int c = 0; c < 4; c++)
    out[c] = wasm_v128_bitselect(dc, idct_range_limit(descale(out[c], CONST_BITS + PASS1_BITS + 3 + 1)), zero);
  transpose4(&out[0], &out[1], &out[2], &out[3]);
  for (int r = 0; r < 4; r++) {
    v128_t w16 = wasm_i16x8_narrow_i32x4(out[r], out[r]);
    wasm_v128_store32_lane(output_buf[r] + output_col, wasm_u8x16_narrow_i16x8(w16, w16), 0);
  }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Decompression: the reduced IDCT of scale 1/4 (jidctred.c's jpeg_idct_2x2), 8x8 -> 2x2.
 */

#define FIX_0_720959822 ((int32_t)5906)
#define FIX_0_850430095 ((int32_t)6967)
#define FIX_1_272758580 ((int32_t)10426)
#define FIX_3_624509785 ((int32_t)29692)

int jsimd_can_idct_2x2(void) { return jsimd_can_idct_islow(); }

/* One 1-D pass of jpeg_idct_2x2 (inputs 2, 4, 6 unused): out[0..1] before the descale. */
static inline void idct2_1d(v128_t in0, v128_t in1, v128_t in3, v128_t in5, v128_t in7, v128_t out[2]) {
  v128_t tmp10 = wasm_i32x4_shl(in0, CONST_BITS + 2);
  v128_t tmp0 = ADD(ADD(MUL(in7, -FIX_0_720959822), MUL(in5, FIX_0_850430095)),
                    ADD(MUL(in3, -FIX_1_272758580), MUL(in1, FIX_3_624509785)));
  out[0] = ADD(tmp10, tmp0);
  out[1] = SUB(tmp10, tmp0);
}

void jsimd_idct_2x2(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                    JSAMPARRAY output_buf, JDIMENSION output_col) {
  (void)cinfo;
  const ISLOW_MULT_TYPE *quant = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  /* Pass 1, columns (2, 4, 6 computed too and never read, as the C skips them): ws[h][r], r < 2. */
  v128_t ws[2][2];
  for (int h = 0; h < 2; h++) {
    v128_t in[8], coef[8], out[2];
    for (int r = 0; r < 8; r += (r == 0 ? 1 : 2)) { /* rows 0, 1, 3, 5, 7 */
      coef[r] = wasm_i32x4_load16x4(coef_block + r * 8 + h * 4);
      in[r] = wasm_i32x4_mul(coef[r], load_quant4(quant + r * 8 + h * 4));
    }
    v128_t zero = wasm_i32x4_eq(wasm_v128_or(wasm_v128_or(coef[1], coef[3]), wasm_v128_or(coef[5], coef[7])),
                                wasm_i32x4_splat(0));
    v128_t dc = wasm_i32x4_shl(in[0], PASS1_BITS);
    idct2_1d(in[0], in[1], in[3], in[5], in[7], out);
    for (int r = 0; r < 2; r++) ws[h][r] = wasm_v128_bitselect(dc, descale(out[r], CONST_BITS - PASS1_BITS + 2), zero);
  }
  /* Pass 2, rows: lane 0 row 0, lane 1 row 1 (lanes 2-3 unused). */
#define COLUMN(c) wasm_i32x4_shuffle(ws[(c) / 4][0], ws[(c) / 4][1], (c) % 4, 4 + (c) % 4, (c) % 4, 4 + (c) % 4)
  v128_t w0 = COLUMN(0), w1 = COLUMN(1), w3 = COLUMN(3), w5 = COLUMN(5), w7 = COLUMN(7);
#undef COLUMN
  v128_t zero = wasm_i32x4_eq(wasm_v128_or(wasm_v128_or(w1, w3), wasm_v128_or(w5, w7)), wasm_i32x4_splat(0));
  v128_t dc = idct_range_limit(descale(w0, PASS1_BITS + 3));
  v128_t out[2];
  idct2_1d(w0, w1, w3, w5, w7, out);
  for (int c = 0; c < 2; c++)
    out[c] = wasm_v128_bitselect(dc, idct_range_limit(descale(out[c], CONST_BITS + PASS1_BITS + 3 + 2)), zero);
  /* out[c] lane r is row r, column c. */
  v128_t rows = wasm_i32x4_shuffle(out[0], out[1], 0, 4, 1, 5); /* row 0: c0 c1, row 1: c0 c1 */
  v128_t w16 = wasm_i16x8_narrow_i32x4(rows, rows);
  v128_t b = wasm_u8x16_narrow_i16x8(w16, w16);
  wasm_v128_store16_lane(output_buf[0] + output_col, b, 0);
  wasm_v128_store16_lane(output_buf[1] + output_col, b, 1);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Compression: RGB(X) -> YCbCr (jccolext.c's rgb_ycc_convert_internal with rgb_ycc_start's table values).
 */

#define CBCR_OFFSET ((int32_t)CENTERJSAMPLE << SCALEBITS)

int jsimd_can_rgb_ycc(void) { return BITS_IN_JSAMPLE == 8 && sizeof(JDIMENSION) == 4; }

/* Y, Cb, Cr of 4 pixels (i32 lanes 0..255 each). */
static inline void rgb_ycc4(v128_t r, v128_t g, v128_t b, v128_t *y, v128_t *cb, v128_t *cr) {
  const v128_t half = wasm_i32x4_splat(ONE_HALF), offset = wasm_i32x4_splat(CBCR_OFFSET + ONE_HALF - 1);
  *y = wasm_i32x4_shr(ADD(ADD(MUL(r, FIXS(0.29900)), MUL(g, FIXS(0.58700))), ADD(MUL(b, FIXS(0.11400)), half)), SCALEBITS);
  *cb = wasm_i32x4_shr(ADD(ADD(MUL(r, -FIXS(0.16874)), MUL(g, -FIXS(0.33126))), ADD(MUL(b, FIXS(0.50000)), offset)),
                       SCALEBITS);
  *cr = wasm_i32x4_shr(ADD(ADD(MUL(r, FIXS(0.50000)), offset), ADD(MUL(g, -FIXS(0.41869)), MUL(b, -FIXS(0.08131)))),
                       SCALEBITS);
}

void jsimd_rgb_ycc_convert(j_compress_ptr cinfo, JSAMPARRAY input_buf, JSAMPIMAGE output_buf, JDIMENSION output_row,
                           int num_rows) {
  JDIMENSION num_cols = cinfo->image_width;
  int ri = 0, gi = 1, bi = 2, ai = 3;
  int size = rgb_layout(cinfo->in_color_space, &ri, &gi, &bi, &ai);
  int vector = size == 4 && ri == 0 && gi == 1 && bi == 2;
  const v128_t byte = wasm_i32x4_splat(0xff);
  while (--num_rows >= 0) {
    const JSAMPLE *in = *input_buf++;
    JSAMPLE *out0 = output_buf[0][output_row], *out1 = output_buf[1][output_row], *out2 = output_buf[2][output_row];
    output_row++;
    JDIMENSION col = 0;
    if (vector) {
      for (; col + 16 <= num_cols; col += 16) {
        v128_t y[4], cb[4], cr[4];
        for (int k = 0; k < 4; k++) {
          v128_t px = wasm_v128_load(in + (size_t)(col + 4 * k) * 4);
          rgb_ycc4(wasm_v128_and(px, byte), wasm_v128_and(wasm_u32x4_shr(px, 8), byte),
                   wasm_v128_and(wasm_u32x4_shr(px, 16), byte), &y[k], &cb[k], &cr[k]);
        }
        /* Every value is 0..255, so the saturating narrows are the C's (JSAMPLE) casts. */
        wasm_v128_store(out0 + col, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(y[0], y[1]), wasm_i16x8_narrow_i32x4(y[2], y[3])));
        wasm_v128_store(out1 + col, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(cb[0], cb[1]), wasm_i16x8_narrow_i32x4(cb[2], cb[3])));
        wasm_v128_store(out2 + col, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(cr[0], cr[1]), wasm_i16x8_narrow_i32x4(cr[2], cr[3])));
      }
    }
    for (; col < num_cols; col++) {
      const JSAMPLE *p = in + (size_t)col * size;
      int32_t r = p[ri], g = p[gi], b = p[bi];
      out0[col] = (JSAMPLE)((FIXS(0.29900) * r + FIXS(0.58700) * g + FIXS(0.11400) * b + ONE_HALF) >> SCALEBITS);
      out1[col] = (JSAMPLE)((-FIXS(0.16874) * r + -FIXS(0.33126) * g + FIXS(0.50000) * b + CBCR_OFFSET + ONE_HALF - 1) >> SCALEBITS);
      out2[col] = (JSAMPLE)((FIXS(0.50000) * r + CBCR_OFFSET + ONE_HALF - 1 + -FIXS(0.41869) * g + -FIXS(0.08131) * b) >> SCALEBITS);
    }
  }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Compression: 4:2:0 chroma downsampling (jcsample.c's h2v2_downsample, with its expand_right_edge).
 */

int jsimd_can_h2v2_downsample(void) { return BITS_IN_JSAMPLE == 8; }

void jsimd_h2v2_downsample(j_compress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                           JSAMPARRAY output_data) {
  JDIMENSION output_cols = compptr->width_in_blocks * DCTSIZE;
  /* expand_right_edge: the last column repeated out to output_cols * 2. */
  if (output_cols * 2 > cinfo->image_width) {
    for (int row = 0; row < cinfo->max_v_samp_factor; row++) {
      JSAMPROW ptr = input_data[row];
      memset(ptr + cinfo->image_width, ptr[cinfo->image_width - 1], output_cols * 2 - cinfo->image_width);
    }
  }
  const v128_t bias = wasm_i16x8_make(1, 2, 1, 2, 1, 2, 1, 2);
  int inrow = 0;
  for (int outrow = 0; outrow < compptr->v_samp_factor; outrow++, inrow += 2) {
    JSAMPROW out = output_data[outrow];
    const JSAMPLE *in0 = input_data[inrow], *in1 = input_data[inrow + 1];
    JDIMENSION col = 0;
    for (; col + 8 <= output_cols; col += 8) {
      v128_t sum = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(in0 + 2 * col)),
                                  wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(in1 + 2 * col)));
      v128_t v = wasm_u16x8_shr(wasm_i16x8_add(sum, bias), 2);
      wasm_v128_store64_lane(out + col, wasm_u8x16_narrow_i16x8(v, v), 0);
    }
    for (; col < output_cols; col++) /* bias 1, 2, 1, 2, ... from column 0 */
      out[col] = (JSAMPLE)((in0[2 * col] + in0[2 * col + 1] + in1[2 * col] + in1[2 * col + 1] + 1 + (col & 1)) >> 2);
  }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Compression: sample conversion and the accurate integer FDCT (jcdctmgr.c's convsamp, jfdctint.c's
 * jpeg_fdct_islow), on libjpeg-turbo's 32-bit DCTELEM (what it uses without its own SIMD).
 */

int jsimd_can_convsamp(void) { return BITS_IN_JSAMPLE == 8 && DCTSIZE == 8 && sizeof(DCTELEM) == 4; }
int jsimd_can_fdct_islow(void) { return DCTSIZE == 8 && sizeof(DCTELEM) == 4; }

void jsimd_convsamp(JSAMPARRAY sample_data, JDIMENSION start_col, DCTELEM *workspace) {
  const v128_t center = wasm_i32x4_splat(CENTERJSAMPLE);
  for (int r = 0; r < 8; r++) {
    v128_t p = wasm_u16x8_load8x8(sample_data[r] + start_col);
    wasm_v128_store(workspace + r * 8, SUB(wasm_u32x4_extend_low_u16x8(p), center));
    wasm_v128_store(workspace + r * 8 + 4, SUB(wasm_u32x4_extend_high_u16x8(p), center));
  }
}

/* One 1-D pass of jpeg_fdct_islow on 4 lanes; `last` selects the second pass's descales. */
static inline void fdct_1d(const v128_t d[8], v128_t out[8], int last) {
  v128_t tmp0 = ADD(d[0], d[7]), tmp7 = SUB(d[0], d[7]);
  v128_t tmp1 = ADD(d[1], d[6]), tmp6 = SUB(d[1], d[6]);
  v128_t tmp2 = ADD(d[2], d[5]), tmp5 = SUB(d[2], d[5]);
  v128_t tmp3 = ADD(d[3], d[4]), tmp4 = SUB(d[3], d[4]);
  v128_t tmp10 = ADD(tmp0, tmp3), tmp13 = SUB(tmp0, tmp3), tmp11 = ADD(tmp1, tmp2), tmp12 = SUB(tmp1, tmp2);
  int odd_shift = last ? CONST_BITS + PASS1_BITS : CONST_BITS - PASS1_BITS;
  if (last) {
    out[0] = descale(ADD(tmp10, tmp11), PASS1_BITS);
    out[4] = descale(SUB(tmp10, tmp11), PASS1_BITS);
  } else {
    out[0] = wasm_i32x4_shl(ADD(tmp10, tmp11), PASS1_BITS);
    out[4] = wasm_i32x4_shl(SUB(tmp10, tmp11), PASS1_BITS);
  }
  v128_t z1 = MUL(ADD(tmp12, tmp13), FIX_0_541196100);
  out[2] = descale(ADD(z1, MUL(tmp13, FIX_0_765366865)), odd_shift);
  out[6] = descale(ADD(z1, MUL(tmp12, -FIX_1_847759065)), odd_shift);
  z1 = ADD(tmp4, tmp7);
  v128_t z2 = ADD(tmp5, tmp6), z3 = ADD(tmp4, tmp6), z4 = ADD(tmp5, tmp7);
  v128_t z5 = MUL(ADD(z3, z4), FIX_1_175875602);
  tmp4 = MUL(tmp4, FIX_0_298631336);
  tmp5 = MUL(tmp5, FIX_2_053119869);
  tmp6 = MUL(tmp6, FIX_3_072711026);
  tmp7 = MUL(tmp7, FIX_1_501321110);
  z1 = MUL(z1, -FIX_0_899976223);
  z2 = MUL(z2, -FIX_2_562915447);
  z3 = MUL(z3, -FIX_1_961570560);
  z4 = MUL(z4, -FIX_0_390180644);
  z3 = ADD(z3, z5);
  z4 = ADD(z4, z5);
  out[7] = descale(ADD(ADD(tmp4, z1), z3), odd_shift);
  out[5] = descale(ADD(ADD(tmp5, z2), z4), odd_shift);
  out[3] = descale(ADD(ADD(tmp6, z2), z3), odd_shift);
  out[1] = descale(ADD(ADD(tmp7, z1), z4), odd_shift);
}

void jsimd_fdct_islow(DCTELEM *data) {
  /* v[h][r]: row r, columns 4h..4h+3. */
  v128_t v[2][8];
  for (int r = 0; r < 8; r++) {
    v[0][r] = wasm_v128_load(data + r * 8);
    v[1][r] = wasm_v128_load(data + r * 8 + 4);
  }
  /* Pass 1, rows: transposed so that each lane is one row, 4 rows at a time, then back. */
  for (int g = 0; g < 2; g++) {
    v128_t in[8], out[8];
    for (int h = 0; h < 2; h++) {
      for (int k = 0; k < 4; k++) in[h * 4 + k] = v[h][g * 4 + k];
      transpose4(&in[h * 4], &in[h * 4 + 1], &in[h * 4 + 2], &in[h * 4 + 3]);
    }
    fdct_1d(in, out, 0);
    transpose4(&out[0], &out[1], &out[2], &out[3]);
    transpose4(&out[4], &out[5], &out[6], &out[7]);
    for (int k = 0; k < 4; k++) {
      v[0][g * 4 + k] = out[k];
      v[1][g * 4 + k] = out[4 + k];
    }
  }
  /* Pass 2, columns: each lane one column. */
  for (int h = 0; h < 2; h++) {
    v128_t out[8];
    fdct_1d(v[h], out, 1);
    for (int r = 0; r < 8; r++) wasm_v128_store(data + r * 8 + h * 4, out[r]);
  }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Compression: quantisation (jcdctmgr.c's quantize on the 32-bit DCTELEM) and the progressive Huffman encoder's
 * per-block preparation (jcphuff.c's encode_mcu_AC_first_prepare and encode_mcu_AC_refine_prepare, SIZEOF_SIZE_T 4).
 */

int jsimd_can_quantize(void) { return BITS_IN_JSAMPLE == 8 && DCTSIZE == 8 && sizeof(DCTELEM) == 4 && sizeof(JCOEF) == 2; }

/* The C formula for one coefficient (recip, corr and shift as compute_reciprocal stores them). */
static inline JCOEF quantize_one(DCTELEM temp, const DCTELEM *divisors, int i) {
  uint32_t recip = (uint32_t)divisors[i], corr = (uint32_t)divisors[i + DCTSIZE2];
  int shift = divisors[i + DCTSIZE2 * 3];
  uint32_t magnitude = temp < 0 ? 0u - (uint32_t)temp : (uint32_t)temp;
  uint64_t product = (uint64_t)(uint32_t)(magnitude + corr) * recip;
  DCTELEM q = (DCTELEM)(product >> (shift + 32));
  return (JCOEF)(temp < 0 ? -q : q);
}

/*
 * Progressive scans read each block's AC band many times: Huffman statistics and output are two passes, and a luma
 * block is in four scans of jpeg_simple_progression's script. jpeg-encode.c sets this for a progressive encode: the
 * quantiser then stores each block in zig-zag order, once, and the *_prepare kernels load their band contiguously
 * instead of gathering it through jpeg_natural_order every time. Only those kernels read AC coefficients of a
 * progressive encode (the DC scans read block[0], which both orders share), so the file is the same either way.
 */
static int zigzag_blocks;

void jsimd_wasm_zigzag_blocks(int on) { zigzag_blocks = on; }

/* jpeg_natural_order's first 64 entries, as constants (the compiler turns each gather into fixed offsets). */
#define ZIGZAG8(q, a, b, c, d, e, f, g, h) wasm_i16x8_make(q[a], q[b], q[c], q[d], q[e], q[f], q[g], q[h])

static inline void store_zigzag(JCOEFPTR coef_block, const JCOEF q[DCTSIZE2]) {
  wasm_v128_store(coef_block + 0, ZIGZAG8(q, 0, 1, 8, 16, 9, 2, 3, 10));
  wasm_v128_store(coef_block + 8, ZIGZAG8(q, 17, 24, 32, 25, 18, 11, 4, 5));
  wasm_v128_store(coef_block + 16, ZIGZAG8(q, 12, 19, 26, 33, 40, 48, 41, 34));
  wasm_v128_store(coef_block + 24, ZIGZAG8(q, 27, 20, 13, 6, 7, 14, 21, 28));
  wasm_v128_store(coef_block + 32, ZIGZAG8(q, 35, 42, 49, 56, 57, 50, 43, 36));
  wasm_v128_store(coef_block + 40, ZIGZAG8(q, 29, 22, 15, 23, 30, 37, 44, 51));
  wasm_v128_store(coef_block + 48, ZIGZAG8(q, 58, 59, 52, 45, 38, 31, 39, 46));
  wasm_v128_store(coef_block + 56, ZIGZAG8(q, 53, 60, 61, 54, 47, 55, 62, 63));
}

/*
 * |x| + corr times the reciprocal, its high 32 bits (the C's 64-bit product shifted by 32), then the remaining
 * per-coefficient shift (0..15: compute_reciprocal leaves the divisor-1 tables to the C) as a multiplication by
 * 2^-shift in f32, built from the shift's bits: exact while the high half is below 2^24, which the FDCT's range
 * (|x| < 2^16 for 8-bit samples) keeps it; a block where it is not is quantised again by the C formula.
 */
void jsimd_quantize(JCOEFPTR coef_block, DCTELEM *divisors, DCTELEM *workspace) {
  const v128_t limit = wasm_i32x4_splat((1 << 24) - 1);
  v128_t too_big = wasm_i32x4_splat(0);
  JCOEF natural[DCTSIZE2] __attribute__((aligned(16)));
  JCOEFPTR out = zigzag_blocks ? natural : coef_block;
  for (int i = 0; i < DCTSIZE2; i += 8) {
    v128_t half[2];
    for (int h = 0; h < 2; h++) {
      const int j = i + 4 * h;
      v128_t x = wasm_v128_load(workspace + j);
      v128_t sign = wasm_i32x4_shr(x, 31);
      v128_t a = wasm_i32x4_add(wasm_i32x4_abs(x), wasm_v128_load(divisors + DCTSIZE2 + j));
      v128_t recip = wasm_v128_load(divisors + j);
      v128_t lo = wasm_u64x2_extmul_low_u32x4(a, recip), hi = wasm_u64x2_extmul_high_u32x4(a, recip);
      v128_t top = wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7);
      too_big = wasm_v128_or(too_big, wasm_u32x4_gt(top, limit));
      v128_t shift = wasm_v128_load(divisors + DCTSIZE2 * 3 + j);
      v128_t scale = wasm_i32x4_shl(wasm_i32x4_sub(wasm_i32x4_splat(127), shift), 23);
      v128_t q = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(top), scale));
      half[h] = wasm_i32x4_sub(wasm_v128_xor(q, sign), sign);
    }
    /* JCOEF is the low 16 bits of the C's DCTELEM result; the wrapping narrow keeps exactly those. */
    wasm_v128_store(out + i, wasm_i16x8_shuffle(half[0], half[1], 0, 2, 4, 6, 8, 10, 12, 14));
  }
  if (wasm_v128_any_true(too_big)) {
    for (int i = 0; i < DCTSIZE2; i++) out[i] = quantize_one(workspace[i], divisors, i);
  }
  if (zigzag_blocks) store_zigzag(coef_block, natural);
}

int jsimd_can_encode_mcu_AC_first_prepare(void) { return sizeof(JCOEF) == 2 && sizeof(size_t) == 4 && DCTSIZE2 == 64; }
int jsimd_can_encode_mcu_AC_refine_prepare(void) { return jsimd_can_encode_mcu_AC_first_prepare(); }

/*
 * Sliding windows for a band's last, partial load: 8 lanes of all ones then 8 of zeros (from lane 8 - n: the first n
 * lanes kept), and the byte indices 0..15 then 16 of 0xff (from byte 2s: lane i takes coefficient s + i, or a zero
 * from the swizzle once s + i reaches 8).
 */
static const int16_t keep_lanes[16] __attribute__((aligned(16))) = {-1, -1, -1, -1, -1, -1, -1, -1};
static const uint8_t shift_lanes[32] __attribute__((aligned(16))) = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/*
 * Coefficients k..k+7 of the band that starts at jpeg_natural_order[Ss] = order[0], or zeros past its end (n lanes
 * are left): from a block stored in zig-zag order (`zigzag`) with one load, masked at the band's end, or at the block's
 * end shifted by a swizzle so that no read leaves the block; else gathered through the natural order, as
 * libjpeg-turbo's SSE2 does.
 */
static inline v128_t band8(const JCOEF *block, const int *order, int zigzag, int k, int n) {
  if (n <= 0) return wasm_i16x8_splat(0);
  if (zigzag) {
    const int start = (int)(order - jpeg_natural_order) + k;
    if (n >= 8) return wasm_v128_load(block + start);
    if (start <= DCTSIZE2 - 8) return wasm_v128_and(wasm_v128_load(block + start), wasm_v128_load(keep_lanes + 8 - n));
    /* Lanes past the block's end come out zero from the swizzle; those past the band's (if it ends earlier), masked. */
    const int s = start - (DCTSIZE2 - 8);
    const v128_t shifted = wasm_i8x16_swizzle(wasm_v128_load(block + DCTSIZE2 - 8), wasm_v128_load(shift_lanes + 2 * s));
    return wasm_v128_and(shifted, wasm_v128_load(keep_lanes + 8 - n));
  }
  order += k;
  if (n >= 8) {
    return wasm_i16x8_make(block[order[0]], block[order[1]], block[order[2]], block[order[3]], block[order[4]],
                           block[order[5]], block[order[6]], block[order[7]]);
  }
  JCOEF lanes[8] = {0};
  for (int i = 0; i < n; i++) lanes[i] = block[order[i]];
  return wasm_v128_load(lanes);
}

/* One bit per 16-bit lane of a and then b (each lane all ones or all zeros), as a 16-bit mask. */
static inline uint64_t mask16(v128_t a, v128_t b) {
  return (uint64_t)wasm_i8x16_bitmask(wasm_i8x16_narrow_i16x8(a, b));
}

/*
 * The point-transformed magnitude (|c| >> Al, as the C's int arithmetic leaves it in 16 bits) and, in `values` +
 * DCTSIZE2, that magnitude complemented for negative coefficients; bit k of bits[k / 32] set where it is nonzero.
 * The C writes `values` only where the bit is set, and its encoder reads only those: the others hold zeros here.
 * Sixteen coefficients a step, so the writes end at values[63] (and values[127]) as the C's do.
 */
void jsimd_encode_mcu_AC_first_prepare(const JCOEF *block, const int *jpeg_natural_order_start, int Sl, int Al,
                                       UJCOEF *values, size_t *bits) {
  const int zigzag = zigzag_blocks;
  const v128_t zero = wasm_i16x8_splat(0);
  uint64_t nonzero = 0;
  for (int k = 0; k < Sl; k += 16) {
    v128_t c0 = band8(block, jpeg_natural_order_start, zigzag, k, Sl - k);
    v128_t c1 = band8(block, jpeg_natural_order_start, zigzag, k + 8, Sl - k - 8);
    v128_t m0 = wasm_u16x8_shr(wasm_i16x8_abs(c0), Al), m1 = wasm_u16x8_shr(wasm_i16x8_abs(c1), Al);
    wasm_v128_store(values + k, m0);
    wasm_v128_store(values + k + 8, m1);
    wasm_v128_store(values + k + DCTSIZE2, wasm_v128_xor(m0, wasm_i16x8_shr(c0, 15)));
    wasm_v128_store(values + k + 8 + DCTSIZE2, wasm_v128_xor(m1, wasm_i16x8_shr(c1, 15)));
    nonzero |= mask16(wasm_i16x8_ne(m0, zero), wasm_i16x8_ne(m1, zero)) << k;
  }
  bits[0] = (size_t)(uint32_t)nonzero;
  bits[1] = (size_t)(nonzero >> 32);
}

/*
 * The magnitudes as above (all Sl of them, as the C writes), bits[0..1] where they are nonzero, bits[2..3] where they
 * are nonzero and the coefficient is not negative; returns the index of the last magnitude that is exactly 1 (0 if none).
 */
static int refine_prepare(const JCOEF *block, const int *jpeg_natural_order_start, int Sl, int Al, UJCOEF *absvalues,
                          size_t *bits) {
  const int zigzag = zigzag_blocks;
  const v128_t zero = wasm_i16x8_splat(0), one = wasm_i16x8_splat(1);
  uint64_t nonzero = 0, positive = 0, ones = 0;
  for (int k = 0; k < Sl; k += 16) {
    v128_t c0 = band8(block, jpeg_natural_order_start, zigzag, k, Sl - k);
    v128_t c1 = band8(block, jpeg_natural_order_start, zigzag, k + 8, Sl - k - 8);
    v128_t m0 = wasm_u16x8_shr(wasm_i16x8_abs(c0), Al), m1 = wasm_u16x8_shr(wasm_i16x8_abs(c1), Al);
    wasm_v128_store(absvalues + k, m0);
    wasm_v128_store(absvalues + k + 8, m1);
    uint64_t set = mask16(wasm_i16x8_ne(m0, zero), wasm_i16x8_ne(m1, zero));
    nonzero |= set << k;
    positive |= (set & ~mask16(c0, c1)) << k; /* the sign bits: the saturating narrow keeps them */
    ones |= mask16(wasm_i16x8_eq(m0, one), wasm_i16x8_eq(m1, one)) << k;
  }
  bits[0] = (size_t)(uint32_t)nonzero;
  bits[1] = (size_t)(nonzero >> 32);
  bits[2] = (size_t)(uint32_t)positive;
  bits[3] = (size_t)(positive >> 32);
  return ones ? 63 - __builtin_clzll(ones) : 0;
}

/*
 * With optimize_coding every scan is coded twice, once for the Huffman statistics and once for the output, over the
 * same blocks in the same order, and nothing changes the coefficients in between. A refinement scan's preparation is
 * recorded in the first pass and copied back in the second: the same magnitudes (all 64 written; the encoder reads
 * only the nonzero ones), bitmaps and end of band, for less work than preparing the block again. A record is keyed by
 * everything the preparation reads (the block, where its band starts, Sl and Al), and the coefficients are fixed for
 * the whole encode, so a copy is always what preparing would give; jsimd_wasm_refine_records() starts each encode
 * afresh. A pass that starts again at a scan's first recorded block replays it; any other block starts recording a new
 * scan. 160 bytes a block of the largest component, allocated at the first refinement scan: after the encoder has
 * freed its RGBA input (4 bytes a pixel), so the records (2.5 bytes a pixel) do not raise the peak.
 */
struct refine_record {
  UJCOEF magnitudes[DCTSIZE2];
  const JCOEF *block;
  const int *order;
  int32_t band; /* Sl | Al << 8 */
  int32_t end;
  uint32_t bits[4];
};

static struct refine_record *records;
static uint32_t records_wanted, record_count, replay_at;
static int replaying;

/* At most this much memory for the records (an encode's coefficients are capped lower, at 48 MiB, in jpeg-encode.c). */
#define MAX_RECORD_BYTES (64u << 20)

void jsimd_wasm_refine_records(uint32_t blocks) {
  free(records);
  records = NULL;
  records_wanted = (uint64_t)blocks * sizeof *records <= MAX_RECORD_BYTES ? blocks : 0;
  record_count = replay_at = 0;
  replaying = 0;
}

static inline int same_band(const struct refine_record *r, const JCOEF *block, const int *order, int32_t band) {
  return r->block == block && r->order == order && r->band == band;
}

int jsimd_encode_mcu_AC_refine_prepare(const JCOEF *block, const int *jpeg_natural_order_start, int Sl, int Al,
                                       UJCOEF *absvalues, size_t *bits) {
  if (!records_wanted) return refine_prepare(block, jpeg_natural_order_start, Sl, Al, absvalues, bits);
  if (!records) {
    records = malloc((size_t)records_wanted * sizeof *records);
    if (!records) {
      records_wanted = 0; /* no memory to spare: prepare every time */
      return refine_prepare(block, jpeg_natural_order_start, Sl, Al, absvalues, bits);
    }
  }
  const int32_t band = Sl | Al << 8;
  if (record_count && same_band(&records[0], block, jpeg_natural_order_start, band)) {
    replaying = 1;
    replay_at = 0;
  }
  if (replaying) {
    if (replay_at < record_count && same_band(&records[replay_at], block, jpeg_natural_order_start, band)) {
      const struct refine_record *r = &records[replay_at++];
      for (int k = 0; k < DCTSIZE2; k += 8) wasm_v128_store(absvalues + k, wasm_v128_load(r->magnitudes + k));
      for (int i = 0; i < 4; i++) bits[i] = r->bits[i];
      return r->end;
    }
    replaying = 0;
    record_count = 0;
  }
  const int end = refine_prepare(block, jpeg_natural_order_start, Sl, Al, absvalues, bits);
  if (record_count < records_wanted) {
    struct refine_record *r = &records[record_count++];
    for (int k = 0; k < DCTSIZE2; k += 8) wasm_v128_store(r->magnitudes + k, wasm_v128_load(absvalues + k));
    r->block = block;
    r->order = jpeg_natural_order_start;
    r->band = band;
    r->end = end;
    for (int i = 0; i < 4; i++) r->bits[i] = (uint32_t)bits[i];
  }
  return end;
}
