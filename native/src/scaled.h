/*
 * Shared by the module's C files (scaled.c: JPEG/WebP; avif.c: the AVIF encoder; jpeg-encode.c: the JPEG encoder;
 * resample.c: the Lanczos-3 resampler): the import/export attributes, the failure codes the loader maps to errors,
 * and the one import every failure goes through.
 */
#ifndef EDGE_IMAGE_SCALED_H
#define EDGE_IMAGE_SCALED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

/* Error codes shared with the loader (FAIL_* in src/pipeline/scaled/index.ts). */
enum {
  FAIL_JPEG = 1,        /* libjpeg error_exit */
  FAIL_CORRUPT = 2,     /* a libjpeg warning: corrupt or truncated data (strict mode) */
  FAIL_TOO_LARGE = 3,   /* output bigger than max_output_bytes, or libjpeg's working-memory budget exceeded */
  FAIL_NO_MEMORY = 4,   /* malloc failed: the module's maximum memory was reached */
  FAIL_WEBP = 5,        /* libwebp VP8StatusCode in the message */
  FAIL_UNSUPPORTED = 6, /* e.g. an animated WebP */
  FAIL_STATE = 7,       /* the loader called things out of order (a bug on our side) */
  FAIL_AVIF = 8         /* libavif/libaom error (or bad encode_avif arguments); the message says which */
};

/*
 * Throws a JS exception that unwinds straight through the WASM frames; never returns. The instance is left half-way
 * and is never used again (see scaled.c).
 */
IMPORT(scaled_fail) __attribute__((noreturn)) void scaled_fail(int code, const char *msg, size_t len);

static inline __attribute__((noreturn)) void fail(int code, const char *msg) { scaled_fail(code, msg, strlen(msg)); }

/*
 * scaled.c's libjpeg error exit, shared with the JPEG encoder: formats libjpeg's message and fails with `code`, except
 * JERR_NO_BACKING_STORE (libjpeg's max_memory_to_use exceeded) -> FAIL_TOO_LARGE and JERR_OUT_OF_MEMORY ->
 * FAIL_NO_MEMORY. (A j_common_ptr; declared without jpeglib.h.)
 */
struct jpeg_common_struct;
__attribute__((noreturn)) void jpeg_fail(struct jpeg_common_struct *cinfo, int code);

/* What an encoder returns, read by the loader from linear memory: {size, data}; data is malloc'd (release() frees). */
struct encoded {
  uint32_t size, data;
};

/*
 * The JPEG stream opened by jpeg_begin() (scaled.c), for the resampler (resample.c): row y, reading strips
 * forwards up to it (fails for a row the strip has moved past or beyond the image), valid until the next call;
 * and the stream's output size (returns 0 when no stream is open).
 */
const uint8_t *jpeg_row(uint32_t y);
int jpeg_stream_size(uint32_t *width, uint32_t *height);

/* The AVIF stream opened by avif_begin() (avif-decode.c): the same two, for png.c's dispatch below. */
const uint8_t *avif_row(uint32_t y);
int avif_stream_size(uint32_t *width, uint32_t *height);

/* The open stream, JPEG (scaled.c), PNG (png.c) or AVIF (avif-decode.c), for the resampler: as above (png.c dispatches). */
const uint8_t *open_stream_row(uint32_t y);
int open_stream_size(uint32_t *width, uint32_t *height);

#endif
