/**
 * Converts the (already resized) pixels from the master's embedded ICC profile to sRGB, the space browsers assume
 * for untagged images: our outputs carry no profile, so anything else would show desaturated or shifted. Runs after
 * the resize, on the fewest pixels. Profiles we cannot convert (LUT-based, CMYK, grey) leave the pixels as they
 * are, and `state.colour` says so.
 */
import { extractIccProfile } from './icc-extract.js';
import { applyColourTransform, parseIccProfile, srgbTransform } from './icc.js';
import type { ImageState } from './state.js';

/** What the colour step did, for logs and tests. */
export interface ColourNote {
  /** Whether the pixels were changed. */
  converted: boolean;
  /** The embedded profile's name, when there is one. */
  profile?: string;
  detail: string;
}

export async function color(state: ImageState): Promise<void> {
  const icc = await extractIccProfile(new Uint8Array(state.input.bytes), state.input.info.format);
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
