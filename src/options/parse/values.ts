/** Readers of one option value: numbers in a range, one of a list, a boolean, a colour, a quality, a gravity. */

import { parseCssColour } from '../css-colour.js';
import type { Gravity, QualityName, RGBA } from '../types.js';
import { badValue, invalid, label, type Element } from './element.js';

// Plain digits only: no sign, exponent, hex, whitespace, NaN or Infinity, which Number() would all accept.
export const INTEGER = /^\d+$/;
export const DECIMAL = /^\d+(?:\.\d+)?$/;
const POINT = /^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)$/;

const sides: readonly Gravity[] = ['auto', 'face', 'center', 'left', 'right', 'top', 'bottom'];
const qualityNames: readonly QualityName[] = ['high', 'medium-high', 'medium-low', 'low'];

export function integerIn(element: Element, min: number, max: number): number {
  const number = INTEGER.test(element.value) ? Number(element.value) : NaN;
  if (!(number >= min && number <= max)) throw badValue(element, `an integer in ${min}..${max}`);
  return number;
}

export function decimalIn(element: Element, min: number, max: number): number {
  const number = DECIMAL.test(element.value) ? Number(element.value) : NaN;
  if (!(number >= min && number <= max)) throw badValue(element, `a number in ${min}..${max}`);
  return number;
}

export function oneOf<T extends string>(element: Element, allowed: readonly T[]): T {
  const found = allowed.find((candidate) => candidate === element.value);
  if (found === undefined) throw badValue(element, `one of ${allowed.join(', ')}`);
  return found;
}

export function boolean(element: Element): boolean {
  return oneOf(element, ['true', 'false']) === 'true';
}

export function dimension(element: Element, maxOutputDimension: number): number {
  if (element.value === 'auto') {
    throw invalid(`option ${label(element)}=auto is not supported (it needs client hints); give a number of pixels`);
  }
  return integerIn(element, 1, maxOutputDimension);
}

export function gravity(element: Element): Gravity {
  const side = sides.find((candidate) => candidate === element.value);
  if (side !== undefined) return side;
  const point = POINT.exec(element.value);
  const x = Number(point?.[1]);
  const y = Number(point?.[2]);
  if (!(x <= 1 && y <= 1)) throw badValue(element, `one of ${sides.join(', ')}, or XxY with X and Y in 0..1`);
  return { x, y };
}

export function quality(element: Element): number | QualityName {
  const name = qualityNames.find((candidate) => candidate === element.value);
  if (name !== undefined) return name;
  if (!INTEGER.test(element.value)) {
    throw badValue(element, `an integer in 1..100 or one of ${qualityNames.join(', ')}`);
  }
  return integerIn(element, 1, 100);
}

/** Any CSS colour (options/css-colour.ts): names, `#rgb[a]`, `#rrggbb[aa]` (`#` literal or `%23`), `rgb()`, `hsl()`. */
export function colour(element: Element): RGBA {
  const parsed = parseCssColour(element.value);
  if (parsed === null) {
    throw badValue(element, 'a CSS colour: a name (red, rebeccapurple, transparent), #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(r,g,b[,a]), rgb(r g b / a) or hsl(h s% l% / a), components in range');
  }
  return parsed;
}
