/*
 * The default resampler (resample_i16): the separable Lanczos-3 of resample.c (same filter windows, premultiplied
 * alpha, linear light, a ring of horizontally resampled rows, the same source: pixels in memory or the open stream)
 * in 16-bit fixed point, libvips-style:
 *
 * - every sample is an int16 with 1.0 = ONE = 16320 (255 << 6, 14 bits), leaving room to 32767 for Lanczos
 *   overshoot; sRGB bytes become linear light through a 256-entry table, and linear light becomes sRGB bytes through
 *   a 16321-entry one (finer than resample.c's 4097 steps);
 * - weights are Q14 and each window sums to exactly 1 << 14 (the rounding residue goes to its largest weight), so a
 *   flat area stays exactly flat;
 * - products are summed in int32 by i32x4.dot_i16x8_s: two taps of four channels per instruction;
 * - the ring of horizontally resampled rows holds int16 (8 bytes a pixel where resample.c's floats take 16).
 *
 * Integer SIMD (and IEEE f32 for un-premultiplying) give the same bytes on every CPU, so variants stay
 * byte-identical across machines; relaxed SIMD would not. Results are within 2 per channel of resample.c (see
 * native/README.md and test/pipeline/codec/resample-i16.test.ts for the measured spread).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>

#include "scaled.h"

enum { PREMULTIPLY = 1, LINEAR = 2, OPAQUE = 4 };

#define ONE 16320          /* 1.0 for every sample (255 << 6) */
#define WEIGHT_BITS 14     /* weights are Q14 */
#define WEIGHT_ONE (1 << WEIGHT_BITS)
/*
 * Reductions beyond this factor (either way) go to the float path: a window then spans over 6 × 128 source samples,
 * its weights average under ~21 units of Q14 and rounding them would start to show (at ~3000× most would round to
 * 0). Thumbnails of huge images are rare and small, so the float path's cost there does not matter.
 */
#define MAX_FIXED_REDUCTION 128

/* The float resampler (resample.c), for the reductions above. */
void resample(const uint8_t *src, uint32_t src_width, uint32_t crop_x, uint32_t crop_y, uint32_t crop_width,
              uint32_t crop_height, uint8_t *dst, uint32_t dst_width, uint32_t dst_height, uint32_t flags);

/* Where each output sample reads: taps from start[i] (in the crop), weights[i * stride ...] Q14, zero past its count. */
struct taps {
  int32_t *start, *count;
  int16_t *weights;
  uint32_t stride; /* even: taps go in pairs */
};

static double lanczos3(double x) {
  if (x == 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  double px = M_PI * x;
  return (3 * sin(px) * sin(px / 3)) / (px * px);
}

static void *checked_calloc(uint64_t bytes, const char *what) {
  char message[120];
  void *p = bytes <= 0x7fffffffu ? calloc(1, bytes ? (size_t)bytes : 1) : NULL;
  if (!p) {
    snprintf(message, sizeof message, "out of memory for the resampler's %s (%llu bytes)", what, (unsigned long long)bytes);
    fail(FAIL_NO_MEMORY, message);
  }
  return p;
}

/*
 * resample.c's contributions() (the windows of resample.ts) for out_size samples, plus `padding` more that read
 * sample 0 with zero weights; the normalised weights rounded to Q14 with the residue on the largest one.
 */
static void taps_for(uint32_t in_size, uint32_t out_size, uint32_t padding, int even_start, struct taps *t) {
  double scale = (double)in_size / out_size;
  double stretch = scale > 1 ? scale : 1;
  double support = 3 * stretch;
  uint32_t widest = (uint32_t)ceil(support) * 2 + 1;
  uint32_t stride = (widest + 1) & ~1u;
  uint32_t total_out = out_size + padding;
  t->stride = stride;
  t->start = checked_calloc((uint64_t)total_out * 4, "filter windows");
  t->count = checked_calloc((uint64_t)total_out * 4, "filter windows");
  t->weights = checked_calloc((uint64_t)total_out * stride * 2, "filter weights");
  double *w = checked_calloc((uint64_t)stride * 8, "filter weights");
  for (uint32_t i = 0; i < out_size; i++) {
    double centre = (i + 0.5) * scale;
    double lo = floor(centre - support), hi = ceil(centre + support) - 1;
    int64_t first = lo > 0 ? (int64_t)lo : 0;
    int64_t last = hi < (double)(in_size - 1) ? (int64_t)hi : (int64_t)in_size - 1;
    double sum = 0;
    uint32_t n = 0;
    for (int64_t j = first; j <= last && n < widest; j++, n++) {
      w[n] = (double)(float)lanczos3((j + 0.5 - centre) / stretch); /* resample.c stores them as float */
      sum += w[n];
    }
    double divisor = sum != 0 ? sum : 1;
    int16_t *q = t->weights + (size_t)i * stride;
    int32_t total = 0;
    uint32_t largest = 0;
    for (uint32_t k = 0; k < n; k++) {
      q[k] = (int16_t)floor(w[k] / divisor * WEIGHT_ONE + 0.5);
      total += q[k];
      if (q[k] > q[largest]) largest = k;
    }
    if (n) q[largest] = (int16_t)(q[largest] + (WEIGHT_ONE - total));
    if (even_start && (first & 1)) {
      /* An odd window starts a sample early with a zero weight (there is room: n < stride). */
      memmove(q + 1, q, (size_t)n * sizeof *q);
      q[0] = 0;
      first--;
      n++;
    }
    t->start[i] = (int32_t)first;
    t->count[i] = (int32_t)n;
  }
  free(w);
}

static void free_taps(struct taps *t) {
  free(t->start);
  free(t->count);
  free(t->weights);
}

/* sRGB byte -> linear light (ONE = 1.0), and linear light 0..ONE -> sRGB byte. */
static int16_t to_linear[256];
static uint8_t from_linear[ONE + 1];
/* Two sRGB bytes a | b << 8 -> their linear values as one tap pair: to_linear[a] | to_linear[b] << 16 (256 KiB). */
static uint32_t to_linear_pair[65536];
static int tables_ready;

static void build_tables(void) {
  if (tables_ready) return;
  for (int i = 0; i < 256; i++) {
    double c = i / 255.0;
    to_linear[i] = (int16_t)floor(ONE * (c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)) + 0.5);
  }
  for (uint32_t i = 0; i < 65536; i++)
    to_linear_pair[i] = (uint16_t)to_linear[i & 255] | (uint32_t)(uint16_t)to_linear[i >> 8] << 16;
  for (int i = 0; i <= ONE; i++) {
    double c = (double)i / ONE;
    double v = 255 * (c <= 0.0031308 ? c * 12.92 : 1.055 * pow(c, 1 / 2.4) - 0.055);
    double r = floor(v + 0.5);
    from_linear[i] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
  }
  tables_ready = 1;
}

/*
 * One source row (the crop's part) as tap pairs in `pairs`: pairs[s / 2] for even s = r[s] r[s+1] g[s] g[s+1] b[s]
 * b[s+1] a[s] a[s+1], the operand of one dot_i16x8_s (the pixel past the row is zero; every horizontal window starts
 * at an even sample). Linear light without premultiplying goes straight there, two pixels at a time; the other modes
 * go through `row` (width int16 pixels, then a zero one).
 */
static void prepare_row(const uint8_t *restrict src, uint32_t width, uint32_t flags, int16_t *restrict row,
                        int16_t *restrict pairs) {
  const size_t n = (size_t)width * 4;
  if ((flags & (LINEAR | PREMULTIPLY)) == LINEAR) {
    uint32_t s = 0;
    /* Four pixels from one load, their colour bytes taken out as lanes (a load each would be checked each). */
    const v128_t alpha_lanes = wasm_i8x16_make(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 3, -1, 7, -1);
    const v128_t alpha_lanes_23 = wasm_i8x16_make(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 11, -1, 15, -1);
    /* Each colour's two bytes side by side (r0 r1 g0 g1 b0 b1 a0 a1, then pixels 2 and 3): one lookup a tap pair. */
    const v128_t pair_lanes = wasm_i8x16_make(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
/* `out` = the tap pair of two pixels, whose byte pairs are u16 lanes i.. i + 2 of `ix`; alpha lanes from `alpha`. */
#define LINEAR_PAIR(out, ix, i, alpha)                                                                                 \
  do {                                                                                                                 \
    v128_t v_ = (alpha);                                                                                               \
    v_ = wasm_i32x4_replace_lane(v_, 0, (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, i)]);                     \
    v_ = wasm_i32x4_replace_lane(v_, 1, (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, i + 1)]);                 \
    v_ = wasm_i32x4_replace_lane(v_, 2, (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, i + 2)]);                 \
    (out) = v_;                                                                                                        \
  } while (0)
    for (; s + 3 < width; s += 4) {
      const v128_t px = wasm_v128_load(src + (size_t)s * 4), ix = wasm_i8x16_swizzle(px, pair_lanes);
      v128_t p01, p23;
      LINEAR_PAIR(p01, ix, 0, wasm_i16x8_shl(wasm_i8x16_swizzle(px, alpha_lanes), 6));
      LINEAR_PAIR(p23, ix, 4, wasm_i16x8_shl(wasm_i8x16_swizzle(px, alpha_lanes_23), 6));
      wasm_v128_store(pairs + (size_t)s * 4, p01);
      wasm_v128_store(pairs + (size_t)s * 4 + 8, p23);
    }
#undef LINEAR_PAIR
    for (; s + 1 < width; s += 2) {
      const uint8_t *q = src + (size_t)s * 4;
      wasm_v128_store(pairs + (size_t)s * 4,
                      wasm_i16x8_make(to_linear[q[0]], to_linear[q[4]], to_linear[q[1]], to_linear[q[5]], to_linear[q[2]],
                                      to_linear[q[6]], (int16_t)(q[3] << 6), (int16_t)(q[7] << 6)));
    }
    if (s < width) {
      const uint8_t *q = src + (size_t)s * 4;
      wasm_v128_store(pairs + (size_t)s * 4, wasm_i16x8_make(to_linear[q[0]], 0, to_linear[q[1]], 0, to_linear[q[2]], 0,
                                                             (int16_t)(q[3] << 6), 0));
    }
    return; /* `row` unused: faster than the two passes below for the common case (opaque, linear light) */
  }
  if (flags & LINEAR) {
    for (size_t i = 0; i < n; i += 4) {
      row[i] = to_linear[src[i]];
      row[i + 1] = to_linear[src[i + 1]];
      row[i + 2] = to_linear[src[i + 2]];
      row[i + 3] = (int16_t)(src[i + 3] << 6);
    }
  } else {
    for (size_t i = 0; i < n; i++) row[i] = (int16_t)(src[i] << 6);
  }
  if (flags & PREMULTIPLY) {
    /* c * a / 255, rounded: a / 255 as a * 257 / 65536 (exact at 0 and 255; c * a * 257 < 2^31). */
    for (size_t i = 0; i < n; i += 4) {
      const int32_t m = src[i + 3] * 257;
      row[i] = (int16_t)((row[i] * m + 32768) >> 16);
      row[i + 1] = (int16_t)((row[i + 1] * m + 32768) >> 16);
      row[i + 2] = (int16_t)((row[i + 2] * m + 32768) >> 16);
    }
  }
  for (uint32_t s = 0; s < width; s += 2) {
    const v128_t two = wasm_v128_load(row + (size_t)s * 4); /* pixels s and s + 1 (row has a zero pixel past width) */
    wasm_v128_store(pairs + (size_t)s * 4, wasm_i16x8_shuffle(two, two, 0, 4, 1, 5, 2, 6, 3, 7));
  }
}

static inline v128_t descale(v128_t acc) {
  return wasm_i32x4_shr(wasm_i32x4_add(acc, wasm_i32x4_splat(1 << (WEIGHT_BITS - 1))), WEIGHT_BITS);
}

/* Horizontal pass: one prepared row to `width` (a multiple of 4) int16 pixels; every window is stride taps. */
static void resample_row(const int16_t *restrict pairs, const struct taps *h, uint32_t width, int16_t *restrict out) {
  const uint32_t stride = h->stride, half = stride / 2;
  for (uint32_t x = 0; x < width; x += 4) {
    const int16_t *w0 = h->weights + (size_t)x * stride, *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride;
    const int16_t *p0 = pairs + (size_t)h->start[x] * 4, *p1 = pairs + (size_t)h->start[x + 1] * 4;
    const int16_t *p2 = pairs + (size_t)h->start[x + 2] * 4, *p3 = pairs + (size_t)h->start[x + 3] * 4;
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (uint32_t k = 0; k < half; k++) {
      a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(wasm_v128_load(p0 + 8 * k), wasm_v128_load32_splat(w0 + 2 * k)));
      a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(wasm_v128_load(p1 + 8 * k), wasm_v128_load32_splat(w1 + 2 * k)));
      a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(wasm_v128_load(p2 + 8 * k), wasm_v128_load32_splat(w2 + 2 * k)));
      a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(wasm_v128_load(p3 + 8 * k), wasm_v128_load32_splat(w3 + 2 * k)));
    }
    wasm_v128_store(out + (size_t)x * 4, wasm_i16x8_narrow_i32x4(descale(a0), descale(a1)));
    wasm_v128_store(out + (size_t)x * 4 + 8, wasm_i16x8_narrow_i32x4(descale(a2), descale(a3)));
  }
}

/* resample_row for two prepared rows at once: each window's weights are loaded once for both. */
static void resample_rows2(const int16_t *restrict pairs_a, const int16_t *restrict pairs_b, const struct taps *h,
                           uint32_t width, int16_t *restrict out_a, int16_t *restrict out_b) {
  const uint32_t stride = h->stride, half = stride / 2;
  for (uint32_t x = 0; x < width; x += 2) {
    const int16_t *w0 = h->weights + (size_t)x * stride, *w1 = w0 + stride;
    const size_t o0 = (size_t)h->start[x] * 4, o1 = (size_t)h->start[x + 1] * 4;
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0, b0 = a0, b1 = a0;
    for (uint32_t k = 0; k < half; k++) {
      const v128_t v0 = wasm_v128_load32_splat(w0 + 2 * k), v1 = wasm_v128_load32_splat(w1 + 2 * k);
      a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(wasm_v128_load(pairs_a + o0 + 8 * k), v0));
      b0 = wasm_i32x4_add(b0, wasm_i32x4_dot_i16x8(wasm_v128_load(pairs_b + o0 + 8 * k), v0));
      a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(wasm_v128_load(pairs_a + o1 + 8 * k), v1));
      b1 = wasm_i32x4_add(b1, wasm_i32x4_dot_i16x8(wasm_v128_load(pairs_b + o1 + 8 * k), v1));
    }
    wasm_v128_store(out_a + (size_t)x * 4, wasm_i16x8_narrow_i32x4(descale(a0), descale(a1)));
    wasm_v128_store(out_b + (size_t)x * 4, wasm_i16x8_narrow_i32x4(descale(b0), descale(b1)));
  }
}

/* Vertical pass for pixels x..x+3: `pairs_n` pairs of rows (rows[2k], rows[2k + 1]) with Q14 weights w. */
static inline void vertical4(const int16_t *const *rows, const int16_t *w, uint32_t pairs_n, size_t at, v128_t acc[4]) {
  v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (uint32_t k = 0; k < pairs_n; k++) {
    const v128_t wk = wasm_v128_load32_splat(w + 2 * k);
    const int16_t *ra = rows[2 * k] + at, *rb = rows[2 * k + 1] + at;
    const v128_t x0 = wasm_v128_load(ra), x1 = wasm_v128_load(ra + 8);
    const v128_t y0 = wasm_v128_load(rb), y1 = wasm_v128_load(rb + 8);
    a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(x0, y0, 0, 8, 1, 9, 2, 10, 3, 11), wk));
    a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(x0, y0, 4, 12, 5, 13, 6, 14, 7, 15), wk));
    a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(x1, y1, 0, 8, 1, 9, 2, 10, 3, 11), wk));
    a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(x1, y1, 4, 12, 5, 13, 6, 14, 7, 15), wk));
  }
  acc[0] = descale(a0);
  acc[1] = descale(a1);
  acc[2] = descale(a2);
  acc[3] = descale(a3);
}

/* A sample at ONE scale to a byte: (v + 32) >> 6, clamped to 0..255, four pixels at once. */
static inline v128_t bytes_of(v128_t p0, v128_t p1, v128_t p2, v128_t p3) {
  const v128_t half = wasm_i32x4_splat(32);
  v128_t lo = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(wasm_i32x4_add(p0, half), 6), wasm_i32x4_shr(wasm_i32x4_add(p1, half), 6));
  v128_t hi = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(wasm_i32x4_add(p2, half), 6), wasm_i32x4_shr(wasm_i32x4_add(p3, half), 6));
  return wasm_u8x16_narrow_i16x8(lo, hi);
}

/* One output pixel [r g b a] at ONE scale, straight alpha, colour in linear light: through the table. */
static inline void store_linear(v128_t p, uint8_t *out) {
  const v128_t c = wasm_i32x4_min(wasm_i32x4_max(p, wasm_i32x4_splat(0)), wasm_i32x4_splat(ONE));
  out[0] = from_linear[wasm_i32x4_extract_lane(c, 0)];
  out[1] = from_linear[wasm_i32x4_extract_lane(c, 1)];
  out[2] = from_linear[wasm_i32x4_extract_lane(c, 2)];
  out[3] = (uint8_t)((wasm_i32x4_extract_lane(c, 3) + 32) >> 6);
}

/*
 * Un-premultiplies one pixel (in f32, the same bytes everywhere): colour * ONE / alpha, alpha clamped to 0..ONE. Where
 * alpha rounds to 0 the pixel is transparent black (no colour is left to recover there).
 */
static inline v128_t unpremultiply(v128_t p) {
  int32_t a = wasm_i32x4_extract_lane(p, 3);
  a = a > ONE ? ONE : a;
  if (a < 32) return wasm_i32x4_splat(0);
  const v128_t m = wasm_f32x4_splat((float)ONE / (float)a);
  v128_t c = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p), m)));
  return wasm_i32x4_replace_lane(c, 3, a);
}

/*
 * Opaque sources in linear light (every JPEG, and the common case): alpha is 255 throughout, so only the colour is
 * filtered and the output's alpha is 255. The arithmetic is the path below's, sample for sample (the same windows,
 * sums, descaling and narrowing), so the bytes are the same; only the layout changes, so that no lane carries an alpha
 * channel:
 *
 * - four source rows are prepared together (a "quad"), their tap pairs interleaved: for each even s, twelve pairs
 *   (48 bytes) A.r A.g A.b B.r | B.g B.b C.r C.g | C.b D.r D.g D.b, so a window step of the horizontal pass is three
 *   dot products for four rows, where the RGBA layout takes four for two;
 * - the ring's rows are RGB (three int16 a pixel), so the vertical pass takes six dot products a window step for eight
 *   pixels, where RGBA takes eight.
 */

/* Row r (0..3) of a quad: its tap pairs (through the pair table) into their lanes, for every even s of the row. */
static void prepare_quad_row(const uint8_t *restrict src, uint32_t width, uint32_t r, int32_t *restrict quad) {
  const v128_t pair_lanes = wasm_i8x16_make(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
  int32_t *q = quad + r * 3;
  uint32_t s = 0;
  for (; s + 3 < width; s += 4) {
    const v128_t ix = wasm_i8x16_swizzle(wasm_v128_load(src + (size_t)s * 4), pair_lanes);
    int32_t *o = q + (size_t)s * 6; /* twelve pairs per even s: (s / 2) * 12 */
    o[0] = (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, 0)];
    o[1] = (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, 1)];
    o[2] = (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, 2)];
    o[12] = (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, 4)];
    o[13] = (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, 5)];
    o[14] = (int32_t)to_linear_pair[wasm_u16x8_extract_lane(ix, 6)];
  }
  for (; s < width; s += 2) {
    const uint8_t *p = src + (size_t)s * 4;
    int32_t *o = q + (size_t)s * 6;
    for (int c = 0; c < 3; c++) /* the pixel past the row is zero */
      o[c] = (int32_t)((uint16_t)to_linear[p[c]] | (s + 1 < width ? (uint32_t)(uint16_t)to_linear[p[4 + c]] << 16 : 0));
  }
}

/* Horizontal pass for a quad: `width` (a multiple of 2) RGB int16 pixels into each of out[0..3]. */
static void resample_quad(const int16_t *restrict quad, const struct taps *h, uint32_t width, int16_t *const out[4]) {
  const uint32_t stride = h->stride, half = stride / 2;
  for (uint32_t x = 0; x < width; x += 2) {
    const int16_t *w0 = h->weights + (size_t)x * stride, *w1 = w0 + stride;
    const int16_t *p0 = quad + (size_t)h->start[x] * 12, *p1 = quad + (size_t)h->start[x + 1] * 12;
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, b0 = a0, b1 = a0, b2 = a0;
    for (uint32_t k = 0; k < half; k++) {
      const v128_t v0 = wasm_v128_load32_splat(w0 + 2 * k), v1 = wasm_v128_load32_splat(w1 + 2 * k);
      const int16_t *q0 = p0 + 24 * k, *q1 = p1 + 24 * k;
      a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(wasm_v128_load(q0), v0));
      a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(wasm_v128_load(q0 + 8), v0));
      a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(wasm_v128_load(q0 + 16), v0));
      b0 = wasm_i32x4_add(b0, wasm_i32x4_dot_i16x8(wasm_v128_load(q1), v1));
      b1 = wasm_i32x4_add(b1, wasm_i32x4_dot_i16x8(wasm_v128_load(q1 + 8), v1));
      b2 = wasm_i32x4_add(b2, wasm_i32x4_dot_i16x8(wasm_v128_load(q1 + 16), v1));
    }
    /* n0 = Ar Ag Ab Br (pixel x) Ar Ag Ab Br (x + 1), n1 = Bg Bb Cr Cg ..., n2 = Cb Dr Dg Db ... */
    const v128_t n0 = wasm_i16x8_narrow_i32x4(descale(a0), descale(b0));
    const v128_t n1 = wasm_i16x8_narrow_i32x4(descale(a1), descale(b1));
    const v128_t n2 = wasm_i16x8_narrow_i32x4(descale(a2), descale(b2));
    /* Each row's two pixels as r g b r g b, then two lanes that the next store overwrites (or the row's slack). */
    const size_t at = (size_t)x * 3;
    wasm_v128_store(out[0] + at, wasm_i16x8_shuffle(n0, n0, 0, 1, 2, 4, 5, 6, 7, 7));
    wasm_v128_store(out[1] + at, wasm_i16x8_shuffle(n0, n1, 3, 8, 9, 7, 12, 13, 13, 13));
    wasm_v128_store(out[2] + at, wasm_i16x8_shuffle(n1, n2, 2, 3, 8, 6, 7, 12, 12, 12));
    wasm_v128_store(out[3] + at, wasm_i16x8_shuffle(n2, n2, 1, 2, 3, 5, 6, 7, 7, 7));
  }
}

/* Vertical pass for RGB pixels x..x+7 (`at` = 3x): acc[0..5] = r0 g0 b0 r1 | g1 b1 r2 g2 | b2 r3 g3 b3 | r4 ... */
static inline void vertical8_rgb(const int16_t *const *rows, const int16_t *w, uint32_t pairs_n, size_t at, v128_t acc[6]) {
  v128_t a[6];
  for (int i = 0; i < 6; i++) a[i] = wasm_i32x4_splat(0);
  for (uint32_t k = 0; k < pairs_n; k++) {
    const v128_t wk = wasm_v128_load32_splat(w + 2 * k);
    const int16_t *ra = rows[2 * k] + at, *rb = rows[2 * k + 1] + at;
    for (int j = 0; j < 3; j++) {
      const v128_t x = wasm_v128_load(ra + 8 * j), y = wasm_v128_load(rb + 8 * j);
      a[2 * j] = wasm_i32x4_add(a[2 * j], wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(x, y, 0, 8, 1, 9, 2, 10, 3, 11), wk));
      a[2 * j + 1] = wasm_i32x4_add(a[2 * j + 1], wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(x, y, 4, 12, 5, 13, 6, 14, 7, 15), wk));
    }
  }
  for (int i = 0; i < 6; i++) acc[i] = wasm_i32x4_min(wasm_i32x4_max(descale(a[i]), wasm_i32x4_splat(0)), wasm_i32x4_splat(ONE));
}

static void resample_opaque_linear(const uint8_t *src, uint32_t src_width, uint32_t crop_x, uint32_t crop_y,
                                   uint32_t crop_width, uint32_t crop_height, uint8_t *dst, uint32_t dst_width,
                                   uint32_t dst_height) {
  /* Eight output pixels at a time in the vertical pass: the ring's rows (and the horizontal windows) are padded to that. */
  const uint32_t padded = (dst_width + 7) & ~7u;
  struct taps h, v;
  taps_for(crop_width, dst_width, padded - dst_width, 1, &h);
  taps_for(crop_height, dst_height, 0, 0, &v);
  /* A quad may hold three rows past the current window and three before it: the ring has room for them. */
  const uint32_t ring_size = v.stride + 4;
  const size_t row_samples = (size_t)padded * 3 + 8; /* + the last store's two lanes, rounded up */
  int16_t *ring = checked_calloc((uint64_t)ring_size * row_samples * 2, "ring of rows");
  int64_t *ring_row = checked_calloc((uint64_t)ring_size * 8, "ring of rows");
  int16_t *spare = checked_calloc((uint64_t)row_samples * 2, "ring of rows"); /* a quad's rows past the crop */
  /* The quad's tap pairs: twelve per even s, a zero pixel past the row, h.stride zero pairs (windows' zero tails). */
  int32_t *quad = checked_calloc(((uint64_t)crop_width / 2 + 1 + h.stride / 2) * 48, "source rows");
  const int16_t **rows = checked_calloc(((uint64_t)v.stride + 1) * sizeof *rows, "row table");
  for (uint32_t i = 0; i < ring_size; i++) ring_row[i] = -1;

  for (uint32_t y = 0; y < dst_height; y++) {
    const uint32_t first = (uint32_t)v.start[y], n = (uint32_t)v.count[y];
    const int16_t *w = v.weights + (size_t)y * v.stride;
    for (uint32_t k = 0; k < n; k++) {
      const uint32_t sy = first + k, slot = sy % ring_size;
      if (ring_row[slot] != sy) {
        /* The quad of rows sy & ~3 ... + 3 (in the crop), read in order: windows only move down. */
        int16_t *out[4];
        const uint32_t top = sy & ~3u;
        for (uint32_t r = 0; r < 4; r++) {
          const uint32_t row = top + r;
          if (row >= crop_height) {
            out[r] = spare;
            continue;
          }
          const uint8_t *line = src ? src + (size_t)(crop_y + row) * src_width * 4 : open_stream_row(crop_y + row);
          prepare_quad_row(line + (size_t)crop_x * 4, crop_width, r, quad);
          ring_row[row % ring_size] = row;
          out[r] = ring + (size_t)(row % ring_size) * row_samples;
        }
        resample_quad((const int16_t *)quad, &h, padded, out);
      }
      rows[k] = ring + (size_t)slot * row_samples;
    }
    if (n & 1) rows[n] = rows[n - 1]; /* the odd tap's partner, with weight 0 (w[n] is 0: stride is even) */
    const uint32_t pairs_n = (n + 1) / 2;
    uint8_t *out = dst + (size_t)y * dst_width * 4;
    for (uint32_t x = 0; x < dst_width; x += 8) {
      v128_t acc[6];
      vertical8_rgb(rows, w, pairs_n, (size_t)x * 3, acc);
      int32_t c[24] __attribute__((aligned(16)));
      for (int i = 0; i < 6; i++) wasm_v128_store(c + 4 * i, acc[i]);
      const uint32_t count = dst_width - x < 8 ? dst_width - x : 8;
      uint8_t *o = out + (size_t)x * 4;
      for (uint32_t i = 0; i < count; i++) {
        o[4 * i] = from_linear[c[3 * i]];
        o[4 * i + 1] = from_linear[c[3 * i + 1]];
        o[4 * i + 2] = from_linear[c[3 * i + 2]];
        o[4 * i + 3] = 255;
      }
    }
  }

  free(rows);
  free(quad);
  free(spare);
  free(ring_row);
  free(ring);
  free_taps(&v);
  free_taps(&h);
}

/*
 * resample()'s contract (resample.c), in fixed point: the crop (crop_x, crop_y, crop_width, crop_height) of the
 * source (src, rows of src_width RGBA; or NULL for the open stream) to dst_width x dst_height RGBA at dst; flags bit 0
 * premultiply by alpha while filtering, bit 1 filter in linear light, bit 2 the caller's word that the source's alpha
 * is 255 everywhere (with bit 1 and without bit 0, alpha is then not read and comes out 255; the other modes ignore
 * it). Everything it allocates is freed before it returns.
 */
EXPORT(resample_i16) void resample_i16(const uint8_t *src, uint32_t src_width, uint32_t crop_x, uint32_t crop_y,
                                       uint32_t crop_width, uint32_t crop_height, uint8_t *dst, uint32_t dst_width,
                                       uint32_t dst_height, uint32_t flags) {
  if (!crop_width || !crop_height || !dst_width || !dst_height || !dst)
    fail(FAIL_STATE, "resample: empty crop or output");
  if ((uint64_t)crop_x + crop_width > src_width) fail(FAIL_STATE, "resample: the crop is wider than the source");
  if (!src) {
    uint32_t width, height;
    if (!open_stream_size(&width, &height)) fail(FAIL_STATE, "resample: no JPEG or PNG stream is open");
    if (width != src_width || (uint64_t)crop_y + crop_height > height)
      fail(FAIL_STATE, "resample: the crop is not inside the JPEG stream's image");
  }
  if ((uint64_t)crop_width > (uint64_t)dst_width * MAX_FIXED_REDUCTION ||
      (uint64_t)crop_height > (uint64_t)dst_height * MAX_FIXED_REDUCTION) {
    resample(src, src_width, crop_x, crop_y, crop_width, crop_height, dst, dst_width, dst_height, flags);
    return;
  }
  build_tables();
  if ((flags & (OPAQUE | LINEAR | PREMULTIPLY)) == (OPAQUE | LINEAR)) {
    resample_opaque_linear(src, src_width, crop_x, crop_y, crop_width, crop_height, dst, dst_width, dst_height);
    return;
  }

  /* Rows are computed four pixels at a time: the ring's rows (and the horizontal windows) are padded to that. */
  const uint32_t padded = (dst_width + 3) & ~3u;
  struct taps h, v;
  taps_for(crop_width, dst_width, padded - dst_width, 1, &h);
  taps_for(crop_height, dst_height, 0, 0, &v);
  const uint32_t ring_size = v.stride + 1;
  const size_t row_samples = (size_t)padded * 4;
  int16_t *ring = checked_calloc((uint64_t)ring_size * row_samples * 2, "ring of rows");
  int64_t *ring_row = checked_calloc((uint64_t)ring_size * 8, "ring of rows");
  /* A source row: its samples plus one zero pixel; its tap pairs plus h.stride zero pairs (windows' zero tails). */
  int16_t *row = checked_calloc(((uint64_t)crop_width + 1) * 8, "source row");
  const uint64_t pair_bytes = ((uint64_t)crop_width / 2 + 1 + h.stride / 2) * 16;
  int16_t *pairs = checked_calloc(pair_bytes, "source row");
  int16_t *next_pairs = checked_calloc(pair_bytes, "source row");
  const int16_t **rows = checked_calloc(((uint64_t)v.stride + 1) * sizeof *rows, "row table");
  for (uint32_t i = 0; i < ring_size; i++) ring_row[i] = -1;

  const int premultiplied = (flags & PREMULTIPLY) != 0, linear = (flags & LINEAR) != 0;
  for (uint32_t y = 0; y < dst_height; y++) {
    const uint32_t first = (uint32_t)v.start[y] + crop_y, n = (uint32_t)v.count[y];
    const int16_t *w = v.weights + (size_t)y * v.stride;
    for (uint32_t k = 0; k < n; k++) {
      uint32_t sy = first + k, slot = sy % ring_size;
      int16_t *ring_at = ring + (size_t)slot * row_samples;
      if (ring_row[slot] != sy) {
        ring_row[slot] = sy;
        const uint8_t *line = src ? src + (size_t)sy * src_width * 4 : open_stream_row(sy);
        prepare_row(line + (size_t)crop_x * 4, crop_width, flags, row, pairs);
        /*
         * The next row too, if it is not in the ring: windows only move down, so it is needed next, and its slot is not
         * one of this window's (the ring has a slot more than the widest window).
         */
        const uint32_t next = sy + 1, next_slot = next % ring_size;
        if (next < crop_y + crop_height && ring_row[next_slot] != next) {
          ring_row[next_slot] = next;
          const uint8_t *next_line = src ? src + (size_t)next * src_width * 4 : open_stream_row(next);
          prepare_row(next_line + (size_t)crop_x * 4, crop_width, flags, row, next_pairs);
          resample_rows2(pairs, next_pairs, &h, padded, ring_at, ring + (size_t)next_slot * row_samples);
        } else {
          resample_row(pairs, &h, padded, ring_at);
        }
      }
      rows[k] = ring_at;
    }
    if (n & 1) rows[n] = rows[n - 1]; /* the odd tap's partner, with weight 0 (w[n] is 0: stride is even) */
    const uint32_t pairs_n = (n + 1) / 2;
    uint8_t *out = dst + (size_t)y * dst_width * 4;
    for (uint32_t x = 0; x < dst_width; x += 4) {
      v128_t p[4];
      vertical4(rows, w, pairs_n, (size_t)x * 4, p);
      const uint32_t count = dst_width - x < 4 ? dst_width - x : 4;
      if (premultiplied)
        for (int i = 0; i < 4; i++) p[i] = unpremultiply(p[i]);
      if (linear) {
        for (uint32_t i = 0; i < count; i++) store_linear(p[i], out + (size_t)(x + i) * 4);
      } else {
        const v128_t b = bytes_of(p[0], p[1], p[2], p[3]);
        if (count == 4) wasm_v128_store(out + (size_t)x * 4, b);
        else {
          uint8_t tmp[16];
          wasm_v128_store(tmp, b);
          memcpy(out + (size_t)x * 4, tmp, (size_t)count * 4);
        }
      }
    }
  }

  free(rows);
  free(next_pairs);
  free(pairs);
  free(row);
  free(ring_row);
  free(ring);
  free_taps(&v);
  free_taps(&h);
}
