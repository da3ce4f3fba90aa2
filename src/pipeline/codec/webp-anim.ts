/**
 * The first frame of an animated WebP: formats/webp-frame.ts cuts it out as a still WebP, the session's WebP decoder
 * decodes it, and it is placed on the animation's transparent canvas (the ANIM background colour is a hint that
 * browsers ignore, as libwebp's own animation decoder does).
 *
 * @example const { data, width, height } = decodeFirstWebpFrame(bytes); // canvas-sized RGBA
 */
import { firstWebpFrame } from '../../formats/webp-frame.js';
import type { Pixels } from '../pixels/rgba.js';
import { decodeWebpScaled } from './webp.js';

/** Frame 0 decoded and placed on a transparent canvas of the animation's size. */
export function decodeFirstWebpFrame(bytes: Uint8Array, maxOutputBytes?: number): Pixels {
  const frame = firstWebpFrame(bytes);
  const options = maxOutputBytes === undefined ? {} : { maxOutputBytes };
  const pixels = decodeWebpScaled(frame.still, frame.width, frame.height, options);
  if (frame.width === frame.canvasWidth && frame.height === frame.canvasHeight) {
    return { data: pixels.data, width: pixels.width, height: pixels.height };
  }
  const data = new Uint8ClampedArray(frame.canvasWidth * frame.canvasHeight * 4);
  for (let row = 0; row < frame.height; row++) {
    const from = row * frame.width * 4;
    data.set(pixels.data.subarray(from, from + frame.width * 4), ((frame.y + row) * frame.canvasWidth + frame.x) * 4);
  }
  return { data, width: frame.canvasWidth, height: frame.canvasHeight };
}
