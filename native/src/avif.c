/*
 * The AVIF encoder of the image worker's native module: libavif 0.11.1 (Debian bookworm) with libaom 3.14.1 (Debian
 * forky; encoder only, single thread, 8-bit), compiled into the same glue-free wasm32-wasi reactor as scaled.c
 * (native/build.sh). The RGBA to encode is already in the instance's linear memory (decoded and resized there, or
 * copied in through alloc()), and is freed as soon as it has been converted to YUV, so libaom's buffers reuse it:
 * a 1600x1600 encode needs ~61 MiB of linear memory in all, against ~84 MiB of heap plus two copies of the pixels
 * for jSquash's encoder (native/README.md has the numbers).
 *
 * Same error model as scaled.c: every failure calls the imported env.scaled_fail() (scaled.h), which throws through
 * these frames; the instance is then discarded. libaom's internal errors arrive through longjmp() (see
 * native/wasi-shim/setjmp.h), which is defined here to do the same.
 *
 * Adds no imports: fopen/printf/time are stubbed below so that nothing beyond scaled.c's WASI imports
 * (fd_close/fd_seek/fd_write/proc_exit) is pulled in.
 */
#include <errno.h>
#include <setjmp.h> /* native/wasi-shim/setjmp.h (wasi-libc has none): declares the longjmp defined below */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aom/aom_encoder.h"
#include "aom/aomcx.h"
#include "avif/avif.h"

#include "scaled.h"

int avif_rgba_to_yuv420(avifImage *image, const uint8_t *rgba, uint32_t row_bytes, int has_alpha);

/*
 * libaom reports internal errors (allocation failures, invalid state) with aom_internal_error(), which longjmp()s
 * back to the setjmp() in the encoder's entry point. Our setjmp() never returns twice (native/wasi-shim/setjmp.h),
 * so a longjmp() is the end of this instance: report and throw.
 */
__attribute__((noreturn)) void longjmp(jmp_buf env, int val) {
  (void)env;
  char message[80];
  snprintf(message, sizeof message, "libaom internal error (aom_codec_err_t %d)", val);
  fail(val == 2 /* AOM_CODEC_MEM_ERROR */ ? FAIL_NO_MEMORY : FAIL_AVIF, message);
}

/*
 * No file system and no clock. libaom references fopen() from debug/stat dumps and film-grain table files that
 * libavif never enables, and libavif's file reader (io.c) is decoder-only; wasi-libc's fopen() would drag in its
 * preopened-directory setup, a constructor importing fd_prestat_get/path_open/... Defining fopen here keeps the
 * module's WASI imports to fd_close/fd_seek/fd_write/proc_exit; so does printf() (libaom prints only from debug
 * paths, e.g. when the partition_info_path file it was never given is missing), which would otherwise pull in stdout
 * and its isatty() (fd_fdstat_get). time() is only used by libavif for image sequences' mvhd/tkhd timestamps; 0 keeps
 * the output reproducible and drops the clock_time_get import. These definitions replace wasi-libc's for the whole
 * module; libjpeg and libwebp (as scaled.c builds them) call none of the three.
 */
FILE *fopen(const char *restrict path, const char *restrict mode) {
  (void)path;
  (void)mode;
  errno = ENOENT;
  return NULL;
}

int printf(const char *restrict format, ...) {
  (void)format;
  return 0;
}

time_t time(time_t *t) {
  if (t) *t = 0;
  return 0;
}

/*
 * A still image's reconstructed frame is never a reference, so libaom need not apply its deblocking, CDEF and
 * restoration filters to it: AV1E_SET_SKIP_POSTPROC_FILTERING skips that work and still chooses and signals the same
 * filter parameters (the same bitstream). libavif 0.11.1 does not set it, and libaom has no string option for it, so
 * it is set on the way into every encode (--wrap in native/build/build.sh). libaom refuses it outside all-intra mode
 * (an image sequence's frames are references), and that refusal is ignored here.
 */
aom_codec_err_t __real_aom_codec_encode(aom_codec_ctx_t *ctx, const aom_image_t *img, aom_codec_pts_t pts,
                                        unsigned long duration, aom_enc_frame_flags_t flags);
aom_codec_err_t __wrap_aom_codec_encode(aom_codec_ctx_t *ctx, const aom_image_t *img, aom_codec_pts_t pts,
                                        unsigned long duration, aom_enc_frame_flags_t flags) {
  if (img) (void)aom_codec_control(ctx, AV1E_SET_SKIP_POSTPROC_FILTERING, 1u);
  return __real_aom_codec_encode(ctx, img, pts, duration, flags);
}

/*
 * libavif's allocator, replacing its src/mem.c (not compiled): that one calls abort() when malloc fails, which in
 * wasi-libc is a trap the loader cannot tell from a bug. Running out of the module's memory is FAIL_NO_MEMORY here,
 * as everywhere else in the module.
 */
void *avifAlloc(size_t size) {
  void *p = malloc(size);
  if (!p) fail(FAIL_NO_MEMORY, "out of memory in libavif");
  return p;
}

void avifFree(void *p) { free(p); }

static struct encoded encoded;

static __attribute__((noreturn)) void avif_fail(const char *what, avifResult result, const avifDiagnostics *diag) {
  char message[320];
  snprintf(message, sizeof message, "AVIF %s: %s%s%s", what, avifResultToString(result),
           diag && diag->error[0] ? ": " : "", diag ? diag->error : "");
  fail(result == AVIF_RESULT_OUT_OF_MEMORY ? FAIL_NO_MEMORY : FAIL_AVIF, message);
}

/*
 * Encodes width x height RGBA at rgba (from alloc(); straight alpha, rows of width * 4 bytes) as an 8-bit 4:2:0 AVIF
 * still image: one AV1 frame from libaom's all-intra mode (libavif 0.11.1 picks AOM_USAGE_ALL_INTRA for single
 * images: no lookahead, no reference frames), one thread. BT.601 full-range YUV, colour primaries and transfer left
 * unspecified (sRGB), as avifImageCreate() does.
 *
 * quality is 0..100 as libavif >= 1.0 (and jSquash) take it, mapped to the quantizer libavif 1.0 derives from it,
 * cq-level = ((100 - quality) * 63 + 50) / 100, with the full 0..63 min/max range, as libavif 1.0 does in AOM_Q
 * mode; 100 is quantizer 0 (libavif 1.0's "lossless" setting; the 4:2:0 conversion still loses). Alpha (when
 * has_alpha) gets the same quality, as jSquash's qualityAlpha = -1 does. has_alpha = 0 ignores the alpha channel:
 * opaque output, no alpha plane. speed is libavif's 0..10.
 *
 * When take_input is set the RGBA is freed as soon as it has been converted to YUV, so the encoder's buffers reuse its
 * memory. Returns a pointer to {uint32 size, uint32 data}; data is malloc'd (the caller frees it with release()).
 */
EXPORT(encode_avif) void *encode_avif(uint8_t *rgba, uint32_t width, uint32_t height, uint32_t quality, uint32_t speed,
                                      uint32_t has_alpha, uint32_t take_input) {
  if (width == 0 || height == 0 || width > 65536 || height > 65536) fail(FAIL_AVIF, "AVIF dimensions must be 1..65536");
  if (quality > 100 || speed > 10) fail(FAIL_AVIF, "AVIF quality must be 0..100 and speed 0..10");

  avifImage *image = avifImageCreate((int)width, (int)height, 8, AVIF_PIXEL_FORMAT_YUV420);
  if (!image) fail(FAIL_NO_MEMORY, "out of memory for the AVIF image");
  /* avifImageCreate's defaults, spelled out: full range, BT.601 matrix, unspecified primaries/transfer (sRGB). */
  image->yuvRange = AVIF_RANGE_FULL;
  image->matrixCoefficients = AVIF_MATRIX_COEFFICIENTS_BT601;

  avifRGBImage rgb;
  avifRGBImageSetDefaults(&rgb, image);
  rgb.format = AVIF_RGB_FORMAT_RGBA;
  rgb.depth = 8;
  rgb.ignoreAlpha = has_alpha ? AVIF_FALSE : AVIF_TRUE; /* opaque: no alpha plane, no alpha item */
  rgb.pixels = rgba;
  rgb.rowBytes = width * 4;
  /* avif-yuv.c: libavif's conversion, exactly, in SIMD (0: not its configuration, so libavif's own). */
  int converted = avif_rgba_to_yuv420(image, rgba, width * 4, has_alpha != 0);
  if (converted == 2) fail(FAIL_NO_MEMORY, "out of memory for the AVIF planes");
  avifResult result = converted ? AVIF_RESULT_OK : avifImageRGBToYUV(image, &rgb);
  if (result != AVIF_RESULT_OK) avif_fail("RGB to YUV", result, NULL);
  if (take_input) free(rgba);

  avifEncoder *encoder = avifEncoderCreate();
  if (!encoder) fail(FAIL_NO_MEMORY, "out of memory for the AVIF encoder");
  encoder->codecChoice = AVIF_CODEC_CHOICE_AOM;
  encoder->maxThreads = 1;
  encoder->speed = (int)speed;
  encoder->minQuantizer = AVIF_QUANTIZER_BEST_QUALITY;
  encoder->maxQuantizer = AVIF_QUANTIZER_WORST_QUALITY;
  encoder->minQuantizerAlpha = AVIF_QUANTIZER_BEST_QUALITY;
  encoder->maxQuantizerAlpha = AVIF_QUANTIZER_WORST_QUALITY;
  if (quality == 100) {
    /* libavif 1.0: quality 100 is quantizer 0 for min, max and cq-level. */
    encoder->minQuantizer = encoder->maxQuantizer = AVIF_QUANTIZER_LOSSLESS;
    encoder->minQuantizerAlpha = encoder->maxQuantizerAlpha = AVIF_QUANTIZER_LOSSLESS;
  } else {
    char cq[8];
    snprintf(cq, sizeof cq, "%u", ((100 - quality) * 63 + 50) / 100);
    /* No "color:"/"alpha:" prefix: for both. libavif 0.11.1 returns nothing here; a bad option fails the encode. */
    avifEncoderSetCodecSpecificOption(encoder, "cq-level", cq);
  }

  avifRWData output = AVIF_DATA_EMPTY;
  result = avifEncoderWrite(encoder, image, &output);
  if (result != AVIF_RESULT_OK) avif_fail("encode", result, &encoder->diag);
  avifEncoderDestroy(encoder);
  avifImageDestroy(image);
  encoded.size = (uint32_t)output.size;
  encoded.data = (uint32_t)(uintptr_t)output.data;
  return &encoded;
}
