/**
 * WebP in the codec session (libwebp, native/src/scaled.c): decoded straight to the size the output needs by
 * libwebp's own scaler, and encoded (lossy, lossless alpha). Animated WebP is webp-anim.ts's.
 */
import type { Pixels } from '../pixels/rgba.js';
import { byteLimit, decoded, DEFAULT_MAX_OUTPUT_BYTES, type DecodeOptions, type DecodedPixels } from './decoded.js';
import { CodecSession } from './session.js';

/** libwebp's effort (0–6): 4 is its default and jSquash's; measured, `low_memory` saved little and cost much time. */
export const WEBP_METHOD = 4;

/**
 * Decodes a WebP (lossy, lossless, with or without alpha; not animated) to exactly `width` × `height` RGBA with
 * straight alpha, using libwebp's own rescaler (area averaging when shrinking) row by row as it decodes, so the
 * full-size image never exists for lossy files. The whole file is copied into the session's memory for the
 * decode, and freed after. Decodes in a fresh session unless given one.
 */
export function decodeWebpScaled(bytes: Uint8Array, width: number, height: number, options: DecodeOptions = {}, session = CodecSession.open()): DecodedPixels {
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 16383) throw new RangeError(`${name} must be an integer in 1..16383, not ${value}`);
  }
  const maxOutput = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const report = session.report(
    session.call((wasm) => {
      const input = wasm.alloc(bytes.length);
      new Uint8Array(wasm.memory.buffer).set(bytes, input);
      const result = wasm.decode_webp(input, bytes.length, width, height, maxOutput);
      wasm.release(input);
      return result;
    }),
  );
  return decoded(session, report);
}

/** Encodes `image` as lossy WebP (libwebp, method 4, lossless alpha) in a fresh session. */
export function encodeWebpScaled(image: Pixels, quality: number, session = CodecSession.open()): Uint8Array<ArrayBuffer> {
  return session.encodeWebp(session.hold(image), { quality, method: WEBP_METHOD, alphaQuality: 100 });
}
