/** Compositing: transparency flattened onto a background, and an image placed on a larger canvas. */
import type { RGBA } from '../../options/types.js';
import type { Pixels } from './rgba.js';

/** Source-over compositing of `image` onto an opaque-or-not background, in place. */
export function flatten(image: Pixels, background: RGBA): void {
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    if (a === 255) continue;
    const ba = (background.a * (255 - a)) / 255;
    const outA = a + ba;
    if (outA === 0) {
      d[i] = d[i + 1] = d[i + 2] = d[i + 3] = 0;
      continue;
    }
    d[i] = (d[i]! * a + background.r * ba) / outA;
    d[i + 1] = (d[i + 1]! * a + background.g * ba) / outA;
    d[i + 2] = (d[i + 2]! * a + background.b * ba) / outA;
    d[i + 3] = outA;
  }
}

export function padPixels(image: Pixels, canvas: { width: number; height: number }, offset: { x: number; y: number }, fill: RGBA): Pixels {
  if (canvas.width === image.width && canvas.height === image.height) return image;
  const data = new Uint8ClampedArray(canvas.width * canvas.height * 4);
  const word = new Uint32Array(data.buffer);
  const bytes = new Uint8Array([fill.r, fill.g, fill.b, fill.a]);
  word.fill(new Uint32Array(bytes.buffer)[0]!);
  const rowBytes = image.width * 4;
  for (let y = 0; y < image.height; y++) {
    const target = ((offset.y + y) * canvas.width + offset.x) * 4;
    data.set(image.data.subarray(y * rowBytes, (y + 1) * rowBytes), target);
  }
  return { data, width: canvas.width, height: canvas.height };
}
