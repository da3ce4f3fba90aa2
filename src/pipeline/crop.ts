/** Cuts the planned region out of the decoded image, in stored coordinates, before anything is resized. */
import type { Rect } from '../options/types.js';
import type { Pixels } from './codecs.js';
import type { ImageState } from './state.js';

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

export function crop(state: ImageState): void {
  state.image = cropPixels(state.image!, state.storedCrop);
}
