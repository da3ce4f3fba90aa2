/** GIF: the first frame only (animation output is not implemented), by our own bounded decoder (gif-decode.ts). */
import type { Pixels } from '../pixels/rgba.js';
import { decodeGifFirstFrame as decodeFrame, type GifDecodeOptions } from './gif-decode.js';

/** The first frame of a GIF, composited onto a transparent logical screen (clipped to it, its work bounded). */
export function decodeGifFirstFrame(bytes: ArrayBuffer, options?: GifDecodeOptions): Pixels {
  return decodeFrame(new Uint8Array(bytes), options);
}
