/** Cuts a region out of an image, in stored coordinates: the resize step uses it when there is nothing to scale. */
import type { Rect } from '../../options/types.js';
import type { Pixels } from './rgba.js';

export function cropPixels(image: Pixels, rect: Rect): Pixels {
  if (rect.x === 0 && rect.y === 0 && rect.width === image.width && rect.height === image.height) return image;
  const rowBytes = rect.width * 4;
  const data = new Uint8ClampedArray(rowBytes * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const start = ((rect.y + y) * image.width + rect.x) * 4;
    data.set(image.data.subarray(start, start + rowBytes), y * rowBytes);
  }
  return { data, width: rect.width, height: rect.height };
}
