/** GIF as a still: its first frame, by our own bounded decoder (gif-decode.ts); animations are gif-frames.ts and ../animate.ts. */
import type { Pixels } from '../pixels/rgba.js';
import { decodeGifFirstFrame as decodeFrame, type GifDecodeOptions } from './gif-decode.js';

/** The first frame of a GIF, composited onto a transparent logical screen (clipped to it, its work bounded). */
export function decodeGifFirstFrame(bytes: ArrayBuffer, options?: GifDecodeOptions): Pixels {
  return decodeFrame(new Uint8Array(bytes), options);
}
