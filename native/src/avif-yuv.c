/*
 * RGBA to 8-bit YUV 4:2:0 for the AVIF encoder (avif.c), in WebAssembly SIMD, giving exactly what libavif 0.11.1's
 * avifImageRGBToYUV gives for the one configuration we encode: 8-bit RGBA in, 8-bit 4:2:0 out, a matrix given by
 * coefficients (BT.601 here), full range, no alpha (un)multiplication. libavif would use libyuv for this, which we
 * do not build; its own path is per pixel in scalar float, 13-15% of a 1600 px AVIF encode at speed 8.
 *
 * Exactness: the same IEEE f32 operations in the same order as reformat.c (WebAssembly has no fused multiply-add,
 * so the C compiles to separate rounded steps too): each channel divided by 255, Y = kr*R + kg*G + kb*B,
 * U = (B - Y) / (2 * (1 - kb)), V = (R - Y) / (2 * (1 - kr)); a 2x2 block's U and V summed in the C's order (top
 * left, top right, bottom left, bottom right) and divided by 4; each value times 255 plus its bias, plus 0.5, floored
 * and clamped. Blocks on an odd right or bottom edge (1 or 2 pixels) take the scalar replica of the same formula.
 * test/pipeline/codec/aom-simd-exact.test.ts's hashes of whole AVIF files, made before this file, still hold.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#include "avif/avif.h"

/* libavif's (internal.h): the matrix's kr, kg, kb as reformat.c gets them. */
void avifCalcYUVCoefficients(const avifImage *image, float *outR, float *outG, float *outB);

struct coefficients {
  float kr, kg, kb, cu, cv; /* cu = 2 * (1 - kb), cv = 2 * (1 - kr), as the C computes them in float */
};

static inline int to_unorm(float v, float bias) {
  float x = __builtin_floorf(v * 255.0f + bias + 0.5f);
  int unorm = (int)x;
  return unorm < 0 ? 0 : unorm > 255 ? 255 : unorm;
}

/* One block of block_w x block_h (1 or 2) pixels at (x, y), as reformat.c's loop body. */
static void block_scalar(const avifImage *image, const uint8_t *rgba, uint32_t row_bytes, uint32_t x, uint32_t y,
                         uint32_t block_w, uint32_t block_h, const struct coefficients *k) {
  float u[2][2], v[2][2];
  for (uint32_t j = 0; j < block_h; j++) {
    for (uint32_t i = 0; i < block_w; i++) {
      const uint8_t *p = rgba + (size_t)(y + j) * row_bytes + (size_t)(x + i) * 4;
      float r = p[0] / 255.0f, g = p[1] / 255.0f, b = p[2] / 255.0f;
      float luma = (k->kr * r) + (k->kg * g) + (k->kb * b);
      u[i][j] = (b - luma) / k->cu;
      v[i][j] = (r - luma) / k->cv;
      image->yuvPlanes[AVIF_CHAN_Y][(x + i) + (size_t)(y + j) * image->yuvRowBytes[AVIF_CHAN_Y]] = (uint8_t)to_unorm(luma, 0.0f);
    }
  }
  float sum_u = 0.0f, sum_v = 0.0f;
  for (uint32_t j = 0; j < block_h; j++) {
    for (uint32_t i = 0; i < block_w; i++) {
      sum_u += u[i][j];
      sum_v += v[i][j];
    }
  }
  float samples = (float)(block_w * block_h);
  size_t at = (x >> 1) + (size_t)(y >> 1) * image->yuvRowBytes[AVIF_CHAN_U];
  image->yuvPlanes[AVIF_CHAN_U][at] = (uint8_t)to_unorm(sum_u / samples, 128.0f);
  at = (x >> 1) + (size_t)(y >> 1) * image->yuvRowBytes[AVIF_CHAN_V];
  image->yuvPlanes[AVIF_CHAN_V][at] = (uint8_t)to_unorm(sum_v / samples, 128.0f);
}

/* Channel c of 4 RGBA pixels as f32 divided by 255. */
static inline v128_t channel(v128_t pixels, int c) {
  const v128_t lanes = wasm_i8x16_make(c, 16, 16, 16, c + 4, 16, 16, 16, c + 8, 16, 16, 16, c + 12, 16, 16, 16);
  return wasm_f32x4_div(wasm_f32x4_convert_i32x4(wasm_i8x16_swizzle(pixels, lanes)), wasm_f32x4_splat(255.0f));
}

/* floor(v * 255 + bias + 0.5) as i32 lanes (the clamp happens in the saturating narrowing to bytes). */
static inline v128_t unorm4(v128_t v, float bias) {
  v128_t x = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(v, wasm_f32x4_splat(255.0f)), wasm_f32x4_splat(bias)),
                            wasm_f32x4_splat(0.5f));
  return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_floor(x));
}

static inline v128_t bytes_of(v128_t lo, v128_t hi) {
  v128_t words = wasm_i16x8_narrow_i32x4(lo, hi);
  return wasm_u8x16_narrow_i16x8(words, words);
}

/* Four pixels: Y as i32 lanes, U and V as f32 lanes. */
static inline void yuv4(v128_t pixels, const struct coefficients *k, v128_t *y, v128_t *u, v128_t *v) {
  v128_t r = channel(pixels, 0), g = channel(pixels, 1), b = channel(pixels, 2);
  v128_t luma = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(k->kr), r), wasm_f32x4_mul(wasm_f32x4_splat(k->kg), g)),
                               wasm_f32x4_mul(wasm_f32x4_splat(k->kb), b));
  *u = wasm_f32x4_div(wasm_f32x4_sub(b, luma), wasm_f32x4_splat(k->cu));
  *v = wasm_f32x4_div(wasm_f32x4_sub(r, luma), wasm_f32x4_splat(k->cv));
  *y = unorm4(luma, 0.0f);
}

/* The average of each 2x2 block's values from two rows of 8 (a, b: pixels 0-3 and 4-7), in the C's order. */
static inline v128_t average4(v128_t top_a, v128_t top_b, v128_t bottom_a, v128_t bottom_b) {
  v128_t top_left = wasm_i32x4_shuffle(top_a, top_b, 0, 2, 4, 6), top_right = wasm_i32x4_shuffle(top_a, top_b, 1, 3, 5, 7);
  v128_t bottom_left = wasm_i32x4_shuffle(bottom_a, bottom_b, 0, 2, 4, 6);
  v128_t bottom_right = wasm_i32x4_shuffle(bottom_a, bottom_b, 1, 3, 5, 7);
  v128_t sum = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(top_left, top_right), bottom_left), bottom_right);
  return wasm_f32x4_div(sum, wasm_f32x4_splat(4.0f));
}

/*
 * Fills image's Y, U, V planes (and its alpha plane when has_alpha) from width x height RGBA with rows of row_bytes,
 * allocating them as avifImageRGBToYUV does. Returns 0, touching nothing, when the image is not the configuration
 * above (the caller then uses libavif's own conversion), else 1; an allocation failure is 2.
 */
int avif_rgba_to_yuv420(avifImage *image, const uint8_t *rgba, uint32_t row_bytes, int has_alpha) {
  if (image->depth != 8 || image->yuvFormat != AVIF_PIXEL_FORMAT_YUV420 || image->yuvRange != AVIF_RANGE_FULL ||
      image->alphaPremultiplied || image->matrixCoefficients == AVIF_MATRIX_COEFFICIENTS_IDENTITY ||
      image->matrixCoefficients == AVIF_MATRIX_COEFFICIENTS_YCGCO ||
      (uint64_t)image->width * image->height > AVIF_DEFAULT_IMAGE_SIZE_LIMIT) {
    return 0;
  }
  if (avifImageAllocatePlanes(image, has_alpha ? AVIF_PLANES_ALL : AVIF_PLANES_YUV) != AVIF_RESULT_OK) return 2;

  struct coefficients k;
  avifCalcYUVCoefficients(image, &k.kr, &k.kg, &k.kb);
  k.cu = 2 * (1 - k.kb);
  k.cv = 2 * (1 - k.kr);

  const uint32_t width = image->width, height = image->height;
  const uint32_t even_width = width & ~1u, even_height = height & ~1u, simd_width = width & ~7u;
  uint8_t *const planes[3] = {image->yuvPlanes[AVIF_CHAN_Y], image->yuvPlanes[AVIF_CHAN_U], image->yuvPlanes[AVIF_CHAN_V]};
  const uint32_t y_stride = image->yuvRowBytes[AVIF_CHAN_Y];
  const uint32_t u_stride = image->yuvRowBytes[AVIF_CHAN_U], v_stride = image->yuvRowBytes[AVIF_CHAN_V];

  for (uint32_t y = 0; y < even_height; y += 2) {
    const uint8_t *top = rgba + (size_t)y * row_bytes, *bottom = top + row_bytes;
    uint8_t *y_top = planes[0] + (size_t)y * y_stride, *y_bottom = y_top + y_stride;
    uint8_t *u_row = planes[1] + (size_t)(y >> 1) * u_stride, *v_row = planes[2] + (size_t)(y >> 1) * v_stride;
    uint32_t x = 0;
    for (; x < simd_width; x += 8) {
      v128_t ya, yb, ua, ub, va, vb, yc, yd, uc, ud, vc, vd;
      yuv4(wasm_v128_load(top + (size_t)x * 4), &k, &ya, &ua, &va);
      yuv4(wasm_v128_load(top + (size_t)x * 4 + 16), &k, &yb, &ub, &vb);
      yuv4(wasm_v128_load(bottom + (size_t)x * 4), &k, &yc, &uc, &vc);
      yuv4(wasm_v128_load(bottom + (size_t)x * 4 + 16), &k, &yd, &ud, &vd);
      wasm_v128_store64_lane(y_top + x, bytes_of(ya, yb), 0);
      wasm_v128_store64_lane(y_bottom + x, bytes_of(yc, yd), 0);
      v128_t u = unorm4(average4(ua, ub, uc, ud), 128.0f), v = unorm4(average4(va, vb, vc, vd), 128.0f);
      wasm_v128_store32_lane(u_row + (x >> 1), bytes_of(u, u), 0);
      wasm_v128_store32_lane(v_row + (x >> 1), bytes_of(v, v), 0);
    }
    for (; x < even_width; x += 2) block_scalar(image, rgba, row_bytes, x, y, 2, 2, &k);
    if (x < width) block_scalar(image, rgba, row_bytes, x, y, 1, 2, &k);
  }
  if (even_height < height) {
    uint32_t x = 0;
    for (; x < even_width; x += 2) block_scalar(image, rgba, row_bytes, x, even_height, 2, 1, &k);
    if (x < width) block_scalar(image, rgba, row_bytes, x, even_height, 1, 1, &k);
  }

  if (has_alpha) {
    for (uint32_t y = 0; y < height; y++) {
      const uint8_t *p = rgba + (size_t)y * row_bytes;
      uint8_t *a = image->alphaPlane + (size_t)y * image->alphaRowBytes;
      for (uint32_t x = 0; x < width; x++) a[x] = p[(size_t)x * 4 + 3];
    }
  }
  return 1;
}
