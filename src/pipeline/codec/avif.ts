/**
 * AVIF: decoded in the codec session (libavif + dav1d, native/src/avif-decode.c; avif-stream.ts streams its rows)
 * when it fits the session's memory, else whole through jSquash (libavif + dav1d) up to the limit for images held
 * decoded; encoded in the codec session (libavif + libaom, native/src/avif.c).
 */
import decodeAvifBytes, { init as initAvifDecode } from '@jsquash/avif/decode.js';
import type { Pixels } from '../pixels/rgba.js';
import { type InitWithModule, pixels } from './jsquash.js';
import { CodecError, CodecSession } from './session.js';
import { wasm } from './wasm-modules.js';

/**
 * What the session holds per pixel for an AVIF, measured (bench/native/avif-decode.mjs, linear memory at 2 MP): dav1d's
 * pictures (the YUV planes, padded to 128 pixels; an alpha plane is a second AV1 image, decoded after the colour
 * image's decoder is closed, native/src/avif-dav1d-release.c) plus one decoder's frame state, ~0.5 bytes per pixel.
 * The header does not say the bit depth or subsampling, so these are the worst cases: 12-bit 4:4:4, ~7 bytes per
 * pixel opaque, ~10 with alpha (8-bit 4:2:0 opaque ~3, 10-bit 4:2:0 with alpha ~6).
 */
const SESSION_BYTES_PER_PIXEL = { opaque: 8, alpha: 11 };
/** What the session may give the AVIF decoder: its 96 MiB cap less the strip, the resize target and headroom. */
export const AVIF_SESSION_BUDGET_BYTES = 84 * 1024 * 1024;

/**
 * Whether an AVIF of this size should be decoded in the codec session: false when its planes and dav1d's state might
 * not fit its budget (then it is decoded whole by jSquash, if it fits `maxDecodedPixels`; with the default limits
 * every AVIF within `maxDecodedPixels` fits, so only masters over it reach here false, and they go to the session).
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
