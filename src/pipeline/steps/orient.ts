/** Applies EXIF orientation, flip and rotate in one pass over the (already small) resized pixels. */
import { applyOrientation } from '../pixels/orient.js';
import type { ImageState } from '../state.js';

export function orient(state: ImageState): void {
  state.image = applyOrientation(state.image!, state.input.plan.orientation);
}
