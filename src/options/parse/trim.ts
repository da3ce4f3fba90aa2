/** `trim=top;right;bottom;left` and `trim.top` … `trim.height`: the sides to cut off, in CSS pixels. */

import type { Trim } from '../types.js';
import { badValue, invalid, label, type Element } from './element.js';
import type { TrimPart } from './names.js';
import { DECIMAL, decimalIn } from './values.js';

/** Largest trim value, in CSS pixels: more than any master we take is on a side. */
export const MAX_TRIM = 65535;

const noTrim: Trim = { top: 0, right: 0, bottom: 0, left: 0 };

/** `trim=top;right;bottom;left` (pixels, decimals allowed as Cloudflare allows them); `trim=border` is not supported. */
export function trimSides(element: Element, earlier: Trim | undefined): Trim {
  if (element.value === 'border') throw invalid(`option ${label(element)}=border is not supported`);
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
