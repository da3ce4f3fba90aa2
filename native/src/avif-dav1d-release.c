/*
 * Lets go of each dav1d decoder as soon as its image is out, for the AVIF decoder (avif-decode.c). libavif 0.11.1
 * keeps one dav1d decoder per AV1 image (the colour image, the alpha image, every grid tile) open until the whole
 * avifDecoder is destroyed; each holds its frame-level state (loop-filter masks and levels, CDEF/restoration line
 * buffers, segmentation and motion-vector maps, tile contexts) besides the picture libavif's planes point into.
 *
 * codec_dav1d.c is compiled with -DavifCodecCreateDav1d=avifCodecCreateDav1dInner (native/build/avif.sh), and this
 * file's avifCodecCreateDav1d wraps it. After dav1d has given a still image's picture:
 *   - a grid tile (smaller than the image libavif parsed; libavif copies it into the assembled image later) is copied
 *     into planes the tile's avifImage owns, and the picture and the decoder are both freed at once, so the tiles'
 *     pictures do not pile up beside the assembled image;
 *   - any other image (the colour image, the alpha image, an opaque image) keeps its picture -- a dav1d picture is
 *     reference-counted and outlives its decoder (dav1d's picture pool is freed when its last picture comes back) --
 *     and only the decoder is closed: the colour image's state is gone before the alpha image is decoded, and the
 *     alpha image's before the pixels are resized and encoded.
 * Sequences (more than one image) keep their decoder, frame after frame.
 *
 * struct avifCodecInternal is codec_dav1d.c's (libavif 0.11.1, pinned by native/build/avif.sh): repeated here, since
 * libavif keeps it private. If libavif moves on, check it against codec_dav1d.c.
 */
#include <stdint.h>
#include <string.h>

#include "avif/internal.h"
#include "dav1d/dav1d.h"

#include "scaled.h"

struct avifCodecInternal {
  Dav1dContext *dav1dContext;
  Dav1dPicture dav1dPicture;
  avifBool hasPicture;
  avifRange colorRange;
};

avifCodec *avifCodecCreateDav1dInner(void);

static avifCodecGetNextImageFunc inner_get_next_image;

/* Copies `rows` rows of `bytes` each from src (stride src_stride) into a new tightly packed plane. */
static uint8_t *copy_plane(const uint8_t *src, uint32_t src_stride, uint32_t bytes, uint32_t rows) {
  uint8_t *dst = avifAlloc((size_t)bytes * rows); /* avifAlloc fails the decode (FAIL_NO_MEMORY) rather than return NULL */
  for (uint32_t y = 0; y < rows; y++) memcpy(dst + (size_t)y * bytes, src + (size_t)y * src_stride, bytes);
  return dst;
}

/* Makes the tile's planes its own copies, so dav1d's picture can go. */
static void own_planes(avifImage *image, avifBool alpha) {
  uint32_t sample_bytes = image->depth > 8 ? 2 : 1;
  if (alpha) {
    image->alphaPlane = copy_plane(image->alphaPlane, image->alphaRowBytes, image->width * sample_bytes, image->height);
    image->alphaRowBytes = image->width * sample_bytes;
    image->imageOwnsAlphaPlane = AVIF_TRUE;
    return;
  }
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

static avifBool get_next_image_then_close(struct avifCodec *codec, struct avifDecoder *decoder, const avifDecodeSample *sample,
                                          avifBool alpha, avifBool *isLimitedRangeAlpha, avifImage *image) {
  if (!inner_get_next_image(codec, decoder, sample, alpha, isLimitedRangeAlpha, image)) return AVIF_FALSE;
  if (decoder->imageCount > 1) return AVIF_TRUE; /* sequences reuse their decoder frame after frame */
  struct avifCodecInternal *internal = codec->internal;
  int tile = image->width != decoder->image->width || image->height != decoder->image->height;
  /* Limited-range alpha is converted by libavif in place, in the picture: a tile's then stays where it is. */
  if (tile && !(alpha && *isLimitedRangeAlpha)) {
    own_planes(image, alpha);
    if (internal->hasPicture) dav1d_picture_unref(&internal->dav1dPicture);
    internal->hasPicture = AVIF_FALSE;
  }
  /* dav1d_close() is codec_dav1d.c's destroyInternal's too; it leaves dav1dContext NULL, which that checks. */
  if (internal->dav1dContext) dav1d_close(&internal->dav1dContext);
  return AVIF_TRUE;
}

avifCodec *avifCodecCreateDav1d(void) {
  avifCodec *codec = avifCodecCreateDav1dInner();
  if (!codec) return NULL;
  inner_get_next_image = codec->getNextImage;
  codec->getNextImage = get_next_image_then_close;
  return codec;
}
