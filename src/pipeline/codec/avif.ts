/**
 * AVIF: decoded in the codec session (libavif + libaom, native/src/avif-decode.c; avif-stream.ts streams its rows)
 * when it fits the session's memory, else whole through jSquash (libavif + dav1d) up to the limit for images held
 * decoded; encoded in the codec session (libavif + libaom, native/src/avif.c).
 */
import decodeAvifBytes, { init as initAvifDecode } from '@jsquash/avif/decode.js';
import type { Pixels } from '../pixels/rgba.js';
import { type InitWithModule, pixels } from './jsquash.js';
import { CodecError, CodecSession } from './session.js';
import { wasm } from './wasm-modules.js';

/**
 * What libaom's decoder holds per pixel in the session, measured (bench/native/avif-decode.mjs): its per-4×4 block
 * state alone is 160 bytes (10 per pixel) per AV1 image; an alpha plane is a second AV1 image, decoded once the
 * colour image's decoder is freed (native/src/avif-aom-release.c). An 8-bit opaque image needs ~13 bytes per pixel,
 * a 10-bit 4:2:0 one with alpha ~19, 12-bit 4:4:4 with alpha ~26.
 */
const SESSION_BYTES_PER_PIXEL = { opaque: 16, alpha: 28 };
/** What the session may give the AVIF decoder: its 96 MiB cap less the strip, the resize target and headroom. */
export const AVIF_SESSION_BUDGET_BYTES = 84 * 1024 * 1024;

/**
 * Whether an AVIF of this size should be decoded in the codec session: false when libaom's state would not fit its
 * budget (then it is decoded whole by jSquash, if it fits `maxDecodedPixels`).
 */
export function avifFitsSession(info: { width: number; height: number; hasAlpha: boolean }): boolean {
  return info.width * info.height * SESSION_BYTES_PER_PIXEL[info.hasAlpha ? 'alpha' : 'opaque'] <= AVIF_SESSION_BUDGET_BYTES;
}

/** Whether a codec session's failure means only that the AVIF did not fit its memory (so jSquash may try it whole). */
export function outOfSessionMemory(error: unknown): boolean {
  return error instanceof CodecError && (error.code === 'out-of-memory' || error.code === 'too-large');
}

/**
 * Codec heaps hold a whole image in linear memory, which never shrinks: the emscripten decoder gets a fresh
 * instance per call (jSquash's init replaces its module-level one), so the old memory is garbage once the result
 * is out, and an isolate's memory returns to its floor between transforms. Instantiating an already compiled
 * module is cheap next to any decode.
 */
const freshDecoder = () => (initAvifDecode as unknown as InitWithModule)(wasm.avifDecode);

/** Decodes an AVIF whole through jSquash (libavif + dav1d): the fallback for masters the codec session cannot fit. */
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
