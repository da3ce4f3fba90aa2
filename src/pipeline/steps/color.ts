/**
 * Converts the (already resized) pixels from the master's embedded ICC profile to sRGB, the space browsers assume
 * for untagged images: our outputs carry no profile, so anything else would show desaturated or shifted. Runs after
 * the resize, on the fewest pixels. Profiles we cannot convert (LUT-based, CMYK, grey) leave the pixels as they
 * are, and `state.colour` says so.
 */
import { extractIccProfile } from '../../formats/icc.js';
import { applyColourTransform, parseIccProfile, srgbTransform } from '../pixels/colour.js';
import { type ImageState, masterHead } from '../state.js';

export async function color(state: ImageState): Promise<void> {
  const icc = await extractIccProfile(masterHead(state), state.input.info.format);
  if (!icc) {
    state.colour = { converted: false, detail: 'no embedded profile: taken as sRGB' };
    return;
  }
  const reading = parseIccProfile(icc);
  if (!reading.ok) {
    state.colour = { converted: false, detail: `profile not converted: ${reading.reason}` };
    return;
  }
  const profile = reading.profile.description;
  const transform = srgbTransform(reading.profile);
  if (transform.identity) {
    state.colour = { converted: false, profile, detail: 'the profile is sRGB: nothing to convert' };
    return;
  }
  applyColourTransform(state.image!, transform);
  state.colour = { converted: true, profile, detail: `converted from '${profile}' to sRGB` };
}
