/**
 * Converts the (already resized) pixels from the master's embedded ICC profile to sRGB, the space browsers assume
 * for untagged images: our outputs carry no profile, so anything else would show desaturated or shifted. Runs after
 * the resize, on the fewest pixels.
 *
 * Two converters, as skcms (Chromium) reads profiles:
 * - matrix/TRC RGB profiles without LUT tags (Display P3, Adobe RGB, ProPhoto): the TypeScript matrix path
 *   (../pixels/colour.ts), relative colorimetric; it agrees with lcms2 within one level and is ~2–3× faster
 *   (bench/native/icc.mjs);
 * - everything else lcms2 can describe on these pixels (../codec/icc.ts: Little CMS in the codec module): LUT-based
 *   RGB profiles (A2B0/mAB, v2 or v4; the A2B0 table is used even when matrix tags are present too, as skcms does)
 *   with the perceptual intent, and grey profiles on grey pixels.
 * Profiles neither can apply (CMYK on our naively converted CMYK JPEGs, Lab, device links, unreadable ones) leave the
 * pixels as they are, and `state.colour` says why.
 */
import { extractIccProfile } from '../../formats/icc.js';
import { iccToSrgb } from '../codec/icc.js';
import { applyColourTransform, iccDescription, iccTags, parseIccProfile, srgbTransform } from '../pixels/colour.js';
import { type ImageState, masterHead, sessionOf } from '../state.js';

/** Tags that make skcms (and so lcms2 here) use a LUT rather than the matrix/TRC tags. */
const LUT_TAGS = ['A2B0', 'A2B1', 'A2B2'];

export async function color(state: ImageState): Promise<void> {
  const icc = await extractIccProfile(masterHead(state), state.input.info.format);
  if (!icc) {
    state.colour = { converted: false, detail: 'no embedded profile: taken as sRGB' };
    return;
  }
  const reading = parseIccProfile(icc);
  const hasLut = LUT_TAGS.some((tag) => iccTags(icc).has(tag));
  if (reading.ok && !hasLut) {
    const profile = reading.profile.description;
    const transform = srgbTransform(reading.profile);
    if (transform.identity) {
      state.colour = { converted: false, profile, detail: 'the profile is sRGB: nothing to convert' };
      return;
    }
    applyColourTransform(state.image!, transform);
    state.colour = { converted: true, profile, detail: `converted from '${profile}' to sRGB` };
    return;
  }
  // Only RGB and grey profiles can describe our RGBA pixels (a CMYK JPEG's were converted from inks at decode).
  const space = String.fromCharCode(...icc.subarray(16, 20));
  if (!reading.ok && space !== 'RGB ' && space !== 'GRAY') {
    state.colour = { converted: false, profile: iccDescription(icc), detail: `profile not converted: ${reading.reason}` };
    return;
  }
  const profile = iccDescription(icc);
  const { pixels, refused } = iccToSrgb(sessionOf(state), icc, state.image!);
  state.image = pixels;
  state.colour = refused
    ? { converted: false, profile, detail: `profile not converted: ${refused}` }
    : { converted: true, profile, detail: `converted from '${profile}' to sRGB (lcms2, perceptual)` };
}
