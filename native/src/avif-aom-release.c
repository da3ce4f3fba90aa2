/*
 * Frees each libaom decoder as soon as its image is out, for the AVIF decoder (avif-decode.c). libavif 0.11.1 keeps
 * one libaom decoder per AV1 image (the colour image, the alpha image, every grid tile) alive until the whole
 * avifDecoder is destroyed, and each holds its frame buffer plus 160 bytes of block state per 4×4 pixels (10 bytes
 * per pixel). So an AVIF with alpha held two decoders' state at once, and a grid one per tile.
 *
 * codec_aom.c is compiled with -DavifCodecCreateAOM=avifCodecCreateAOMInner (native/build/avif.sh), and this file's
 * avifCodecCreateAOM wraps it: after libaom has decoded an image that is not the last one libavif will need from a
 * decoder -- the colour image when an alpha image follows, or a grid tile -- its planes are copied into buffers the
 * avifImage owns and the libaom decoder is destroyed at once. The last image (alpha, or the colour of an opaque
 * single image) stays in libaom's buffer, uncopied. The peak becomes the larger of the two decoders' (plus the copied
 * colour planes) instead of their sum. Encoding is untouched (the wrapper only replaces getNextImage).
 */
#include <stdint.h>
#include <string.h>

#include "avif/internal.h"

#include "scaled.h"

avifCodec *avifCodecCreateAOMInner(void);

static avifCodecGetNextImageFunc inner_get_next_image;
static avifCodecDestroyInternalFunc inner_destroy;

static void already_destroyed(avifCodec *codec) { (void)codec; }

/* Copies `rows` rows of `bytes` each from src (stride src_stride) into a new tightly packed plane. */
static uint8_t *copy_plane(const uint8_t *src, uint32_t src_stride, uint32_t bytes, uint32_t rows) {
  uint8_t *dst = avifAlloc((size_t)bytes * rows); /* avifAlloc fails the decode (FAIL_NO_MEMORY) rather than return NULL */
  for (uint32_t y = 0; y < rows; y++) memcpy(dst + (size_t)y * bytes, src + (size_t)y * src_stride, bytes);
  return dst;
}

static avifBool get_next_image_then_release(struct avifCodec *codec, struct avifDecoder *decoder, const avifDecodeSample *sample,
                                            avifBool alpha, avifBool *isLimitedRangeAlpha, avifImage *image) {
  if (!inner_get_next_image(codec, decoder, sample, alpha, isLimitedRangeAlpha, image)) return AVIF_FALSE;
  /* A grid tile is smaller than the image libavif parsed; a still's colour image is followed by its alpha image. */
  int tile = image->width != decoder->image->width || image->height != decoder->image->height;
  int more = tile || (!alpha && decoder->alphaPresent);
  if (!more || decoder->imageCount > 1) return AVIF_TRUE; /* sequences reuse their decoder frame after frame */
  if (alpha && *isLimitedRangeAlpha) return AVIF_TRUE;     /* libavif converts that in place, in libaom's buffer */
  uint32_t sample_bytes = image->depth > 8 ? 2 : 1;
  if (alpha) {
    uint8_t *plane = copy_plane(image->alphaPlane, image->alphaRowBytes, image->width * sample_bytes, image->height);
    image->alphaPlane = plane;
    image->alphaRowBytes = image->width * sample_bytes;
    image->imageOwnsAlphaPlane = AVIF_TRUE;
  } else {
    avifPixelFormatInfo info;
    avifGetPixelFormatInfo(image->yuvFormat, &info);
    uint8_t *planes[3] = {NULL, NULL, NULL};
    uint32_t strides[3] = {0, 0, 0};
    for (int c = 0; c < 3; c++) {
      if (!image->yuvPlanes[c] || !image->yuvRowBytes[c]) continue;
      uint32_t w = c == 0 ? image->width : (image->width + info.chromaShiftX) >> info.chromaShiftX;
      uint32_t h = c == 0 ? image->height : (image->height + info.chromaShiftY) >> info.chromaShiftY;
      planes[c] = copy_plane(image->yuvPlanes[c], image->yuvRowBytes[c], w * sample_bytes, h);
      strides[c] = w * sample_bytes;
    }
    for (int c = 0; c < 3; c++) {
      image->yuvPlanes[c] = planes[c];
      image->yuvRowBytes[c] = strides[c];
    }
    image->imageOwnsYUVPlanes = AVIF_TRUE;
  }
  /* The image no longer points into libaom's buffers: free the decoder (its frame pool and block state) now. */
  inner_destroy(codec);
  codec->internal = NULL;
  codec->destroyInternal = already_destroyed;
  return AVIF_TRUE;
}

avifCodec *avifCodecCreateAOM(void) {
  avifCodec *codec = avifCodecCreateAOMInner();
  if (!codec) return NULL;
  inner_get_next_image = codec->getNextImage;
  inner_destroy = codec->destroyInternal;
  codec->getNextImage = get_next_image_then_release;
  return codec;
}
