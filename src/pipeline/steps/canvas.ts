/** Places the image on its canvas (fit=pad) and flattens transparency where the output cannot keep it. */
import { flatten, padPixels } from '../pixels/compose.js';
import type { ImageState } from '../state.js';

export function canvas(state: ImageState): void {
  const { background } = state;
  const { canvas, offset } = state.input.plan.geometry;
  if (state.input.info.hasAlpha && background.a > 0) flatten(state.image!, background);
  state.image = padPixels(state.image!, canvas, offset, background);
}
