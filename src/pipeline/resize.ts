/** Scales the cropped region to the planned size with Lanczos-3, on premultiplied alpha when there is any. */
import { codecs } from './codecs.js';
import type { ImageState } from './state.js';

export async function resize(state: ImageState): Promise<void> {
  const image = state.image!;
  const { width, height } = state.storedResize;
  if (image.width === width && image.height === height) return;
  state.image = await codecs.resize(image, width, height, state.input.info.hasAlpha);
}
