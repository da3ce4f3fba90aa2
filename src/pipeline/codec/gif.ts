/** GIF through omggif: the first frame only (animation output is not implemented). */
import { GifReader } from 'omggif';
import type { Pixels } from '../pixels/rgba.js';

/** The first frame of a GIF, composited onto a transparent logical screen. */
export function decodeGifFirstFrame(bytes: ArrayBuffer): Pixels {
  const reader = new GifReader(new Uint8Array(bytes));
  const data = new Uint8ClampedArray(reader.width * reader.height * 4);
  reader.decodeAndBlitFrameRGBA(0, data);
  return { data, width: reader.width, height: reader.height };
}
