/** Blur and sharpen: bounded work whatever the radius (box blurs are O(pixels), not O(pixels × radius)). */
import type { Pixels } from './rgba.js';

/** One horizontal box-blur pass of radius r over every channel, from `src` into `dst`. */
function boxPass(src: Uint8ClampedArray, dst: Uint8ClampedArray, width: number, height: number, r: number, horizontal: boolean): void {
  const lines = horizontal ? height : width;
  const length = horizontal ? width : height;
  const step = horizontal ? 4 : width * 4;
  const window = 2 * r + 1;
  for (let line = 0; line < lines; line++) {
    const base = horizontal ? line * width * 4 : line * 4;
    for (let c = 0; c < 4; c++) {
      // Edges are clamped: the window repeats the first and last pixels.
      const at = (i: number) => src[base + Math.min(length - 1, Math.max(0, i)) * step + c]!;
      let sum = 0;
      for (let i = -r; i <= r; i++) sum += at(i);
      for (let i = 0; i < length; i++) {
        dst[base + i * step + c] = sum / window;
        sum += at(i + r + 1) - at(i - r);
      }
    }
  }
}

/** Three box passes each way approximate a Gaussian of sigma ≈ radius / 2. */
export function blurPixels(image: Pixels, radius: number): Pixels {
  const r = Math.max(1, Math.min(Math.round(radius / 2), Math.max(image.width, image.height)));
  const data = new Uint8ClampedArray(image.data);
  const scratch = new Uint8ClampedArray(data.length);
  for (let pass = 0; pass < 3; pass++) {
    boxPass(data, scratch, image.width, image.height, r, true);
    boxPass(scratch, data, image.width, image.height, r, false);
  }
  return { data, width: image.width, height: image.height };
}

/** Unsharp mask with a 1-px radius; `amount` 0..10 as Cloudflare's `sharpen`. */
export function sharpenPixels(image: Pixels, amount: number): Pixels {
  if (amount <= 0) return image;
  const soft = blurPixels(image, 2).data;
  const out = new Uint8ClampedArray(image.data.length);
  const k = amount / 2;
  for (let i = 0; i < out.length; i++) {
    out[i] = (i & 3) === 3 ? image.data[i]! : image.data[i]! + k * (image.data[i]! - soft[i]!);
  }
  return { data: out, width: image.width, height: image.height };
}
