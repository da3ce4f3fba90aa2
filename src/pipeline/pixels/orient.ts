/** Moves pixels into their displayed orientation: one of the eight symmetries, in one pass. */
import { type Orientation, displayedSize, isIdentity, toStored } from '../../options/orientation.js';
import type { Pixels } from './rgba.js';

/** New pixels as displayed under `o`. */
export function applyOrientation(image: Pixels, o: Orientation): Pixels {
  if (isIdentity(o)) return image;
  const stored = { width: image.width, height: image.height };
  const { width, height } = displayedSize(stored, o);
  const source = new Uint32Array(image.data.buffer, image.data.byteOffset, image.width * image.height);
  const target = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = toStored(x, y, stored, o);
      target[y * width + x] = source[sy * image.width + sx]!;
    }
  }
  return { data: new Uint8ClampedArray(target.buffer), width, height };
}
