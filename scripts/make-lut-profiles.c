/*
 * Writes the ICC profiles of the LUT/grey colour fixtures (the .icc files in test/fixtures) with Little CMS's own API, so the
 * fixtures hold real LUT-based profiles of a known content and a free licence (ours, CC0):
 *
 *   lut-p3-v4.icc    ICC v4.4 'scnr' (input-device) RGB profile, PCS Lab, with only LUT tags: A2B0 (perceptual) and
 *                    A2B1 (colorimetric), both lutAtoBType ('mAB': B curves, an 11-point 16-bit CLUT, identity
 *                    curves); no rXYZ/rTRC, so it has no matrix path. A2B1 is Display P3 (sRGB curve, P3 primaries,
 *                    D65 white) sampled into the CLUT; A2B0 is the same with chroma × 0.8 and black lifted to the ICC
 *                    v4 perceptual reference black (what a converter's perceptual table does), so which table a
 *                    converter uses shows in its output.
 *   lut-and-matrix-p3-v4.icc  the same tables with PCS XYZ, plus Display P3's matrix/TRC tags (rXYZ..bTRC): A2B0
 *                    must win over them, as in skcms (a browser) and lcms2's perceptual intent.
 *   grey-gamma18.icc ICC v4 'mntr' GRAY profile: D50 white, kTRC gamma 1.8 (an old Mac grey).
 *
 * The header's creation date is set to 2026-12-01 00:00:00, so every run writes the same bytes.
 *
 * Build and run (Debian's liblcms2-dev; not part of the module):
 *   cc -O2 -o /tmp/make-lut-profiles scripts/make-lut-profiles.c -llcms2 -lm && /tmp/make-lut-profiles test/fixtures
 */
#include <lcms2.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static cmsHTRANSFORM p3_to_lab;
static double chroma_scale;
static int lift_black;
static int xyz_pcs;

/* Device RGB (0..65535) -> Lab PCS (16-bit v4 encoding) through Display P3 colorimetry, then the table's "look". */
static int sampler(const cmsUInt16Number in[], cmsUInt16Number out[], void *cargo) {
  (void)cargo;
  double rgb[3] = {in[0] / 65535.0, in[1] / 65535.0, in[2] / 65535.0};
  cmsCIELab lab;
  cmsDoTransform(p3_to_lab, rgb, &lab, 1);
  lab.a *= chroma_scale;
  lab.b *= chroma_scale;
  if (lift_black) {
    /* Y' = Ybk + (1 - Ybk) Y: the v4 perceptual PCS keeps its black at the perceptual reference medium black. */
    cmsCIEXYZ xyz;
    cmsLab2XYZ(cmsD50_XYZ(), &xyz, &lab);
    const cmsCIEXYZ *white = cmsD50_XYZ();
    xyz.X = cmsPERCEPTUAL_BLACK_X + (1 - cmsPERCEPTUAL_BLACK_X / white->X) * xyz.X;
    xyz.Y = cmsPERCEPTUAL_BLACK_Y + (1 - cmsPERCEPTUAL_BLACK_Y / white->Y) * xyz.Y;
    xyz.Z = cmsPERCEPTUAL_BLACK_Z + (1 - cmsPERCEPTUAL_BLACK_Z / white->Z) * xyz.Z;
    cmsXYZ2Lab(cmsD50_XYZ(), &lab, &xyz);
  }
  if (xyz_pcs) {
    cmsCIEXYZ xyz;
    cmsLab2XYZ(cmsD50_XYZ(), &xyz, &lab);
    cmsFloat2XYZEncoded(out, &xyz);
  } else {
    cmsFloat2LabEncoded(out, &lab);
  }
  return 1;
}

static cmsPipeline *table(double chroma, int lift, int xyz) {
  chroma_scale = chroma;
  lift_black = lift;
  xyz_pcs = xyz;
  cmsPipeline *lut = cmsPipelineAlloc(NULL, 3, 3);
  cmsToneCurve *identity[3];
  for (int i = 0; i < 3; i++) identity[i] = cmsBuildGamma(NULL, 1.0);
  cmsStage *clut = cmsStageAllocCLut16bit(NULL, 11, 3, 3, NULL);
  cmsStageSampleCLut16bit(clut, sampler, NULL, 0);
  cmsPipelineInsertStage(lut, cmsAT_END, cmsStageAllocToneCurves(NULL, 3, identity));
  cmsPipelineInsertStage(lut, cmsAT_END, clut);
  cmsPipelineInsertStage(lut, cmsAT_END, cmsStageAllocToneCurves(NULL, 3, identity));
  for (int i = 0; i < 3; i++) cmsFreeToneCurve(identity[i]);
  return lut;
}

static void describe(cmsHPROFILE profile, const char *text) {
  cmsMLU *mlu = cmsMLUalloc(NULL, 1);
  cmsMLUsetASCII(mlu, "en", "US", text);
  cmsWriteTag(profile, cmsSigProfileDescriptionTag, mlu);
  cmsMLUsetASCII(mlu, "en", "US", "No copyright, use freely (CC0)");
  cmsWriteTag(profile, cmsSigCopyrightTag, mlu);
  cmsMLUfree(mlu);
}

static int save(cmsHPROFILE profile, const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  cmsUInt32Number size = 0;
  static unsigned char bytes[1 << 20];
  if (!cmsSaveProfileToMem(profile, NULL, &size) || size > sizeof bytes || !cmsSaveProfileToMem(profile, bytes, &size)) {
    fprintf(stderr, "cannot save %s\n", name);
    return 1;
  }
  /* dateTimeNumber at offset 24: year, month, day, hours, minutes, seconds (big-endian uint16 each). */
  const unsigned char date[12] = {0x07, 0xea, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0};
  memcpy(bytes + 24, date, sizeof date);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(bytes, 1, size, f) != size || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    return 1;
  }
  printf("wrote %s\n", path);
  return 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";

  /* Display P3: D65 white, P3 primaries, the sRGB curve. */
  cmsCIExyY d65 = {0.3127, 0.3290, 1.0};
  cmsCIExyYTRIPLE primaries = {{0.680, 0.320, 1.0}, {0.265, 0.690, 1.0}, {0.150, 0.060, 1.0}};
  double srgb_curve[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
  cmsToneCurve *curve = cmsBuildParametricToneCurve(NULL, 4, srgb_curve);
  cmsToneCurve *curves[3] = {curve, curve, curve};
  cmsHPROFILE p3 = cmsCreateRGBProfile(&d65, &primaries, curves);
  cmsHPROFILE lab = cmsCreateLab4Profile(NULL);
  p3_to_lab = cmsCreateTransform(p3, TYPE_RGB_DBL, lab, TYPE_Lab_DBL, INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_NOOPTIMIZE);

  cmsHPROFILE lut = cmsCreateProfilePlaceholder(NULL);
  cmsSetProfileVersion(lut, 4.4);
  cmsSetDeviceClass(lut, cmsSigInputClass);
  cmsSetColorSpace(lut, cmsSigRgbData);
  cmsSetPCS(lut, cmsSigLabData);
  cmsSetHeaderRenderingIntent(lut, INTENT_PERCEPTUAL);
  describe(lut, "LUT Display P3 (A2B0 muted, A2B1 exact)");
  cmsWriteTag(lut, cmsSigMediaWhitePointTag, cmsD50_XYZ());
  cmsPipeline *perceptual = table(0.8, 1, 0);
  cmsPipeline *colorimetric = table(1.0, 0, 0);
  cmsWriteTag(lut, cmsSigAToB0Tag, perceptual);
  cmsWriteTag(lut, cmsSigAToB1Tag, colorimetric);
  int failed = save(lut, dir, "lut-p3-v4.icc");
  cmsPipelineFree(perceptual);
  cmsPipelineFree(colorimetric);
  cmsCloseProfile(lut);

  /* PCS XYZ (matrix/TRC tags need it), the same tables with XYZ outputs, and P3's colorants and curves. */
  cmsHPROFILE both = cmsCreateProfilePlaceholder(NULL);
  cmsSetProfileVersion(both, 4.4);
  cmsSetDeviceClass(both, cmsSigInputClass);
  cmsSetColorSpace(both, cmsSigRgbData);
  cmsSetPCS(both, cmsSigXYZData);
  cmsSetHeaderRenderingIntent(both, INTENT_PERCEPTUAL);
  describe(both, "LUT and matrix Display P3 (A2B0 muted)");
  cmsWriteTag(both, cmsSigMediaWhitePointTag, cmsD50_XYZ());
  perceptual = table(0.8, 1, 1);
  colorimetric = table(1.0, 0, 1);
  cmsWriteTag(both, cmsSigAToB0Tag, perceptual);
  cmsWriteTag(both, cmsSigAToB1Tag, colorimetric);
  cmsTagSignature copied[] = {cmsSigRedColorantTag, cmsSigGreenColorantTag, cmsSigBlueColorantTag,
                              cmsSigRedTRCTag, cmsSigGreenTRCTag, cmsSigBlueTRCTag};
  for (int i = 0; i < 6; i++) cmsWriteTag(both, copied[i], cmsReadTag(p3, copied[i]));
  failed |= save(both, dir, "lut-and-matrix-p3-v4.icc");
  cmsPipelineFree(perceptual);
  cmsPipelineFree(colorimetric);
  cmsCloseProfile(both);

  cmsToneCurve *gamma18 = cmsBuildGamma(NULL, 1.8);
  cmsHPROFILE grey = cmsCreateGrayProfile(cmsD50_xyY(), gamma18);
  cmsSetProfileVersion(grey, 4.4);
  describe(grey, "Grey gamma 1.8");
  failed |= save(grey, dir, "grey-gamma18.icc");
  cmsCloseProfile(grey);

  cmsFreeToneCurve(gamma18);
  cmsFreeToneCurve(curve);
  cmsDeleteTransform(p3_to_lab);
  cmsCloseProfile(p3);
  cmsCloseProfile(lab);
  return failed;
}
