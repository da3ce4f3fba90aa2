/*
 * The AVIF decoder of the image worker's native module: libavif 0.11.1's reader with dav1d 1.0.0's AV1 decoder
 * (Debian bookworm's sources, C only, one thread, 8 and 16 bits per component; avif-dav1d-release.c closes each
 * dav1d decoder once its picture is out), compiled into the same reactor as avif.c
 * (which has the shared glue: libavif's allocator, longjmp, the fopen/printf/time stubs).
 *
 * avif_begin / avif_read_strip / avif_end mirror png.c's stream: the whole file is in the module's memory (libavif
 * reads boxes at random offsets), the primary image (frame 0 of a sequence) is decoded to YUV once, and the YUV is
 * converted to 8-bit straight-alpha RGBA a strip of rows at a time into the buffer the resampler (resample.c, through
 * open_stream_row) or the loader reads. So the decoded YUV (and alpha) planes are the only full-size buffers.
 *
 * What libavif does here: 8/10/12-bit, 4:0:0/4:2:0/4:2:2/4:4:4, an alpha auxiliary image (full range; limited-range
 * alpha converted), the premultiplied-alpha flag (`prem`: unpremultiplied to straight alpha by the conversion), grids
 * (tiles placed in the order the `dimg` references declare), `nclx` matrix coefficients and range (YUV to RGB uses
 * them; identity, YCgCo and the BT.* matrices). `irot`/`imir` and `clap` are not applied: pixels come out in stored
 * orientation, as the worker's orient step expects (it reads irot/imir from the container itself). ICC and Exif are
 * the worker's business too (ignored here).
 *
 * Chroma upsampling is libavif's bilinear; a strip is converted with two extra luma rows above and below (which
 * bilinear 4:2:0 reads), so strip-wise output is identical to converting the whole frame at once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avif/avif.h"

#include "scaled.h"

/* Rows of context above and below a strip for the chroma upsampler. */
#define PAD_ROWS 2

static struct {
  uint32_t width, height, data, source_width, source_height, color_space, flags, input_bytes_in_heap;
} report;

static struct {
  int open;
  avifDecoder *decoder;
  uint8_t *input;
  uint32_t width, height;
  /* PAD_ROWS + strip_rows + PAD_ROWS rows of RGBA; the strip is the middle. */
  uint8_t *buffer, *strip;
  uint32_t strip_rows, strip_first, strip_count, rows_done;
} av;

static __attribute__((noreturn)) void avif_decode_fail(const char *what, avifResult result) {
  char message[400];
  const char *detail = av.decoder ? av.decoder->diag.error : "";
  snprintf(message, sizeof message, "AVIF %s: %s%s%s", what, avifResultToString(result), detail[0] ? ": " : "", detail);
  int code = FAIL_AVIF;
  /* libavif's imageSizeLimit / imageDimensionLimit refusals are parse failures; they are our limits. */
  if (strstr(detail, "too large")) code = FAIL_TOO_LARGE;
  else switch (result) {
    case AVIF_RESULT_OUT_OF_MEMORY: code = FAIL_NO_MEMORY; break;
    case AVIF_RESULT_TRUNCATED_DATA:
    case AVIF_RESULT_BMFF_PARSE_FAILED:
    case AVIF_RESULT_DECODE_COLOR_FAILED:
    case AVIF_RESULT_DECODE_ALPHA_FAILED:
    case AVIF_RESULT_INVALID_IMAGE_GRID:
    case AVIF_RESULT_NO_AV1_ITEMS_FOUND:
    case AVIF_RESULT_COLOR_ALPHA_SIZE_MISMATCH:
    case AVIF_RESULT_ISPE_SIZE_MISMATCH:
    case AVIF_RESULT_INVALID_FTYP:
    case AVIF_RESULT_NO_CONTENT:
    case AVIF_RESULT_NO_IMAGES_REMAINING: code = FAIL_CORRUPT; break;
    case AVIF_RESULT_NOT_IMPLEMENTED:
    case AVIF_RESULT_UNKNOWN_ERROR: code = FAIL_UNSUPPORTED; break;
    default: break;
  }
  fail(code, message);
}

/* Converts rows [first, first + count) of the decoded image into the strip (count <= strip_rows). */
static void convert(uint32_t first, uint32_t count) {
  avifImage *image = av.decoder->image;
  uint32_t top = first >= PAD_ROWS ? first - PAD_ROWS : 0;
  uint32_t end = first + count + PAD_ROWS < av.height ? first + count + PAD_ROWS : av.height;
  avifCropRect rect = {0, top, av.width, end - top};
  avifImage view;
  memset(&view, 0, sizeof view);
  avifResult result = avifImageSetViewRect(&view, image, &rect);
  if (result != AVIF_RESULT_OK) avif_decode_fail("view", result);
  avifRGBImage rgb;
  avifRGBImageSetDefaults(&rgb, &view);
  rgb.format = AVIF_RGB_FORMAT_RGBA;
  rgb.depth = 8;
  rgb.chromaUpsampling = AVIF_CHROMA_UPSAMPLING_BILINEAR;
  rgb.alphaPremultiplied = AVIF_FALSE; /* straight alpha out, whatever the file's `prem` says */
  rgb.rowBytes = av.width * 4;
  /* Row `top` lands PAD_ROWS - (first - top) rows into the buffer, so row `first` is the strip's first. */
  rgb.pixels = av.strip - (size_t)(first - top) * rgb.rowBytes;
  result = avifImageYUVToRGB(&view, &rgb);
  if (result != AVIF_RESULT_OK) avif_decode_fail("YUV to RGB", result);
}

static void close_avif(void) {
  if (av.decoder) avifDecoderDestroy(av.decoder);
  free(av.buffer);
  free(av.input);
  memset(&av, 0, sizeof av);
}

/*
 * Starts a streamed decode of the AVIF in input[0..size) (from alloc(); this decode owns and frees it). Refuses
 * (FAIL_TOO_LARGE) an image over max_pixels before decoding and a strip over max_strip_bytes; libavif's own
 * limits (imageSizeLimit, imageDimensionLimit) are set to the same, so no tile or sequence header can claim more.
 * The report's data is a strip of `rows` RGBA rows that avif_read_strip() refills; color_space is the bit depth
 * (bits 0-7), libavif's pixel format (8-15), and the nclx matrix coefficients (16-23); flags bit 2 says alpha.
 */
EXPORT(avif_begin) void *avif_begin(uint8_t *input, uint32_t size, uint32_t rows, uint32_t max_strip_bytes, uint32_t max_pixels) {
  uint32_t w, h;
  if (av.open || open_stream_size(&w, &h)) fail(FAIL_STATE, "a stream is already open in this instance");
  if (rows == 0 || rows % 2) fail(FAIL_STATE, "an AVIF strip needs an even number of rows (4:2:0 chroma rows)");
  memset(&av, 0, sizeof av);
  av.open = 1;
  av.input = input;
  av.decoder = avifDecoderCreate();
  if (!av.decoder) fail(FAIL_NO_MEMORY, "out of memory for the AVIF decoder");
  avifDecoder *decoder = av.decoder;
  decoder->codecChoice = AVIF_CODEC_CHOICE_DAV1D; /* dav1d decodes; libaom is linked for encoding only */
  decoder->maxThreads = 1;
  decoder->ignoreExif = AVIF_TRUE;
  decoder->ignoreXMP = AVIF_TRUE;
  /* As lenient as libheif (sharp): files without `pixi`, with an odd `clap`, or alpha without `ispe` still decode. */
  decoder->strictFlags = AVIF_STRICT_DISABLED;
  decoder->imageSizeLimit = max_pixels;
  decoder->imageDimensionLimit = 65535;
  avifResult result = avifDecoderSetIOMemory(decoder, input, size);
  if (result != AVIF_RESULT_OK) avif_decode_fail("input", result);
  result = avifDecoderParse(decoder);
  if (result != AVIF_RESULT_OK) avif_decode_fail("parse", result);
  avifImage *image = decoder->image;
  if ((uint64_t)image->width * image->height > max_pixels) {
    char message[160];
    snprintf(message, sizeof message, "the AVIF is %ux%u, over the limit of %u pixels", image->width, image->height, max_pixels);
    fail(FAIL_TOO_LARGE, message);
  }
  uint64_t strip_bytes = (uint64_t)image->width * rows * 4;
  if (strip_bytes > max_strip_bytes) fail(FAIL_TOO_LARGE, "a strip of rows is over the limit");
  result = avifDecoderNextImage(decoder);
  if (result != AVIF_RESULT_OK) avif_decode_fail("decode", result);
  image = decoder->image;
  if (!image->yuvPlanes[AVIF_CHAN_Y] || image->width == 0 || image->height == 0) fail(FAIL_CORRUPT, "the AVIF decoded to no pixels");
  if ((uint64_t)image->width * image->height > max_pixels) fail(FAIL_TOO_LARGE, "the AVIF decoded larger than the limit");
  av.width = image->width;
  av.height = image->height;
  av.strip_rows = rows;
  av.buffer = malloc((size_t)image->width * 4 * (rows + 2 * PAD_ROWS));
  if (!av.buffer) fail(FAIL_NO_MEMORY, "out of memory for AVIF rows");
  av.strip = av.buffer + (size_t)image->width * 4 * PAD_ROWS;

  report.width = report.source_width = av.width;
  report.height = report.source_height = av.height;
  report.data = (uint32_t)(uintptr_t)av.strip;
  report.color_space = (image->depth & 0xff) | ((uint32_t)image->yuvFormat & 0xff) << 8 | ((uint32_t)image->matrixCoefficients & 0xff) << 16;
  report.flags = image->alphaPlane ? 4u : 0u;
  report.input_bytes_in_heap = size;
  return &report;
}

/* Converts the next rows into the strip; returns how many (0 once every row has been read). */
EXPORT(avif_read_strip) uint32_t avif_read_strip(void) {
  if (!av.open) fail(FAIL_STATE, "no AVIF decode is open");
  uint32_t left = av.height - av.rows_done;
  uint32_t n = left < av.strip_rows ? left : av.strip_rows;
  if (n) convert(av.rows_done, n);
  av.strip_first = av.rows_done;
  av.strip_count = n;
  av.rows_done += n;
  return n;
}

/* Frees the decoder, its planes, the strip and the input. */
EXPORT(avif_end) void avif_end(void) {
  if (!av.open) fail(FAIL_STATE, "no AVIF decode is open");
  close_avif();
}

/* For png.c's open_stream_size/open_stream_row: the open AVIF stream's size, and its rows in order. */
int avif_stream_size(uint32_t *width, uint32_t *height) {
  if (!av.open || !av.width) return 0;
  *width = av.width;
  *height = av.height;
  return 1;
}

const uint8_t *avif_row(uint32_t y) {
  if (y < av.strip_first) fail(FAIL_STATE, "an AVIF stream row was asked for after the strip moved past it");
  while (y >= av.strip_first + av.strip_count) {
    if (!avif_read_strip()) fail(FAIL_STATE, "the AVIF stream ended before the row asked for");
  }
  return av.strip + (size_t)(y - av.strip_first) * av.width * 4;
}
