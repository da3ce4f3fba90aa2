/*
 * Shrink-on-load decoders for the image worker: JPEG through libjpeg-turbo's DCT scaling (1/1, 1/2, 1/4, 1/8)
 * and WebP through libwebp's scaled decoding, both to 8-bit RGBA, so memory follows the output size.
 *
 * Built for wasm32-wasi as a glue-free "reactor" (native/build.sh). The TypeScript loader
 * (src/pipeline/scaled/index.ts) makes a fresh instance per decode and drops it afterwards, which is what
 * lets errors be simple: every failure calls the imported env.scaled_fail(), which throws a JS exception
 * that unwinds straight through these frames. The instance is left half-way (libjpeg's state, malloc'd
 * blocks, the shadow stack pointer) and is never used again. wasi-libc has no setjmp/longjmp, and none is
 * needed.
 *
 * Imports (module "env"):
 *   scaled_fail(code, msg, len)  throws; never returns
 *   scaled_read(buf, cap) -> n   copies the next <= cap input bytes to buf; 0 at the end of the input
 *   scaled_skip(n)               skips n input bytes
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"
#include "jerror.h"
#include "src/webp/decode.h"

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

/* Error codes shared with the loader (FAIL_* in src/pipeline/scaled/index.ts). */
enum {
  FAIL_JPEG = 1,       /* libjpeg error_exit */
  FAIL_CORRUPT = 2,    /* a libjpeg warning: corrupt or truncated data (strict mode) */
  FAIL_TOO_LARGE = 3,  /* output bigger than max_output_bytes, or libjpeg's working-memory budget exceeded */
  FAIL_NO_MEMORY = 4,  /* malloc failed: the module's maximum memory was reached */
  FAIL_WEBP = 5,       /* libwebp VP8StatusCode in the message */
  FAIL_UNSUPPORTED = 6 /* e.g. an animated WebP */
};

IMPORT(scaled_fail) __attribute__((noreturn)) void scaled_fail(int code, const char *msg, size_t len);
IMPORT(scaled_read) size_t scaled_read(uint8_t *buf, size_t cap);
IMPORT(scaled_skip) void scaled_skip(size_t n);

static void fail(int code, const char *msg) { scaled_fail(code, msg, strlen(msg)); }

/* What a decode returns, read by the loader from linear memory: eight little-endian uint32s. */
static struct {
  uint32_t width, height, data;      /* RGBA output: width*height*4 bytes at data */
  uint32_t source_width, source_height;
  uint32_t color_space;              /* JPEG: libjpeg's J_COLOR_SPACE of the file; WebP: 0 */
  uint32_t flags;                    /* bit 0 progressive JPEG, bit 1 Adobe APP14 seen, bit 2 alpha (WebP) */
  uint32_t input_bytes_in_heap;      /* how much of the input was copied into linear memory at once */
} result;

/* ---------------------------------------------------------------- JPEG */

#define INPUT_CHUNK 65536

struct source {
  struct jpeg_source_mgr pub;
  JOCTET buffer[INPUT_CHUNK];
  int start_of_file;
};

struct decoder {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr err;
  int strict;
};

static void jpeg_fail(j_common_ptr cinfo, int code) {
  char message[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, message);
  if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
    /* jmemnobs: the coefficient buffers (progressive or multi-scan files) do not fit in max_memory_to_use. */
    snprintf(message, sizeof message, "the JPEG needs more than %ld bytes of working memory",
             cinfo->mem->max_memory_to_use);
    code = FAIL_TOO_LARGE;
  } else if (cinfo->err->msg_code == JERR_OUT_OF_MEMORY) {
    code = FAIL_NO_MEMORY;
  }
  fail(code, message);
}

static void on_error_exit(j_common_ptr cinfo) { jpeg_fail(cinfo, FAIL_JPEG); }

static void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return; /* trace messages */
  struct decoder *decoder = (struct decoder *)cinfo;
  if (decoder->strict) jpeg_fail(cinfo, FAIL_CORRUPT);
  cinfo->err->num_warnings++;
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void source_init(j_decompress_ptr cinfo) { (void)cinfo; }

static boolean source_fill(j_decompress_ptr cinfo) {
  struct source *src = (struct source *)cinfo->src;
  size_t n = scaled_read(src->buffer, INPUT_CHUNK);
  if (n == 0) {
    if (src->start_of_file) ERREXIT(cinfo, JERR_INPUT_EMPTY);
    WARNMS(cinfo, JWRN_JPEG_EOF); /* fails in strict mode; otherwise a fake EOI, as jdatasrc.c does */
    src->buffer[0] = (JOCTET)0xFF;
    src->buffer[1] = (JOCTET)JPEG_EOI;
    n = 2;
  }
  src->pub.next_input_byte = src->buffer;
  src->pub.bytes_in_buffer = n;
  src->start_of_file = 0;
  return TRUE;
}

static void source_skip(j_decompress_ptr cinfo, long count) {
  struct source *src = (struct source *)cinfo->src;
  if (count <= 0) return;
  if ((size_t)count <= src->pub.bytes_in_buffer) {
    src->pub.next_input_byte += count;
    src->pub.bytes_in_buffer -= (size_t)count;
    return;
  }
  scaled_skip((size_t)count - src->pub.bytes_in_buffer);
  src->pub.bytes_in_buffer = 0; /* the next read refills */
}

static void source_term(j_decompress_ptr cinfo) { (void)cinfo; }

/*
 * CMYK (or YCCK, which libjpeg turns into CMYK) to RGBA in place. The samples are taken as inverted ink (255 = none),
 * as Photoshop writes them, whether or not an Adobe APP14 marker is present: libvips, Firefox and Skia do the same,
 * having found no CMYK JPEGs in the wild that are not inverted (corpus edge/cmyk-premature-end.jpg has no APP14 and
 * is only right inverted). Naive, no ICC: R = 255 (1 - C)(1 - K) = iC * iK / 255, rounded.
 */
static void cmyk_to_rgba(uint8_t *p, size_t pixels) {
  for (size_t i = 0; i < pixels; i++, p += 4) {
    unsigned k = p[3];
    unsigned r = p[0] * k + 128, g = p[1] * k + 128, b = p[2] * k + 128;
    p[0] = (uint8_t)((r + (r >> 8)) >> 8);
    p[1] = (uint8_t)((g + (g >> 8)) >> 8);
    p[2] = (uint8_t)((b + (b >> 8)) >> 8);
    p[3] = 255;
  }
}

/*
 * Decodes the JPEG that scaled_read() delivers at 1/denom of its size (denom 1, 2, 4 or 8; libjpeg makes it
 * ceil(width / denom) x ceil(height / denom)) to RGBA, in stored orientation. Refuses an output larger than
 * max_output_bytes, and working memory (coefficient buffers etc.) beyond max_work_bytes.
 */
EXPORT(decode_jpeg) void *decode_jpeg(uint32_t denom, uint32_t max_output_bytes, uint32_t max_work_bytes,
                                      uint32_t strict) {
  static struct decoder decoder;
  static struct source source;
  struct jpeg_decompress_struct *cinfo = &decoder.cinfo;

  if (denom != 1 && denom != 2 && denom != 4 && denom != 8) fail(FAIL_JPEG, "the scale denominator must be 1, 2, 4 or 8");
  memset(&decoder, 0, sizeof decoder);
  decoder.strict = strict != 0;
  cinfo->err = jpeg_std_error(&decoder.err);
  decoder.err.error_exit = on_error_exit;
  decoder.err.emit_message = on_emit_message;
  decoder.err.output_message = on_output_message;
  jpeg_create_decompress(cinfo);
  cinfo->mem->max_memory_to_use = (long)max_work_bytes;

  memset(&source, 0, sizeof source);
  source.pub.init_source = source_init;
  source.pub.fill_input_buffer = source_fill;
  source.pub.skip_input_data = source_skip;
  source.pub.resync_to_restart = jpeg_resync_to_restart;
  source.pub.term_source = source_term;
  source.start_of_file = 1;
  cinfo->src = &source.pub;

  jpeg_read_header(cinfo, TRUE);
  int cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  cinfo->scale_num = 1;
  cinfo->scale_denom = denom;
  jpeg_calc_output_dimensions(cinfo);

  uint64_t out_bytes = (uint64_t)cinfo->output_width * cinfo->output_height * 4;
  if (out_bytes > max_output_bytes) {
    char message[160];
    snprintf(message, sizeof message, "a %ux%u decode needs %llu bytes, over the limit of %u",
             cinfo->output_width, cinfo->output_height, (unsigned long long)out_bytes, max_output_bytes);
    fail(FAIL_TOO_LARGE, message);
  }
  uint8_t *out = malloc((size_t)out_bytes);
  if (!out) fail(FAIL_NO_MEMORY, "out of memory for the decoded pixels");

  jpeg_start_decompress(cinfo);
  if (cinfo->output_components != 4) fail(FAIL_JPEG, "unexpected number of output components");
  size_t stride = (size_t)cinfo->output_width * 4;
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW rows[4];
    int n = 0;
    for (; n < 4 && cinfo->output_scanline + n < cinfo->output_height; n++)
      rows[n] = out + (size_t)(cinfo->output_scanline + n) * stride;
    jpeg_read_scanlines(cinfo, rows, (JDIMENSION)n);
  }
  if (cmyk) cmyk_to_rgba(out, (size_t)cinfo->output_width * cinfo->output_height);

  result.width = cinfo->output_width;
  result.height = cinfo->output_height;
  result.data = (uint32_t)(uintptr_t)out;
  result.source_width = cinfo->image_width;
  result.source_height = cinfo->image_height;
  result.color_space = (uint32_t)cinfo->jpeg_color_space;
  result.flags = (jpeg_has_multiple_scans(cinfo) ? 1u : 0u) | (cinfo->saw_Adobe_marker ? 2u : 0u);
  result.input_bytes_in_heap = INPUT_CHUNK;

  jpeg_finish_decompress(cinfo); /* reads to EOI: a truncated tail is a warning, so an error when strict */
  jpeg_destroy_decompress(cinfo);
  return &result;
}

/* ---------------------------------------------------------------- WebP */

/* A buffer for the whole WebP file, which the loader fills: libwebp decodes from memory. */
EXPORT(alloc_input) void *alloc_input(uint32_t size) {
  void *p = malloc(size ? size : 1);
  if (!p) fail(FAIL_NO_MEMORY, "out of memory for the input");
  return p;
}

static const char *webp_status(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data (truncated file)";
    default: return "unknown error";
  }
}

static void webp_fail(const char *what, VP8StatusCode status) {
  char message[160];
  snprintf(message, sizeof message, "WebP %s: %s (status %d)", what, webp_status(status), (int)status);
  fail(status == VP8_STATUS_OUT_OF_MEMORY ? FAIL_NO_MEMORY : FAIL_WEBP, message);
}

/*
 * Decodes the WebP at input[0..size) to exactly width x height RGBA (straight alpha; opaque files get 255),
 * with libwebp's row-by-row rescaler when the size differs from the file's.
 */
EXPORT(decode_webp) void *decode_webp(const uint8_t *input, uint32_t size, uint32_t width, uint32_t height,
                                      uint32_t max_output_bytes) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) fail(FAIL_WEBP, "libwebp version mismatch");
  VP8StatusCode status = WebPGetFeatures(input, size, &config.input);
  if (status != VP8_STATUS_OK) webp_fail("header", status);
  if (config.input.has_animation) fail(FAIL_UNSUPPORTED, "animated WebP is not supported by the scaled decoder");
  if (width == 0 || height == 0) fail(FAIL_WEBP, "the output size must be at least 1x1");

  uint64_t out_bytes = (uint64_t)width * height * 4;
  if (out_bytes > max_output_bytes) {
    char message[160];
    snprintf(message, sizeof message, "a %ux%u decode needs %llu bytes, over the limit of %u", width, height,
             (unsigned long long)out_bytes, max_output_bytes);
    fail(FAIL_TOO_LARGE, message);
  }
  uint8_t *out = malloc((size_t)out_bytes);
  if (!out) fail(FAIL_NO_MEMORY, "out of memory for the decoded pixels");

  if ((int)width != config.input.width || (int)height != config.input.height) {
    config.options.use_scaling = 1;
    config.options.scaled_width = (int)width;
    config.options.scaled_height = (int)height;
  }
  config.output.colorspace = MODE_RGBA;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = out;
  config.output.u.RGBA.stride = (int)width * 4;
  config.output.u.RGBA.size = (size_t)out_bytes;
  status = WebPDecode(input, size, &config);
  if (status != VP8_STATUS_OK) webp_fail("decode", status);

  result.width = width;
  result.height = height;
  result.data = (uint32_t)(uintptr_t)out;
  result.source_width = (uint32_t)config.input.width;
  result.source_height = (uint32_t)config.input.height;
  result.color_space = 0;
  result.flags = config.input.has_alpha ? 4u : 0u;
  result.input_bytes_in_heap = size;
  WebPFreeDecBuffer(&config.output);
  return &result;
}

/* For tests: a WebAssembly trap, to show a trapped instance does not affect the next decode. */
EXPORT(debug_trap) void debug_trap(void) { __builtin_trap(); }
