/*
 * The JPEG encoder of the image worker's native module: libjpeg-turbo 2.1.5's compressor (Debian's source, the same
 * library as scaled.c's decoder, no SIMD), compiled into the same glue-free wasm32-wasi reactor (native/build.sh).
 * The RGBA to encode is already in the instance's linear memory (decoded and resized there, or copied in through
 * alloc()); libjpeg reads its rows in place (JCS_EXT_RGBX: the alpha byte is skipped, the pipeline flattens alpha
 * before a JPEG encode) and, with take_input, it is freed as soon as the last row has been read, so the Huffman
 * passes and the growing output reuse its memory.
 *
 * With optimize_coding (always on here) and with progressive scans, libjpeg buffers the whole image's DCT
 * coefficients (~3 bytes per pixel at 4:2:0) and only writes the file in jpeg_finish_compress(): the peak is the RGBA
 * plus the coefficients, never the RGBA plus the output.
 *
 * Same error model as scaled.c: libjpeg's errors go through jpeg_fail() (scaled.h) to scaled_fail(), which throws
 * through these frames; the instance is then discarded.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jpeglib.h"
#include "jerror.h"

#include "scaled.h"

/* libjpeg's own working-memory budget (max_memory_to_use): beyond it, FAIL_TOO_LARGE (JERR_NO_BACKING_STORE). The
   coefficients of a 4:2:0 image are ~3 bytes per pixel, so this allows ~16 MP. */
#define ENCODE_MAX_WORK_BYTES (48u << 20)

/* The output buffer's first size; it grows by half again (realloc) whenever full. */
#define OUTPUT_START 16384

struct destination {
  struct jpeg_destination_mgr pub;
  JOCTET *buffer;
  size_t capacity;
};

struct encoder {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr err;
  struct destination dest;
};

static struct encoder encoder;
static struct encoded encoded;

/*
 * jsimd-wasm.c's switch to zig-zag-ordered coefficient blocks for progressive encodes; this no-op stands in for it in
 * a build without those kernels (SIMD=0).
 */
__attribute__((weak)) void jsimd_wasm_zigzag_blocks(int on) { (void)on; }

/* jsimd-wasm.c's records of the refinement scans' preparation (up to `blocks` blocks a scan; 0: none, and freed). */
__attribute__((weak)) void jsimd_wasm_refine_records(uint32_t blocks) { (void)blocks; }

static void on_error_exit(j_common_ptr cinfo) { jpeg_fail(cinfo, FAIL_JPEG); }

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void destination_init(j_compress_ptr cinfo) {
  struct destination *dest = (struct destination *)cinfo->dest;
  dest->buffer = malloc(OUTPUT_START);
  if (!dest->buffer) fail(FAIL_NO_MEMORY, "out of memory for the JPEG output");
  dest->capacity = OUTPUT_START;
  dest->pub.next_output_byte = dest->buffer;
  dest->pub.free_in_buffer = dest->capacity;
}

/* Called when the buffer is full (free_in_buffer is 0): grow it by half and carry on after what was written. */
static boolean destination_empty(j_compress_ptr cinfo) {
  struct destination *dest = (struct destination *)cinfo->dest;
  size_t used = dest->capacity, capacity = used + used / 2;
  if (capacity <= used) fail(FAIL_TOO_LARGE, "the JPEG output is too large");
  JOCTET *buffer = realloc(dest->buffer, capacity);
  if (!buffer) fail(FAIL_NO_MEMORY, "out of memory for the JPEG output");
  dest->buffer = buffer;
  dest->capacity = capacity;
  dest->pub.next_output_byte = buffer + used;
  dest->pub.free_in_buffer = capacity - used;
  return TRUE;
}

static void destination_term(j_compress_ptr cinfo) { (void)cinfo; }

/*
 * Encodes width x height RGBA at rgba (from alloc(), rows of width * 4 bytes; alpha ignored) as an 8-bit YCbCr 4:2:0
 * JFIF with libjpeg's standard tables scaled to `quality` (1..100, jpeg_set_quality with baseline-compatible tables),
 * optimised Huffman tables, and progressive scans (jpeg_simple_progression) when `progressive` is set, else one
 * baseline sequential scan. The DCT is libjpeg's default (JDCT_ISLOW). When take_input is set the RGBA is freed as
 * soon as libjpeg has read its last row. Returns {size, data}; data is malloc'd (the caller frees it with release()).
 * Fails with FAIL_JPEG for bad arguments (quality, dimensions over 65500), FAIL_TOO_LARGE when the coefficient
 * buffers exceed ENCODE_MAX_WORK_BYTES, FAIL_NO_MEMORY at the module's memory cap.
 */
EXPORT(encode_jpeg) void *encode_jpeg(uint8_t *rgba, uint32_t width, uint32_t height, uint32_t quality,
                                      uint32_t progressive, uint32_t take_input) {
  struct jpeg_compress_struct *cinfo = &encoder.cinfo;
  if (quality < 1 || quality > 100) fail(FAIL_JPEG, "JPEG quality must be 1..100");
  if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION)
    fail(FAIL_JPEG, "JPEG dimensions must be 1..65500");

  memset(&encoder, 0, sizeof encoder);
  cinfo->err = jpeg_std_error(&encoder.err);
  encoder.err.error_exit = on_error_exit;
  encoder.err.output_message = on_output_message; /* warnings are only counted (jpeg_std_error's emit_message) */
  jpeg_create_compress(cinfo);
  cinfo->mem->max_memory_to_use = (long)ENCODE_MAX_WORK_BYTES;

  encoder.dest.pub.init_destination = destination_init;
  encoder.dest.pub.empty_output_buffer = destination_empty;
  encoder.dest.pub.term_destination = destination_term;
  cinfo->dest = &encoder.dest.pub;

  cinfo->image_width = width;
  cinfo->image_height = height;
  cinfo->input_components = 4;
  cinfo->in_color_space = JCS_EXT_RGBX;
  jpeg_set_defaults(cinfo); /* YCbCr, 2x2 luma sampling (4:2:0), JDCT_ISLOW, JFIF header */
  jpeg_set_quality(cinfo, (int)quality, TRUE);
  cinfo->optimize_coding = TRUE;
  if (progressive) jpeg_simple_progression(cinfo);
  jsimd_wasm_zigzag_blocks(progressive != 0);
  /* An AC scan covers one component: at most the luma's blocks, one per 8x8 pixels (2x2 sampled). */
  jsimd_wasm_refine_records(progressive ? ((width + 7) / 8) * ((height + 7) / 8) : 0);

  jpeg_start_compress(cinfo, TRUE);
  size_t stride = (size_t)width * 4;
  while (cinfo->next_scanline < cinfo->image_height) {
    JSAMPROW rows[16];
    JDIMENSION n = 0;
    for (; n < 16 && cinfo->next_scanline + n < cinfo->image_height; n++)
      rows[n] = rgba + (size_t)(cinfo->next_scanline + n) * stride;
    jpeg_write_scanlines(cinfo, rows, n);
  }
  /* Every row has been read into the coefficient buffers (optimize_coding keeps them whole): the RGBA is done with. */
  if (take_input) free(rgba);
  jpeg_finish_compress(cinfo); /* the Huffman statistics pass(es) and the output pass */
  jsimd_wasm_refine_records(0);

  encoded.size = (uint32_t)(encoder.dest.capacity - encoder.dest.pub.free_in_buffer);
  encoded.data = (uint32_t)(uintptr_t)encoder.dest.buffer;
  jpeg_destroy_compress(cinfo);
  return &encoded;
}
