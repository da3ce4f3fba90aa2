/*
 * Colour conversion from a master's embedded ICC profile to sRGB with Little CMS 2.14 (Debian's lcms2), in place on
 * the module's RGBA8 pixels, alpha untouched:
 *
 *   const char *icc_transform(const uint8_t *profile, uint32_t size, uint8_t *rgba, uint32_t width, uint32_t height);
 *
 * Returns 0 when the pixels were converted, else a NUL-terminated reason (static storage, valid until the next
 * call) with the pixels left exactly as they were: the profile is unreadable, of a kind that cannot describe these
 * pixels (CMYK, Lab, a device link), or lcms2 refused it. It never calls scaled_fail(): a bad profile is not a bad
 * image, and the session stays usable.
 *
 * - Source: RGB profiles (matrix/TRC or LUT-based: A2B0/mAB, v2 or v4) on RGBA; grey profiles (grayTRC or a
 *   one-channel A2B0) on RGBA whose r = g = b (a grey master decoded to RGBA): the red byte is read as the grey value
 *   (refused when any pixel has r, g, b not all equal).
 * - Destination: lcms2's built-in sRGB (cmsCreate_sRGBProfile: v4, the IEC 61966-2-1 curve, D50-adapted primaries).
 * - Intent: perceptual, as skcms (Chromium, Android) reads profiles: a LUT-based profile's A2B0 (its perceptual
 *   table, the default intent), and for a matrix/TRC profile its matrix, which is the same for every intent
 *   (relative colorimetric; out-of-gamut colours clip). Black-point compensation is not requested (flags 0), but
 *   lcms2 applies it itself to v4 perceptual LUT profiles, whose PCS black is the ICC perceptual reference black
 *   (Y = 0.0034) mapped to sRGB's 0; skcms does not (the deepest shadows of such profiles may differ slightly in a browser).
 * - Memory: lcms2's allocations go through a memory-handler plug-in on a context of our own, on malloc, counted and
 *   capped at ICC_MAX_WORK_BYTES (a refusal, never an abort: lcms2 reports the failed allocation and the transform is
 *   not created). An 8-bit transform is optimised by lcms2 into a matrix-shaper or a prelinearised 33-point CLUT of
 *   a few hundred KB; the profiles are freed before returning, the transform is kept for the next call with the same
 *   profile (below) and freed when another replaces it or by icc_forget().
 * - Errors: lcms2's error log handler (cmsSetLogErrorHandlerTHR) keeps the first message for the reason.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcms2_plugin.h"
#include "scaled.h"

/*
 * No file system: profiles are opened from memory only. lcms2's cmsSaveProfileToFile (never called) references
 * remove(), and wasi-libc's would drag in its preopened-directory setup (fd_prestat_get, path_unlink_file, ...);
 * defined here, like avif.c's fopen(), it keeps the module's WASI imports as they were.
 */
int remove(const char *path) {
  (void)path;
  errno = ENOENT;
  return -1;
}

/* What one transform may hold in lcms2's allocations: a 1 MiB profile's tags read in, plus the optimised pipeline. */
#define ICC_MAX_WORK_BYTES (16u * 1024 * 1024)

static char reason[200];
static int have_error;
static size_t in_use;

/* A block: its size in a 16-byte header (keeps malloc's 16-byte alignment for lcms2's doubles). */
#define HEADER 16

static void *icc_malloc(cmsContext context, cmsUInt32Number size) {
  (void)context;
  if (size > ICC_MAX_WORK_BYTES - in_use) return NULL;
  uint8_t *p = malloc((size_t)size + HEADER);
  if (!p) return NULL;
  *(size_t *)p = size;
  in_use += size;
  return p + HEADER;
}

static void icc_free(cmsContext context, void *block) {
  (void)context;
  if (!block) return;
  uint8_t *p = (uint8_t *)block - HEADER;
  in_use -= *(size_t *)p;
  free(p);
}

static void *icc_realloc(cmsContext context, void *block, cmsUInt32Number size) {
  if (!block) return icc_malloc(context, size);
  uint8_t *p = (uint8_t *)block - HEADER;
  size_t old = *(size_t *)p;
  if (size > old && size - old > ICC_MAX_WORK_BYTES - in_use) return NULL;
  uint8_t *q = realloc(p, (size_t)size + HEADER);
  if (!q) return NULL;
  *(size_t *)q = size;
  in_use = in_use - old + size;
  return q + HEADER;
}

static cmsPluginMemHandler memory = {
    {cmsPluginMagicNumber, 2140, cmsPluginMemHandlerSig, NULL}, icc_malloc, icc_free, icc_realloc, NULL, NULL, NULL};

static void log_error(cmsContext context, cmsUInt32Number code, const char *text) {
  (void)context;
  (void)code;
  if (have_error) return;
  have_error = 1;
  snprintf(reason, sizeof reason, "lcms2: %s", text ? text : "error");
}

/* The reason for a refusal: lcms2's first logged error if there was one, else `fallback`. */
static const char *refuse(const char *fallback) {
  if (!have_error) snprintf(reason, sizeof reason, "%s", fallback);
  return reason;
}

/* Grey in the first byte of four (the decoded RGBA's red; green, blue and alpha are skipped). */
#define TYPE_GRAY_8_IN_RGBA (COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | BYTES_SH(1) | EXTRA_SH(3))

/*
 * The last transform made, kept for the next call with the same profile bytes (compared in full, not hashed): the
 * same master at other sizes, or the next photo from the same camera, skips lcms2's set-up, which for a LUT profile
 * (sampling the pipeline into its 33-point CLUT) is most of the work on a thumbnail. It stays in the instance's
 * memory (about 0.3 MB for a LUT profile, a few KB for a matrix one, plus the profile's copy) until the next
 * profile replaces it or icc_forget(). Profiles over CACHE_MAX_PROFILE are not kept.
 */
#define CACHE_MAX_PROFILE (256u * 1024)
static cmsContext cached_context;
static cmsHTRANSFORM cached_transform;
static cmsUInt32Number cached_input;
static uint8_t *cached_profile;
static uint32_t cached_size;

EXPORT(icc_forget) void icc_forget(void) {
  if (cached_transform) cmsDeleteTransform(cached_transform);
  if (cached_context) cmsDeleteContext(cached_context);
  free(cached_profile);
  cached_transform = NULL;
  cached_context = NULL;
  cached_profile = NULL;
  cached_size = 0;
}

/* Only on grey pixels: a grey profile on a colour image is a broken file, and reading red alone would grey it. */
static int all_grey(const uint8_t *rgba, uint64_t pixels) {
  for (uint64_t i = 0; i < pixels; i++) {
    const uint8_t *p = rgba + 4 * i;
    if (p[0] != p[1] || p[0] != p[2]) return 0;
  }
  return 1;
}

EXPORT(icc_transform)
const char *icc_transform(const uint8_t *profile, uint32_t size, uint8_t *rgba, uint32_t width, uint32_t height) {
  have_error = 0;
  reason[0] = 0;
  uint64_t pixels = (uint64_t)width * height;
  if (!profile || !rgba || size < 132 || pixels == 0 || pixels > 0x3fffffffu) return refuse("bad arguments");

  if (cached_transform && size == cached_size && memcmp(profile, cached_profile, size) == 0) {
    if (cached_input == TYPE_GRAY_8_IN_RGBA && !all_grey(rgba, pixels)) return refuse("a grey profile on colour pixels");
    cmsDoTransform(cached_transform, rgba, rgba, (cmsUInt32Number)pixels);
    return have_error ? reason : NULL;
  }

  cmsContext context = cmsCreateContext(&memory, NULL);
  if (!context) return refuse("no memory for a colour-management context");
  cmsSetLogErrorHandlerTHR(context, log_error);

  const char *result = NULL;
  cmsHTRANSFORM transform = NULL;
  cmsHPROFILE srgb = NULL;
  cmsUInt32Number input = 0;
  cmsHPROFILE source = cmsOpenProfileFromMemTHR(context, profile, size);
  if (!source) {
    result = refuse("unreadable profile");
    goto done;
  }
  cmsColorSpaceSignature space = cmsGetColorSpace(source);
  cmsProfileClassSignature kind = cmsGetDeviceClass(source);
  if (kind == cmsSigLinkClass || kind == cmsSigAbstractClass || kind == cmsSigNamedColorClass) {
    result = refuse("a device-link, abstract or named-colour profile");
    goto done;
  }
  if (space == cmsSigRgbData) {
    input = TYPE_RGBA_8;
  } else if (space == cmsSigGrayData) {
    if (!all_grey(rgba, pixels)) {
      result = refuse("a grey profile on colour pixels");
      goto done;
    }
    input = TYPE_GRAY_8_IN_RGBA;
  } else {
    result = refuse("not an RGB or grey profile");
    goto done;
  }
  srgb = cmsCreate_sRGBProfileTHR(context);
  if (!srgb) {
    result = refuse("no memory for the sRGB profile");
    goto done;
  }
  transform = cmsCreateTransformTHR(context, source, input, srgb, TYPE_RGBA_8, INTENT_PERCEPTUAL, 0);
  if (!transform) {
    result = refuse("the profile cannot be linked to sRGB");
    goto done;
  }
  /* In place (lcms2 allows it when both formats take the same bytes per pixel); alpha is not copied, so kept. */
  cmsDoTransform(transform, rgba, rgba, (cmsUInt32Number)pixels);
  if (have_error) result = reason;

done:
  /* A transform needs neither profile once made. */
  if (srgb) cmsCloseProfile(srgb);
  if (source) cmsCloseProfile(source);
  uint8_t *copy = transform && !result && size <= CACHE_MAX_PROFILE ? malloc(size) : NULL;
  if (copy) {
    icc_forget();
    memcpy(copy, profile, size);
    cached_context = context;
    cached_transform = transform;
    cached_input = input;
    cached_profile = copy;
    cached_size = size;
    return NULL;
  }
  if (transform) cmsDeleteTransform(transform);
  cmsDeleteContext(context);
  return result;
}

/* For the tests: bytes lcms2 holds now (the cached transform's, else 0 unless something leaked). */
EXPORT(icc_bytes_in_use) uint32_t icc_bytes_in_use(void) { return (uint32_t)in_use; }
