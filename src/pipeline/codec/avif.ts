/** AVIF: decoded whole through jSquash (libavif + dav1d), encoded in the codec session (libavif + libaom, native/src/avif.c). */
import decodeAvifBytes, { init as initAvifDecode } from '@jsquash/avif/decode.js';
import type { Pixels } from '../pixels/rgba.js';
import { type InitWithModule, pixels } from './jsquash.js';
import { CodecSession } from './session.js';
import { wasm } from './wasm-modules.js';

/**
 * Codec heaps hold a whole image in linear memory, which never shrinks: the emscripten decoder gets a fresh
 * instance per call (jSquash's init replaces its module-level one), so the old memory is garbage once the result
 * is out, and an isolate's memory returns to its floor between transforms. Instantiating an already compiled
 * module is cheap next to any decode.
 */
const freshDecoder = () => (initAvifDecode as unknown as InitWithModule)(wasm.avifDecode);

export async function decodeAvif(bytes: ArrayBuffer): Promise<Pixels> {
  await freshDecoder();
  const image = await decodeAvifBytes(bytes);
  if (!image) throw new Error('AVIF decoder returned nothing');
  return pixels(image);
}

/** Encodes `image` as AVIF (libavif + libaom) in a fresh session; `alpha` keeps its alpha channel. */
export function encodeAvifScaled(image: Pixels, options: { quality: number; speed: number; alpha: boolean }, session = CodecSession.open()): Uint8Array<ArrayBuffer> {
  return session.encodeAvif(session.hold(image), options);
}
