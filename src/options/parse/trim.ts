/** `trim=top;right;bottom;left` and `trim.top` … `trim.height`: the sides to cut off, in CSS pixels. */

import type { Trim, TrimBorder } from '../types.js';
import { badValue, type Element } from './element.js';
import type { BorderPart, TrimPart } from './names.js';
import { colour, DECIMAL, decimalIn, integerIn } from './values.js';

/** Largest trim value, in CSS pixels: more than any master we take is on a side. */
export const MAX_TRIM = 65535;

const noTrim: Trim = { top: 0, right: 0, bottom: 0, left: 0 };

/** `trim=top;right;bottom;left` (pixels, decimals allowed as Cloudflare allows them); `trim=border` is trimBorder. */
export function trimSides(element: Element, earlier: Trim | undefined): Trim {
  const parts = element.value.split(';');
  const values = parts.map((part) => (DECIMAL.test(part) ? Number(part) : NaN));
  if (values.length !== 4 || !values.every((value) => value <= MAX_TRIM)) {
    throw badValue(element, `top;right;bottom;left, four numbers of pixels in 0..${MAX_TRIM}`);
  }
  const [top, right, bottom, left] = values as [number, number, number, number];
  return { ...noTrim, ...earlier, top, right, bottom, left };
}

/** `trim.top`, `trim.width` …: one side, or the size to keep. */
export function trimPart(element: Element & { name: TrimPart }, earlier: Trim | undefined): Trim {
  const value = decimalIn(element, element.name === 'trim.width' || element.name === 'trim.height' ? 1 : 0, MAX_TRIM);
  const key = element.name.slice('trim.'.length) as keyof Trim;
  return { ...noTrim, ...earlier, [key]: value };
}

/**
 * `trim.border.tolerance` when not given: a border may differ by 15 on a channel (JPEG noise around a flat border
 * stays well within it). Cloudflare documents no default.
 */
export const DEFAULT_BORDER_TOLERANCE = 240;

/** Largest `trim.border.keep`, in CSS pixels. */
export const MAX_BORDER_KEEP = 1000;

export const noBorder: TrimBorder = { tolerance: DEFAULT_BORDER_TOLERANCE, keep: 0 };

/** `trim.border.color` (any CSS colour), `trim.border.tolerance` (0..255) or `trim.border.keep` (pixels). */
export function borderPart(element: Element & { name: BorderPart }, earlier: TrimBorder | undefined): TrimBorder {
  const border = { ...noBorder, ...earlier };
  if (element.name === 'trim.border.color') return { ...border, colour: colour(element) };
  if (element.name === 'trim.border.tolerance') return { ...border, tolerance: integerIn(element, 0, 255) };
  return { ...border, keep: integerIn(element, 0, MAX_BORDER_KEEP) };
}
