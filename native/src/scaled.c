/*
 * The image worker's native codecs: shrink-on-load decoders (JPEG through libjpeg-turbo's DCT scaling, 1/1 to 1/8,
 * whole or as a stream of row strips; WebP through libwebp's scaled decoding), both to 8-bit RGBA, and libwebp's
 * encoder. One instance serves one transform: the decoder's rows, the resized pixels and the encoder's buffers all
 * live in its linear memory, so nothing is copied between heaps and freed blocks are reused within the transform.
 *
 * Built for wasm32-wasi as a glue-free "reactor" (native/build.sh). The TypeScript loader
 * (src/pipeline/scaled/index.ts) makes a fresh instance per decode and drops it afterwards, which is what
 * lets errors be simple: every failure calls the imported env.scaled_fail(), which throws a JS exception
 * that unwinds straight through these frames. The instance is left half-way (libjpeg's state, malloc'd
 * blocks, the shadow stack pointer) and is never used again. wasi-libc has no setjmp/longjmp, and none is
 * needed (libaom calls them; avif.c and wasi-shim/setjmp.h turn its longjmp into the same scaled_fail()).
 *
 * The AVIF encoder is in avif.c and the JPEG encoder in jpeg-encode.c, compiled into the same module; scaled.h holds
 * what they share (the FAIL_* codes, IMPORT/EXPORT, scaled_fail, jpeg_fail). alloc/release below serve all of them.
 *
 * Imports (module "env"):
 *   scaled_fail(code, msg, len)  throws; never returns (declared in scaled.h)
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
#include "src/webp/encode.h"

#include "scaled.h"

IMPORT(scaled_read) size_t scaled_read(uint8_t *buf, size_t cap);
IMPORT(scaled_skip) void scaled_skip(size_t n);

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

/* libjpeg's error (or, strict, warning) as a scaled_fail(); also the JPEG encoder's (jpeg-encode.c, via scaled.h). */
void jpeg_fail(j_common_ptr cinfo, int code) {
  char message[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, message);
  if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
    /* jmemnobs: the coefficient buffers (progressive or multi-scan files; any encode) do not fit in
       max_memory_to_use. */
    snprintf(message, sizeof message, "the JPEG needs more than %ld bytes of working memory",
             cinfo->mem->max_memory_to_use);
    code = FAIL_TOO_LARGE;
  } else if (cinfo->err->msg_code == JERR_OUT_OF_MEMORY) {
    code = FAIL_NO_MEMORY;
  }
  fail(code, message);
}

static void on_error_exit(j_common_ptr cinfo) { jpeg_fail(cinfo, FAIL_JPEG); }

/*
 * Which of libjpeg's warnings lose image data, and so fail a strict decode: the file ends early, a segment ends
 * early, a Huffman or arithmetic code is bad, or the decoder had to resynchronise at a restart marker. The others
 * leave every pixel as the file coded it and are what browsers (libjpeg-turbo too) show without complaint: stray
 * bytes before a marker (JWRN_EXTRANEOUS_DATA, which some cameras and editors write), an unknown JFIF revision or
 * Adobe transform code, a bad ICC marker (the profile is dropped, not the image), an odd progression or SOS.
 */
static int loses_data(int code) {
  return code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE ||
         code == JWRN_ARITH_BAD_CODE || code == JWRN_MUST_RESYNC || code == JWRN_TOO_MUCH_DATA;
}

static void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return; /* trace messages */
  struct decoder *decoder = (struct decoder *)cinfo;
  if (decoder->strict && loses_data(cinfo->err->msg_code)) jpeg_fail(cinfo, FAIL_CORRUPT);
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

static struct decoder decoder;
static struct source source;
static int jpeg_open;        /* decoder holds a started decompression */
static uint8_t *strip;       /* jpeg_begin's row strip */
static uint32_t strip_rows;
static uint32_t strip_first, strip_count; /* the strip holds rows [strip_first, strip_first + strip_count) */

static void record_jpeg_result(struct jpeg_decompress_struct *cinfo, uint8_t *data) {
  result.width = cinfo->output_width;
  result.height = cinfo->output_height;
  result.data = (uint32_t)(uintptr_t)data;
  result.source_width = cinfo->image_width;
  result.source_height = cinfo->image_height;
  result.color_space = (uint32_t)cinfo->jpeg_color_space;
  result.flags = (jpeg_has_multiple_scans(cinfo) ? 1u : 0u) | (cinfo->saw_Adobe_marker ? 2u : 0u);
  result.input_bytes_in_heap = INPUT_CHUNK;
}

/* Reads the header, sets the scale and starts decompressing (a progressive file is read whole here). */
static struct jpeg_decompress_struct *jpeg_start(uint32_t denom, uint32_t max_work_bytes, uint32_t strict) {
  struct jpeg_decompress_struct *cinfo = &decoder.cinfo;
  if (jpeg_open) fail(FAIL_STATE, "a JPEG decode is already open in this instance");
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
  return cinfo;
}

static void jpeg_check_output(struct jpeg_decompress_struct *cinfo, uint64_t bytes, uint32_t max_output_bytes) {
  if (bytes > max_output_bytes) {
    char message[160];
    snprintf(message, sizeof message, "a %ux%u decode needs %llu bytes, over the limit of %u",
             cinfo->output_width, cinfo->output_height, (unsigned long long)bytes, max_output_bytes);
    fail(FAIL_TOO_LARGE, message);
  }
}

/* Decodes the next n (<= rows left) scanlines into out, converting CMYK. */
static void jpeg_rows(struct jpeg_decompress_struct *cinfo, uint8_t *out, uint32_t n) {
  size_t stride = (size_t)cinfo->output_width * 4;
  uint32_t done = 0;
  while (done < n) {
    JSAMPROW rows[4];
    uint32_t k = 0;
    for (; k < 4 && done + k < n; k++) rows[k] = out + (size_t)(done + k) * stride;
    done += jpeg_read_scanlines(cinfo, rows, (JDIMENSION)k);
  }
  if (cinfo->out_color_space == JCS_CMYK) cmyk_to_rgba(out, (size_t)cinfo->output_width * n);
}

/* Reads to EOI (a truncated tail is a warning, so an error when strict) and frees libjpeg's memory. */
static void jpeg_close(struct jpeg_decompress_struct *cinfo) {
  jpeg_finish_decompress(cinfo);
  jpeg_destroy_decompress(cinfo);
}

/*
 * Decodes the JPEG that scaled_read() delivers at 1/denom of its size (denom 1, 2, 4 or 8; libjpeg makes it
 * ceil(width / denom) x ceil(height / denom)) to RGBA, in stored orientation. Refuses an output larger than
 * max_output_bytes, and working memory (coefficient buffers etc.) beyond max_work_bytes.
 */
EXPORT(decode_jpeg) void *decode_jpeg(uint32_t denom, uint32_t max_output_bytes, uint32_t max_work_bytes,
                                      uint32_t strict) {
  struct jpeg_decompress_struct *cinfo = jpeg_start(denom, max_work_bytes, strict);
  uint64_t out_bytes = (uint64_t)cinfo->output_width * cinfo->output_height * 4;
  jpeg_check_output(cinfo, out_bytes, max_output_bytes);
  uint8_t *out = malloc((size_t)out_bytes);
  if (!out) fail(FAIL_NO_MEMORY, "out of memory for the decoded pixels");
  jpeg_start_decompress(cinfo);
  if (cinfo->output_components != 4) fail(FAIL_JPEG, "unexpected number of output components");
  jpeg_rows(cinfo, out, cinfo->output_height);
  record_jpeg_result(cinfo, out);
  jpeg_close(cinfo);
  return &result;
}

/*
 * Starts a streamed decode at 1/denom: the result says the output size and `data` is a strip of `rows` RGBA rows
 * that jpeg_read_strip() refills, so the decoded image never exists whole. max_strip_bytes bounds the strip.
 */
EXPORT(jpeg_begin) void *jpeg_begin(uint32_t denom, uint32_t rows, uint32_t max_strip_bytes, uint32_t max_work_bytes,
                                    uint32_t strict) {
  struct jpeg_decompress_struct *cinfo = jpeg_start(denom, max_work_bytes, strict);
  if (rows == 0) fail(FAIL_STATE, "a strip needs at least one row");
  uint64_t strip_bytes = (uint64_t)cinfo->output_width * rows * 4;
  jpeg_check_output(cinfo, strip_bytes, max_strip_bytes);
  jpeg_start_decompress(cinfo);
  if (cinfo->output_components != 4) fail(FAIL_JPEG, "unexpected number of output components");
  strip = malloc((size_t)strip_bytes);
  if (!strip) fail(FAIL_NO_MEMORY, "out of memory for a strip of rows");
  strip_rows = rows;
  strip_first = strip_count = 0;
  jpeg_open = 1;
  record_jpeg_result(cinfo, strip);
  return &result;
}

/* Decodes the next rows into the strip; returns how many (0 once every row has been read). */
EXPORT(jpeg_read_strip) uint32_t jpeg_read_strip(void) {
  struct jpeg_decompress_struct *cinfo = &decoder.cinfo;
  if (!jpeg_open) fail(FAIL_STATE, "no JPEG decode is open");
  uint32_t left = cinfo->output_height - cinfo->output_scanline;
  uint32_t n = left < strip_rows ? left : strip_rows;
  if (n) jpeg_rows(cinfo, strip, n);
  strip_first += strip_count;
  strip_count = n;
  return n;
}

/* For resample.c: row y of the open stream, reading strips up to it; valid until the strip moves on. */
const uint8_t *jpeg_row(uint32_t y) {
  if (!jpeg_open) fail(FAIL_STATE, "no JPEG decode is open");
  if (y < strip_first) fail(FAIL_STATE, "a JPEG stream row was asked for after the strip moved past it");
  while (y >= strip_first + strip_count) {
    if (!jpeg_read_strip()) fail(FAIL_STATE, "the JPEG stream ended before the row asked for");
  }
  return strip + (size_t)(y - strip_first) * decoder.cinfo.output_width * 4;
}

/* For resample.c: the open stream's output size; 0 when no stream is open. */
int jpeg_stream_size(uint32_t *width, uint32_t *height) {
  if (!jpeg_open) return 0;
  *width = decoder.cinfo.output_width;
  *height = decoder.cinfo.output_height;
  return 1;
}

/* Reads whatever rows are left (so a truncated tail is still found), checks the end of the file, frees. */
EXPORT(jpeg_end) void jpeg_end(void) {
  struct jpeg_decompress_struct *cinfo = &decoder.cinfo;
  if (!jpeg_open) fail(FAIL_STATE, "no JPEG decode is open");
  while (jpeg_read_strip()) {
  }
  jpeg_close(cinfo);
  free(strip);
  strip = NULL;
  jpeg_open = 0;
}

/* ---------------------------------------------------------------- WebP */

/* Memory for the loader: the WebP file to decode, pixels for the resizer to write, pixels to encode. */
EXPORT(alloc) void *alloc(uint32_t size) {
  void *p = malloc(size ? size : 1);
  if (!p) fail(FAIL_NO_MEMORY, "out of memory");
  return p;
}

EXPORT(release) void release(void *p) { free(p); }

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

/* ---------------------------------------------------------------- WebP encoding */

static struct encoded encoded;

/* Whether linear memory is within 8 MiB of the module's maximum (MAX_MEMORY_BYTES, from build.sh). */
static int memory_nearly_full(void) {
  return (uint64_t)__builtin_wasm_memory_size(0) * 65536 + (8u << 20) >= (uint64_t)MAX_MEMORY_BYTES;
}

static const char *webp_encode_error(WebPEncodingError error) {
  switch (error) {
    case VP8_ENC_ERROR_OUT_OF_MEMORY: return "out of memory";
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY: return "out of memory for the bitstream";
    case VP8_ENC_ERROR_BAD_DIMENSION: return "bad dimension";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW: return "partition 0 overflow";
    case VP8_ENC_ERROR_PARTITION_OVERFLOW: return "partition overflow";
    case VP8_ENC_ERROR_FILE_TOO_BIG: return "file too big";
    default: return "encoder error";
  }
}

/*
 * Encodes width x height RGBA at rgba (from alloc()) as lossy WebP with libwebp's defaults and the given quality,
 * method and alpha quality (as jSquash's encoder does). When take_input is set the RGBA is freed as soon as it has
 * been converted to YUV, so the encoder's own buffers reuse its memory. Returns {size, data}; data is malloc'd.
 */
EXPORT(encode_webp) void *encode_webp(uint8_t *rgba, uint32_t width, uint32_t height, uint32_t quality, uint32_t method,
                                      uint32_t alpha_quality, uint32_t take_input) {
  WebPConfig config;
  if (!WebPConfigInit(&config)) fail(FAIL_WEBP, "libwebp version mismatch");
  config.quality = (float)quality;
  config.method = (int)method;
  config.alpha_quality = (int)alpha_quality;
  if (!WebPValidateConfig(&config)) fail(FAIL_WEBP, "invalid WebP encoder settings");
  if (width == 0 || height == 0 || width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION)
    fail(FAIL_WEBP, "WebP dimensions must be 1..16383");

  WebPPicture picture;
  if (!WebPPictureInit(&picture)) fail(FAIL_WEBP, "libwebp version mismatch");
  picture.width = (int)width;
  picture.height = (int)height;
  if (!WebPPictureImportRGBA(&picture, rgba, (int)width * 4)) fail(FAIL_NO_MEMORY, "out of memory converting to YUV");
  if (take_input) free(rgba);

  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  if (!WebPEncode(&config, &picture)) {
    /* libwebp 1.2.4's alpha encoder fails without setting error_code when an allocation fails: a failure with
       memory at the module's cap is taken as out of memory. */
    int out_of_memory = picture.error_code == VP8_ENC_ERROR_OUT_OF_MEMORY ||
                        (picture.error_code == VP8_ENC_OK && memory_nearly_full());
    char message[160];
    snprintf(message, sizeof message, "WebP encode: %s (error %d)",
             out_of_memory ? "out of memory" : webp_encode_error(picture.error_code), (int)picture.error_code);
    fail(out_of_memory ? FAIL_NO_MEMORY : FAIL_WEBP, message);
  }
  WebPPictureFree(&picture);
  encoded.size = (uint32_t)writer.size;
  encoded.data = (uint32_t)(uintptr_t)writer.mem;
  return &encoded;
}

/* For tests: a WebAssembly trap, to show a trapped instance does not affect the next decode. */
EXPORT(debug_trap) void debug_trap(void) { __builtin_trap(); }
