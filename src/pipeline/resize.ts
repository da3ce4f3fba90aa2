/**
 * Cuts the planned region out of the decoded image and scales it to the planned size in one pass: Lanczos-3
 * in linear light, on premultiplied alpha when there is any (see resample.ts for why not jSquash's resize).
 */
import { cropPixels } from './crop.js';
import { resample } from './resample.js';
import type { ImageState } from './state.js';

export function resize(state: ImageState): void {
  const image = state.image!;
  const crop = state.storedCrop;
  const { width, height } = state.storedResize;
  if (crop.width === width && crop.height === height) {
    state.image = cropPixels(image, crop);
    return;
  }
  state.image = resample(image, crop, width, height, { premultiply: state.input.info.hasAlpha, linear: true });
}
