/**
 * Colour conversion from an ICC profile to sRGB with Little CMS in the codec session (native/src/icc.c): any RGB
 * profile (matrix/TRC or LUT-based A2B0/mAB, ICC v2 or v4) on RGBA, or a grey profile on RGBA whose r = g = b.
 * Perceptual intent (a LUT profile's A2B0; a matrix profile's matrix), as skcms in Chromium; in place, alpha untouched.
 * A profile lcms2 refuses leaves the pixels as they were and gives the reason; it is never an error of the session.
 * The module keeps the last transform for the next call with the same profile bytes (an idle session is reused by
 * the next request), which skips lcms2's set-up: ~70–110 ms for a LUT profile, ~10 ms for a matrix one.
 *
 * @example
 * const { pixels, refused } = iccToSrgb(session, icc, image); // pixels: the (possibly copied-in) converted image
 */
import type { Pixels } from '../pixels/rgba.js';
import type { CodecSession, SessionPixels } from './session.js';

export interface IccConversion {
  /** The image in the session's memory (the input itself when it was already there), converted unless `refused`. */
  pixels: SessionPixels;
  /** Why lcms2 did not convert (the pixels are unchanged), when it did not. */
  refused?: string;
}

const MAX_REASON = 200;

export function iccToSrgb(session: CodecSession, profile: Uint8Array, image: Pixels): IccConversion {
  const pixels = session.hold(image);
  const at = session.call((wasm) => wasm.alloc(profile.length));
  try {
    new Uint8Array(session.buffer, at, profile.length).set(profile);
    const reason = session.call((wasm) => wasm.icc_transform(at, profile.length, pixels.pointer, pixels.width, pixels.height));
    if (reason === 0) return { pixels };
    const bytes = new Uint8Array(session.buffer, reason, MAX_REASON);
    const end = bytes.indexOf(0);
    return { pixels, refused: new TextDecoder().decode(bytes.subarray(0, end < 0 ? MAX_REASON : end)) };
  } finally {
    session.call((wasm) => wasm.release(at));
  }
}

/** Bytes lcms2 holds between conversions: the kept transform's, 0 after iccForget unless something leaked (for the tests). */
export function iccBytesInUse(session: CodecSession): number {
  return session.call((wasm) => wasm.icc_bytes_in_use());
}

/** Frees the kept transform. */
export function iccForget(session: CodecSession): void {
  session.call((wasm) => wasm.icc_forget());
}
