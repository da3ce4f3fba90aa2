/*
 * The streaming separable Lanczos-3 resampler of src/pipeline/resample.ts, in C with WebAssembly SIMD: the same
 * filter windows (contributions()), the same sRGB <-> linear tables, premultiplied alpha, a ring of horizontally
 * resampled rows that the vertical pass reads, and the same output rounding (Uint8ClampedArray: clamp, round half
 * to even). Results agree with the TypeScript within 1 per channel (float sums where JavaScript keeps doubles, see
 * resample_row); almost every sample is identical.
 *
 * One RGBA pixel is one f32x4 vector, so a tap is one multiply and one add for all four channels.
 *
 * The source is a decoded image in linear memory, or (src == NULL) the JPEG stream opened by jpeg_begin(), read
 * in order through jpeg_row() (scaled.c): each source row is read once, so the decoded image never exists whole.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <wasm_simd128.h>

#include "scaled.h"

/* Where each output sample reads from: count[i] taps from start[i], weights[i * stride ...], summing to 1. */
struct contributions {
  int32_t *start, *count;
  float *weights;
  uint32_t stride;
};

static double lanczos3(double x) {
  if (x == 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  double px = M_PI * x;
  return (3 * sin(px) * sin(px / 3)) / (px * px);
}

static void *checked_malloc(uint64_t bytes, const char *what) {
  char message[120];
  void *p = bytes <= 0x7fffffffu ? malloc(bytes ? (size_t)bytes : 1) : NULL;
  if (!p) {
    snprintf(message, sizeof message, "out of memory for the resampler's %s (%llu bytes)", what,
             (unsigned long long)bytes);
    fail(FAIL_NO_MEMORY, message);
  }
  return p;
}

/* contributions() of resample.ts, step for step in double; weights stored as float, then normalised. */
static void contributions(uint32_t in_size, uint32_t out_size, uint32_t offset, struct contributions *c) {
  double scale = (double)in_size / out_size;
  double stretch = scale > 1 ? scale : 1;
  double support = 3 * stretch;
  uint32_t stride = (uint32_t)ceil(support) * 2 + 1;
  c->stride = stride;
  c->start = checked_malloc((uint64_t)out_size * 4, "filter windows");
  c->count = checked_malloc((uint64_t)out_size * 4, "filter windows");
  c->weights = checked_malloc((uint64_t)out_size * stride * 4, "filter weights");
  for (uint32_t i = 0; i < out_size; i++) {
    double centre = (i + 0.5) * scale;
    double lo = floor(centre - support), hi = ceil(centre + support) - 1;
    int64_t first = lo > 0 ? (int64_t)lo : 0;
    int64_t last = hi < (double)(in_size - 1) ? (int64_t)hi : (int64_t)in_size - 1;
    float *w = c->weights + (size_t)i * stride;
    double total = 0;
    uint32_t n = 0;
    for (int64_t j = first; j <= last && n < stride; j++, n++) {
      double v = lanczos3((j + 0.5 - centre) / stretch);
      w[n] = (float)v;
      total += v;
    }
    double divisor = total != 0 ? total : 1;
    for (uint32_t k = 0; k < n; k++) w[k] = (float)((double)w[k] / divisor);
    c->start[i] = (int32_t)(first + offset);
    c->count[i] = (int32_t)n;
  }
}

static void free_contributions(struct contributions *c) {
  free(c->start);
  free(c->count);
  free(c->weights);
}

/* sRGB byte -> linear light, and linear light (4096 steps) -> sRGB byte, as resample.ts builds them. */
static float to_linear[256];
static uint8_t from_linear[4097];
static double by_alpha[256]; /* alpha / 255, premultiply's factor */
static int tables_ready;

static void build_tables(void) {
  if (tables_ready) return;
  for (int i = 0; i < 256; i++) {
    double c = i / 255.0;
    to_linear[i] = (float)(c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
    by_alpha[i] = c;
  }
  for (int i = 0; i <= 4096; i++) {
    double c = i / 4096.0;
    double v = 255 * (c <= 0.0031308 ? c * 12.92 : 1.055 * pow(c, 1 / 2.4) - 0.055);
    double r = floor(v + 0.5); /* Math.round; v is never within an ulp below a half here */
    from_linear[i] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
  }
  tables_ready = 1;
}

/* A Uint8ClampedArray store: NaN and <= 0 give 0, >= 255 gives 255, otherwise round half to even. */
static inline uint8_t clamp_u8(double v) {
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  return (uint8_t)nearbyint(v);
}

/* fromLinear[Math.round(Math.min(1, Math.max(0, v)) * 4096)]; NaN (never seen) gives 0 as undefined would. */
static inline uint8_t encode_linear(double v) {
  if (v != v) return 0;
  double x = (v < 0 ? 0 : v > 1 ? 1 : v) * 4096;
  double t = floor(x);
  return from_linear[(int)t + (x - t >= 0.5)];
}

enum { PREMULTIPLY = 1, LINEAR = 2 };

/* resample.ts prepareRow(): the crop's part of a source row as floats, linear and/or premultiplied. */
static void prepare_row(const uint8_t *restrict src, uint32_t width, uint32_t flags, float *restrict out) {
  size_t n = (size_t)width * 4;
  switch (flags & (PREMULTIPLY | LINEAR)) {
    case 0:
      for (size_t i = 0; i < n; i++) out[i] = src[i];
      break;
    case LINEAR:
      for (size_t i = 0; i < n; i += 4) {
        out[i] = to_linear[src[i]];
        out[i + 1] = to_linear[src[i + 1]];
        out[i + 2] = to_linear[src[i + 2]];
        out[i + 3] = src[i + 3];
      }
      break;
    case PREMULTIPLY:
      /* JavaScript multiplies in double and the Float32Array rounds once: so do we, two channels per f64x2. */
      for (size_t i = 0; i < n; i += 4) {
        const v128_t m = wasm_f64x2_splat(by_alpha[src[i + 3]]);
        const v128_t px = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(src + i)));
        const v128_t rg = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(wasm_f64x2_convert_low_i32x4(px), m));
        const v128_t ba = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(wasm_f64x2_convert_low_i32x4(wasm_i32x4_shuffle(px, px, 2, 3, 2, 3)), m));
        /* r, g, b premultiplied; alpha itself as it is */
        wasm_v128_store(out + i, wasm_f32x4_replace_lane(wasm_i32x4_shuffle(rg, ba, 0, 1, 4, 4), 3, (float)src[i + 3]));
      }
      break;
    default:
      for (size_t i = 0; i < n; i += 4) {
        const v128_t m = wasm_f64x2_splat(by_alpha[src[i + 3]]);
        const v128_t px = wasm_f32x4_make(to_linear[src[i]], to_linear[src[i + 1]], to_linear[src[i + 2]], 0);
        const v128_t rg = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(px), m));
        const v128_t ba = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(px, px, 2, 3, 2, 3)), m));
        wasm_v128_store(out + i, wasm_f32x4_replace_lane(wasm_i32x4_shuffle(rg, ba, 0, 1, 4, 4), 3, (float)src[i + 3]));
      }
      break;
  }
}

/*
 * resample.ts resampleRow(): one prepared row to dst_width pixels. JavaScript sums these taps in double (rounding to
 * float once, on the store); we sum in float, which is a few float ulps away at most.
 */
static void resample_row(const float *restrict prepared, const struct contributions *h, uint32_t crop_x,
                         uint32_t width, float *restrict out) {
  const uint32_t stride = h->stride;
  uint32_t x = 0;
  /*
   * Four output pixels at once: each is a chain of dependent adds (kept in tap order, as the TypeScript adds them),
   * so interleaving four chains hides the latency of each add.
   */
  for (; x + 4 <= width; x += 4) {
    const float *w0 = h->weights + (size_t)x * stride, *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride;
    const float *p0 = prepared + (size_t)(h->start[x] - (int32_t)crop_x) * 4;
    const float *p1 = prepared + (size_t)(h->start[x + 1] - (int32_t)crop_x) * 4;
    const float *p2 = prepared + (size_t)(h->start[x + 2] - (int32_t)crop_x) * 4;
    const float *p3 = prepared + (size_t)(h->start[x + 3] - (int32_t)crop_x) * 4;
    const int32_t n0 = h->count[x], n1 = h->count[x + 1], n2 = h->count[x + 2], n3 = h->count[x + 3];
    int32_t common = n0 < n1 ? n0 : n1;
    if (n2 < common) common = n2;
    if (n3 < common) common = n3;
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    int32_t k = 0;
    for (; k < common; k++) {
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(w0[k]), wasm_v128_load(p0 + 4 * k)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_f32x4_splat(w1[k]), wasm_v128_load(p1 + 4 * k)));
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_f32x4_splat(w2[k]), wasm_v128_load(p2 + 4 * k)));
      a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_f32x4_splat(w3[k]), wasm_v128_load(p3 + 4 * k)));
    }
    for (int32_t j = k; j < n0; j++) a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(w0[j]), wasm_v128_load(p0 + 4 * j)));
    for (int32_t j = k; j < n1; j++) a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_f32x4_splat(w1[j]), wasm_v128_load(p1 + 4 * j)));
    for (int32_t j = k; j < n2; j++) a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_f32x4_splat(w2[j]), wasm_v128_load(p2 + 4 * j)));
    for (int32_t j = k; j < n3; j++) a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_f32x4_splat(w3[j]), wasm_v128_load(p3 + 4 * j)));
    float *o = out + (size_t)x * 4;
    wasm_v128_store(o, a0);
    wasm_v128_store(o + 4, a1);
    wasm_v128_store(o + 8, a2);
    wasm_v128_store(o + 12, a3);
  }
  for (; x < width; x++) {
    const float *w = h->weights + (size_t)x * stride;
    const float *p = prepared + (size_t)(h->start[x] - (int32_t)crop_x) * 4;
    const int32_t n = h->count[x];
    v128_t acc = wasm_f32x4_splat(0);
    for (int32_t k = 0; k < n; k++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(w[k]), wasm_v128_load(p + 4 * k)));
    wasm_v128_store(out + (size_t)x * 4, acc);
  }
}

/* Sums one output row's taps for pixel x (the same order as the TypeScript's accumulator: tap 0 first). */
static inline v128_t vertical_pixel(const float *const *rows, const float *w, uint32_t n, size_t at) {
  v128_t acc = wasm_f32x4_splat(0);
  for (uint32_t k = 0; k < n; k++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(w[k]), wasm_v128_load(rows[k] + at)));
  return acc;
}

/* The same for the four pixels from x, sharing the loads of each tap's row and weight. */
static inline void vertical_pixels4(const float *const *rows, const float *w, uint32_t n, size_t at, v128_t acc[4]) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (uint32_t k = 0; k < n; k++) {
    const v128_t wk = wasm_f32x4_splat(w[k]);
    const float *p = rows[k] + at;
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wk, wasm_v128_load(p)));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wk, wasm_v128_load(p + 4)));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wk, wasm_v128_load(p + 8)));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wk, wasm_v128_load(p + 12)));
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

/* Uint8ClampedArray's rounding of float values, four at a time: clamp, round half to even (NaN converts to 0). */
static inline v128_t clamped_i32x4(v128_t v) {
  return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_min(wasm_f32x4_max(v, wasm_f32x4_splat(0)), wasm_f32x4_splat(255))));
}

/*
 * resample.ts's output stores for one pixel when premultiplying or in linear light (the plain case is inline below).
 * Exactly as JavaScript computes them: un-premultiplying in double, fromLinear indexed by Math.round.
 */
static inline void store_pixel(v128_t acc, uint32_t flags, uint8_t *out) {
  /* Alpha: Math.min(255, Math.max(0, a)) stored to a Uint8ClampedArray (NaN stays NaN, then stores as 0). */
  out[3] = (uint8_t)wasm_i32x4_extract_lane(clamped_i32x4(acc), 3);
  v128_t idx;
  if (!(flags & PREMULTIPLY)) {
    /* Linear, straight alpha: fromLinear[Math.round(clamp01(v) * 4096)], exact in float (v is a float). */
    v128_t v = wasm_f32x4_mul(wasm_f32x4_min(wasm_f32x4_max(acc, wasm_f32x4_splat(0)), wasm_f32x4_splat(1)), wasm_f32x4_splat(4096));
    v128_t t = wasm_f32x4_floor(v);
    /* Math.round: floor, plus one from a half up (the mask is -1); NaN gives index 0, as undefined stores 0. */
    idx = wasm_i32x4_sub(wasm_i32x4_trunc_sat_f32x4(t), wasm_f32x4_ge(wasm_f32x4_sub(v, t), wasm_f32x4_splat(0.5f)));
  } else {
    /* Premultiplied: un-premultiply in double, as JavaScript does, then store or encode each channel. */
    double a = wasm_f32x4_extract_lane(acc, 3);
    if (a < 0) a = 0;
    if (a > 255) a = 255;
    const double m = a > 0 ? 255 / a : 0;
    const double r = wasm_f32x4_extract_lane(acc, 0) * m, g = wasm_f32x4_extract_lane(acc, 1) * m,
                 b = wasm_f32x4_extract_lane(acc, 2) * m;
    if (flags & LINEAR) {
      out[0] = encode_linear(r);
      out[1] = encode_linear(g);
      out[2] = encode_linear(b);
    } else {
      out[0] = clamp_u8(r);
      out[1] = clamp_u8(g);
      out[2] = clamp_u8(b);
    }
    return;
  }
  out[0] = from_linear[wasm_i32x4_extract_lane(idx, 0)];
  out[1] = from_linear[wasm_i32x4_extract_lane(idx, 1)];
  out[2] = from_linear[wasm_i32x4_extract_lane(idx, 2)];
}

/*
 * Resamples the crop (crop_x, crop_y, crop_width, crop_height) of the source to dst_width x dst_height RGBA at dst.
 * src: row y at src + y * src_width * 4; or NULL for the open JPEG stream, whose width src_width must be (rows above
 * the crop are read and dropped, rows below it are left for jpeg_end()). flags: bit 0 premultiply by alpha while
 * filtering, bit 1 filter in linear light. Everything it allocates is freed before it returns.
 */
EXPORT(resample) void resample(const uint8_t *src, uint32_t src_width, uint32_t crop_x, uint32_t crop_y,
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
  build_tables();

  struct contributions h, v;
  contributions(crop_width, dst_width, crop_x, &h);
  contributions(crop_height, dst_height, crop_y, &v);
  const uint32_t ring_size = v.stride + 1;
  const size_t row_floats = (size_t)dst_width * 4;
  float *ring = checked_malloc((uint64_t)ring_size * dst_width * 16, "ring of rows");
  int64_t *ring_row = checked_malloc((uint64_t)ring_size * 8, "ring of rows");
  float *prepared = checked_malloc((uint64_t)crop_width * 16, "source row");
  const float **rows = checked_malloc((uint64_t)v.stride * sizeof *rows, "row table");
  for (uint32_t i = 0; i < ring_size; i++) ring_row[i] = -1;

  const int fast = (flags & (PREMULTIPLY | LINEAR)) == 0;
  for (uint32_t y = 0; y < dst_height; y++) {
    const uint32_t first = (uint32_t)v.start[y], n = (uint32_t)v.count[y];
    const float *w = v.weights + (size_t)y * v.stride;
    for (uint32_t k = 0; k < n; k++) {
      uint32_t sy = first + k, slot = sy % ring_size;
      float *row = ring + (size_t)slot * row_floats;
      if (ring_row[slot] != sy) {
        ring_row[slot] = sy;
        const uint8_t *line = src ? src + (size_t)sy * src_width * 4 : open_stream_row(sy);
        prepare_row(line + (size_t)crop_x * 4, crop_width, flags, prepared);
        resample_row(prepared, &h, crop_x, dst_width, row);
      }
      rows[k] = row;
    }
    uint8_t *out = dst + (size_t)y * row_floats;
    uint32_t x = 0;
    if (fast) {
      for (; x + 4 <= dst_width; x += 4) {
        v128_t acc[4];
        vertical_pixels4(rows, w, n, (size_t)x * 4, acc);
        v128_t lo = wasm_i16x8_narrow_i32x4(clamped_i32x4(acc[0]), clamped_i32x4(acc[1]));
        v128_t hi = wasm_i16x8_narrow_i32x4(clamped_i32x4(acc[2]), clamped_i32x4(acc[3]));
        wasm_v128_store(out + (size_t)x * 4, wasm_u8x16_narrow_i16x8(lo, hi));
      }
      for (; x < dst_width; x++) {
        v128_t q = clamped_i32x4(vertical_pixel(rows, w, n, (size_t)x * 4));
        q = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q, q), q);
        wasm_v128_store32_lane(out + (size_t)x * 4, q, 0);
      }
    } else {
      for (; x + 4 <= dst_width; x += 4) {
        v128_t acc[4];
        vertical_pixels4(rows, w, n, (size_t)x * 4, acc);
        for (int i = 0; i < 4; i++) store_pixel(acc[i], flags, out + (size_t)(x + i) * 4);
      }
      for (; x < dst_width; x++) store_pixel(vertical_pixel(rows, w, n, (size_t)x * 4), flags, out + (size_t)x * 4);
    }
  }

  free(rows);
  free(prepared);
  free(ring_row);
  free(ring);
  free_contributions(&v);
  free_contributions(&h);
}
