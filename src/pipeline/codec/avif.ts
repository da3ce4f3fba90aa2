/**
 * AVIF: decoded in the codec session (libavif + dav1d, native/src/avif-decode.c; avif-stream.ts streams its rows) and
 * encoded there (libavif + libaom, native/src/avif.c).
 */
import type { Pixels } from '../pixels/rgba.js';
import { CodecSession } from './session.js';

/** Encodes `image` as AVIF (libavif + libaom) in a fresh session; `alpha` keeps its alpha channel. */
export function encodeAvifScaled(image: Pixels, options: { quality: number; speed: number; alpha: boolean }, session = CodecSession.open()): Uint8Array<ArrayBuffer> {
  return session.encodeAvif(session.hold(image), options);
}
