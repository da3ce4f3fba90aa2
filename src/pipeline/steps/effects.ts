/** `blur` and `sharpen`, on the resized pixels. */
import { blurPixels, sharpenPixels } from '../pixels/blur.js';
import type { ImageState } from '../state.js';

export function effects(state: ImageState): void {
  const { blur, sharpen } = state.input.options;
  if (blur) state.image = blurPixels(state.image!, blur);
  if (sharpen) state.image = sharpenPixels(state.image!, sharpen);
}
