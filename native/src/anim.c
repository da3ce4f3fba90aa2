/*
 * Animated WebP in the module: an encoder fed one RGBA canvas at a time (libwebp's WebPAnimEncoder: it works out
 * each frame's changed rectangle, blending and disposal itself, so the caller only hands over full canvases and
 * their timestamps), and a reader that gives an animated WebP's frames as full canvases one at a time
 * (WebPAnimDecoder, which does the compositing: disposal, blending, frame offsets). At most one of each is open per
 * instance; a failure goes through scaled_fail() like everywhere else, and the instance is dropped (scaled.c).
 *
 * Memory: the encoder holds two canvases of its own plus the encoded frames so far; the reader holds the input,
 * its canvas and the previous canvas. The caller's canvas is copied in (encoder) or out (reader) per frame.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/webp/decode.h"
#include "src/webp/demux.h"
#include "src/webp/encode.h"
#include "src/webp/mux.h"

#include "scaled.h"

/* ---------------------------------------------------------------- encoder */

static WebPAnimEncoder *encoder;
static WebPConfig encoder_config;
static uint32_t encoder_width, encoder_height;
static struct encoded anim_encoded;

/*
 * Opens the encoder for width × height canvases: lossy at `quality` with `method` (as the still encoder), alpha
 * losslessly compressed at alpha_quality, `loop_count` as WebP stores it (0 = forever). Frame-to-frame optimisation
 * (sub-rectangles, blending, disposal) is WebPAnimEncoder's default; keyframes at its default spacing.
 */
EXPORT(anim_encoder_new) void anim_encoder_new(uint32_t width, uint32_t height, uint32_t quality, uint32_t method,
                                               uint32_t alpha_quality, uint32_t loop_count) {
  if (encoder) fail(FAIL_STATE, "an animation encoder is already open");
  if (width == 0 || height == 0 || width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION)
    fail(FAIL_WEBP, "WebP dimensions must be 1..16383");
  if (!WebPConfigInit(&encoder_config)) fail(FAIL_WEBP, "libwebp version mismatch");
  encoder_config.quality = (float)quality;
  encoder_config.method = (int)method;
  encoder_config.alpha_quality = (int)alpha_quality;
  if (!WebPValidateConfig(&encoder_config)) fail(FAIL_WEBP, "invalid WebP encoder settings");
  WebPAnimEncoderOptions options;
  if (!WebPAnimEncoderOptionsInit(&options)) fail(FAIL_WEBP, "libwebp version mismatch");
  options.anim_params.loop_count = (int)loop_count;
  options.anim_params.bgcolor = 0; /* transparent; browsers ignore it anyway */
  options.allow_mixed = 0;         /* lossy frames only: mixed would encode each frame twice */
  options.minimize_size = 0;
  options.verbose = 0;
  encoder = WebPAnimEncoderNew((int)width, (int)height, &options);
  if (!encoder) fail(FAIL_NO_MEMORY, "out of memory opening the animation encoder");
  encoder_width = width;
  encoder_height = height;
}

/* Adds one full canvas (width × height RGBA, not premultiplied) shown from `timestamp_ms`; the canvas stays the caller's. */
EXPORT(anim_encoder_add) void anim_encoder_add(const uint8_t *rgba, uint32_t timestamp_ms) {
  if (!encoder) fail(FAIL_STATE, "no animation encoder is open");
  WebPPicture picture;
  if (!WebPPictureInit(&picture)) fail(FAIL_WEBP, "libwebp version mismatch");
  picture.width = (int)encoder_width;
  picture.height = (int)encoder_height;
  picture.use_argb = 1;
  if (!WebPPictureImportRGBA(&picture, rgba, (int)encoder_width * 4)) fail(FAIL_NO_MEMORY, "out of memory importing a frame");
  if (!WebPAnimEncoderAdd(encoder, &picture, (int)timestamp_ms, &encoder_config)) {
    char message[200];
    snprintf(message, sizeof message, "animated WebP encode: %s (picture error %d)", WebPAnimEncoderGetError(encoder),
             (int)picture.error_code);
    fail(picture.error_code == VP8_ENC_ERROR_OUT_OF_MEMORY ? FAIL_NO_MEMORY : FAIL_WEBP, message);
  }
  WebPPictureFree(&picture);
}

/* Ends the animation at `end_ms` (the last frame's duration is end_ms minus its timestamp); returns {size, data}. */
EXPORT(anim_encoder_finish) void *anim_encoder_finish(uint32_t end_ms) {
  if (!encoder) fail(FAIL_STATE, "no animation encoder is open");
  if (!WebPAnimEncoderAdd(encoder, NULL, (int)end_ms, NULL)) fail(FAIL_WEBP, WebPAnimEncoderGetError(encoder));
  WebPData data;
  WebPDataInit(&data);
  if (!WebPAnimEncoderAssemble(encoder, &data)) fail(FAIL_WEBP, WebPAnimEncoderGetError(encoder));
  WebPAnimEncoderDelete(encoder);
  encoder = NULL;
  anim_encoded.size = (uint32_t)data.size;
  anim_encoded.data = (uint32_t)(uintptr_t)data.bytes; /* WebPMalloc is malloc: release() frees it */
  return &anim_encoded;
}

/* ---------------------------------------------------------------- reader */

static WebPAnimDecoder *reader;
static struct {
  uint32_t width, height, loop_count, frame_count;
} reader_info;

/*
 * Opens an animated (or still) WebP of `size` bytes at `input` (which must stay alive until anim_reader_end) for
 * reading as RGBA canvases; returns {width, height, loop_count, frame_count}.
 */
EXPORT(anim_reader_new) void *anim_reader_new(const uint8_t *input, uint32_t size) {
  if (reader) fail(FAIL_STATE, "an animation reader is already open");
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) fail(FAIL_WEBP, "libwebp version mismatch");
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  WebPData data = {input, size};
  reader = WebPAnimDecoderNew(&data, &options);
  if (!reader) fail(FAIL_WEBP, "the animated WebP could not be parsed (or out of memory)");
  WebPAnimInfo info;
  if (!WebPAnimDecoderGetInfo(reader, &info)) fail(FAIL_WEBP, "the animated WebP has no info");
  reader_info.width = info.canvas_width;
  reader_info.height = info.canvas_height;
  reader_info.loop_count = info.loop_count;
  reader_info.frame_count = info.frame_count;
  return &reader_info;
}

/*
 * Decodes the next frame and copies the whole canvas to `canvas` (width × height × 4 bytes); returns the time the
 * frame ends at (its timestamp plus its duration), in ms.
 */
EXPORT(anim_reader_next) uint32_t anim_reader_next(uint8_t *canvas) {
  if (!reader) fail(FAIL_STATE, "no animation reader is open");
  if (!WebPAnimDecoderHasMoreFrames(reader)) fail(FAIL_STATE, "the animation has no more frames");
  uint8_t *pixels;
  int timestamp;
  if (!WebPAnimDecoderGetNext(reader, &pixels, &timestamp)) fail(FAIL_WEBP, "a frame of the animated WebP could not be decoded");
  memcpy(canvas, pixels, (size_t)reader_info.width * reader_info.height * 4);
  return (uint32_t)timestamp;
}

/* Closes the reader (the input is the caller's to release). */
EXPORT(anim_reader_end) void anim_reader_end(void) {
  if (reader) WebPAnimDecoderDelete(reader);
  reader = NULL;
}
