/**
 * `brightness`, `contrast`, `gamma` and `saturation` (pixels/tone.ts), after the resize (on the fewest pixels) and
 * after the colour step, so the factors act on sRGB whatever profile the master had; before blur and sharpen, and
 * before the canvas, so `pad` borders and the flattening background keep the colour asked for.
 */
import { adjustTone, isToneIdentity } from '../pixels/tone.js';
import type { ImageState } from '../state.js';

export function tone(state: ImageState): void {
  const { brightness, contrast, gamma, saturation } = state.input.options;
  const adjustments = { brightness, contrast, gamma, saturation };
  if (isToneIdentity(adjustments)) return;
  adjustTone(state.image!, adjustments);
}
