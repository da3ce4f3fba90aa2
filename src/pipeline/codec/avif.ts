/** AVIF in the codec session: decoded by libavif + libaom (native/src/avif-decode.c), encoded by libavif + libaom (native/src/avif.c). */
import type { Pixels } from '../pixels/rgba.js';
import { streamAvifRows } from './avif-stream.js';
import { CodecSession } from './session.js';

/** The largest AVIF decodeAvif takes whole (its RGBA is held in JavaScript): the worker's default MAX_AVIF_INPUT_PIXELS. */
const WHOLE_MAX_PIXELS = 16_000_000;

/**
 * Decodes an AVIF whole to RGBA in JavaScript memory (stored orientation, straight alpha), in a fresh session; for
 * tests and tools. The pipeline streams instead (streamAvifRows).
 */
export async function decodeAvif(bytes: ArrayBuffer): Promise<Pixels> {
  const session = CodecSession.open();
  const rows = streamAvifRows(session, new Uint8Array(bytes), { maxPixels: WHOLE_MAX_PIXELS });
  const data = new Uint8ClampedArray(rows.width * rows.height * 4);
  for (let y = 0; y < rows.height; y++) data.set(rows.row(y), y * rows.width * 4);
  rows.finish();
  return { data, width: rows.width, height: rows.height };
}

/** Encodes `image` as AVIF (libavif + libaom) in a fresh session; `alpha` keeps its alpha channel. */
export function encodeAvifScaled(image: Pixels, options: { quality: number; speed: number; alpha: boolean }, session = CodecSession.open()): Uint8Array<ArrayBuffer> {
  return session.encodeAvif(session.hold(image), options);
}
