/**
 * Cloudflare's `trim`: pixels cut off each side of the master before anything else, resolved against the master's
 * size into one rectangle that geometry then treats as the whole source, so the trim is folded into the crop (and
 * shrink-on-load still applies to what is left). Pure.
 *
 * Cloudflare: "Trimming is performed before resizing or rotation. Takes dpr into account." Here that means the trim is
 * measured on the image as its EXIF orientation shows it, before `flip` and `rotate`, and every trim value is
 * multiplied by `dpr` (rounded), as `width` and `height` are.
 */
import { ImageError } from '../http/problem.js';
import type { Orientation } from './orientation.js';
import type { Rect, Size, Trim } from './types.js';

/** A trim value in device pixels: `value × dpr`, rounded, as geometry rounds width and height. */
export function trimPixels(value: number, dpr: number): number {
  return Math.round(value * dpr);
}

/**
 * The rectangle a trim keeps of an image of `size`: from `left`/`top`, `width` wide (else up to `right` from the
 * right edge) and `height` high (else up to `bottom` from the bottom edge), cut back to the image. Throws a 400
 * naming `trim` when nothing would be left.
 *
 * @example
 * trimRect({ width: 64, height: 48 }, { top: 2, right: 4, bottom: 6, left: 8 }, 1) // → { x: 8, y: 2, width: 52, height: 40 }
 */
export function trimRect(size: Size, trim: Trim, dpr: number): Rect {
  const left = trimPixels(trim.left, dpr);
  const top = trimPixels(trim.top, dpr);
  const width = trim.width !== undefined ? trimPixels(trim.width, dpr) : size.width - left - trimPixels(trim.right, dpr);
  const height = trim.height !== undefined ? trimPixels(trim.height, dpr) : size.height - top - trimPixels(trim.bottom, dpr);
  const kept = { x: left, y: top, width: Math.min(width, size.width - left), height: Math.min(height, size.height - top) };
  if (kept.width < 1 || kept.height < 1) {
    throw new ImageError(400, 'invalid-option', `option trim leaves nothing of the ${size.width}×${size.height} image`);
  }
  return kept;
}

/** The displayed rectangle that shows stored rectangle `rect` under orientation `o` (the inverse of rectToStored). */
export function rectFromStored(rect: Rect, stored: Size, o: Orientation): Rect {
  const u = o.flipX ? stored.width - rect.x - rect.width : rect.x;
  const v = o.flipY ? stored.height - rect.y - rect.height : rect.y;
  return o.transpose ? { x: v, y: u, width: rect.height, height: rect.width } : { x: u, y: v, width: rect.width, height: rect.height };
}
