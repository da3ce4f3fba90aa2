/** Parses Cloudflare's image-resizing option segment (`width=800,fit=cover,…`) into validated `TransformOptions`. */

import { parseCssColour } from './css-colour.js';
import { ImageError } from '../http/problem';
import type {
  Fit,
  Flip,
  Gravity,
  Metadata,
  QualityName,
  RequestedFormat,
  RGBA,
  Rotation,
  TransformOptions,
  Trim,
} from './types';

/** Longest option segment we read; real loaders write well under 200 characters. */
export const MAX_SEGMENT_LENGTH = 1024;

type OptionName =
  | 'width'
  | 'height'
  | 'dpr'
  | 'fit'
  | 'gravity'
  | 'quality'
  | 'format'
  | 'background'
  | 'rotate'
  | 'flip'
  | 'blur'
  | 'sharpen'
  | 'brightness'
  | 'contrast'
  | 'gamma'
  | 'saturation'
  | 'metadata'
  | 'anim'
  | 'onerror'
  | 'compression'
  | 'trim'
  | TrimPart;

type TrimPart = 'trim.top' | 'trim.right' | 'trim.bottom' | 'trim.left' | 'trim.width' | 'trim.height';

// Maps, not object literals: a name like `constructor` must not find Object.prototype.
const aliases: ReadonlyMap<string, OptionName> = new Map([
  ['w', 'width'],
  ['h', 'height'],
  ['g', 'gravity'],
  ['q', 'quality'],
  ['f', 'format'],
]);

const optionNames: ReadonlySet<string> = new Set<OptionName>([
  'width', 'height', 'dpr', 'fit', 'gravity', 'quality', 'format', 'background',
  'rotate', 'flip', 'blur', 'sharpen', 'brightness', 'contrast', 'gamma', 'saturation', 'metadata', 'anim', 'onerror',
  'compression', 'trim', 'trim.top', 'trim.right', 'trim.bottom', 'trim.left', 'trim.width', 'trim.height',
]);

// Cloudflare options we know but do not implement: named so the 400 says "not supported" rather than "unknown".
const unsupportedNames: ReadonlySet<string> = new Set([
  'border', 'segment',
  'slow-connection-quality', 'zoom',
]);

const fits: readonly Fit[] = ['scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze'];
const sides: readonly Gravity[] = ['auto', 'center', 'left', 'right', 'top', 'bottom'];
const qualityNames: readonly QualityName[] = ['high', 'medium-high', 'medium-low', 'low'];
const formats: readonly RequestedFormat[] = ['auto', 'avif', 'webp', 'jpeg', 'baseline-jpeg', 'png', 'json'];
const rotations: ReadonlyMap<string, Rotation> = new Map([['0', 0], ['90', 90], ['180', 180], ['270', 270]]);
const flips: readonly Flip[] = ['h', 'v', 'hv'];
const metadataModes: readonly Metadata[] = ['none', 'copyright', 'keep'];

// Plain digits only: no sign, exponent, hex, whitespace, NaN or Infinity, which Number() would all accept.
const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;
const POINT = /^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)$/;

/**
 * Largest `brightness`, `contrast`, `gamma` or `saturation`. Cloudflare documents no range; at 10 every one of them
 * has already clipped almost every pixel to black, white or the gamut edge, so more would only be another cache entry.
 */
const MAX_TONE_FACTOR = 10;

/** Mutable view of the options while a segment is read. */
type Draft = { -readonly [K in keyof TransformOptions]?: TransformOptions[K] };

/** One `name=value` element, with the name as written (for messages) and its full name. */
interface Element {
  written: string;
  name: OptionName;
  value: string;
}

function invalid(detail: string): ImageError {
  return new ImageError(400, 'invalid-option', detail);
}

/** A value echoed in a message, quoted and cut short so a problem body stays small. */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function label(element: Element): string {
  return element.written === element.name ? element.name : `${element.written} (${element.name})`;
}

function badValue(element: Element, expected: string): ImageError {
  return invalid(`option ${label(element)} must be ${expected}, got ${quote(element.value)}`);
}

/** Splits on commas outside parentheses, so `background=rgb(1,2,3)` stays one element. */
export function splitSegment(segment: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i];
    if (char === '(') depth++;
    else if (char === ')' && depth > 0) depth--;
    else if (char === ',' && depth === 0) {
      parts.push(segment.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(segment.slice(start));
  return parts;
}

/** The full name of an option as written (`w` → `width`), or undefined for a name we do not take. */
export function fullOptionName(written: string): string | undefined {
  const name = aliases.get(written) ?? written;
  return optionNames.has(name) ? name : undefined;
}

function readElement(raw: string, index: number): Element {
  if (raw === '') throw invalid(`empty option at position ${index + 1}`);
  const equals = raw.indexOf('=');
  if (equals === -1) throw invalid(`option ${quote(raw)} has no value (expected name=value)`);
  const written = raw.slice(0, equals);
  const value = raw.slice(equals + 1);
  if (written === '') throw invalid(`option with value ${quote(value)} has an empty name`);
  const name = aliases.get(written) ?? written;
  if (unsupportedNames.has(name) || name.startsWith('trim.border')) {
    throw invalid(`option ${quote(written)} is not supported`);
  }
  if (!optionNames.has(name)) throw invalid(`unknown option ${quote(written)}`);
  return { written, name: name as OptionName, value };
}

function integerIn(element: Element, min: number, max: number): number {
  const number = INTEGER.test(element.value) ? Number(element.value) : NaN;
  if (!(number >= min && number <= max)) throw badValue(element, `an integer in ${min}..${max}`);
  return number;
}

function decimalIn(element: Element, min: number, max: number): number {
  const number = DECIMAL.test(element.value) ? Number(element.value) : NaN;
  if (!(number >= min && number <= max)) throw badValue(element, `a number in ${min}..${max}`);
  return number;
}

function oneOf<T extends string>(element: Element, allowed: readonly T[]): T {
  const found = allowed.find((candidate) => candidate === element.value);
  if (found === undefined) throw badValue(element, `one of ${allowed.join(', ')}`);
  return found;
}

function dimension(element: Element, maxOutputDimension: number): number {
  if (element.value === 'auto') {
    throw invalid(`option ${label(element)}=auto is not supported (it needs client hints); give a number of pixels`);
  }
  return integerIn(element, 1, maxOutputDimension);
}

function gravity(element: Element): Gravity {
  const side = sides.find((candidate) => candidate === element.value);
  if (side !== undefined) return side;
  if (element.value === 'face') throw invalid(`option ${label(element)}=face is not supported`);
  const point = POINT.exec(element.value);
  const x = Number(point?.[1]);
  const y = Number(point?.[2]);
  if (!(x <= 1 && y <= 1)) throw badValue(element, `one of ${sides.join(', ')}, or XxY with X and Y in 0..1`);
  return { x, y };
}

function quality(element: Element): number | QualityName {
  const name = qualityNames.find((candidate) => candidate === element.value);
  if (name !== undefined) return name;
  if (!INTEGER.test(element.value)) {
    throw badValue(element, `an integer in 1..100 or one of ${qualityNames.join(', ')}`);
  }
  return integerIn(element, 1, 100);
}

/** Any CSS colour (options/css-colour.ts): names, `#rgb[a]`, `#rrggbb[aa]` (`#` literal or `%23`), `rgb()`, `hsl()`. */
function colour(element: Element): RGBA {
  const parsed = parseCssColour(element.value);
  if (parsed === null) {
    throw badValue(element, 'a CSS colour: a name (red, rebeccapurple, transparent), #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(r,g,b[,a]), rgb(r g b / a) or hsl(h s% l% / a), components in range');
  }
  return parsed;
}

/** Largest trim value, in CSS pixels: more than any master we take is on a side. */
const MAX_TRIM = 65535;

const noTrim: Trim = { top: 0, right: 0, bottom: 0, left: 0 };

/** `trim=top;right;bottom;left` (pixels, decimals allowed as Cloudflare allows them); `trim=border` is not supported. */
function trimSides(element: Element, draft: Draft): Trim {
  if (element.value === 'border') throw invalid(`option ${label(element)}=border is not supported`);
  const parts = element.value.split(';');
  const values = parts.map((part) => (DECIMAL.test(part) ? Number(part) : NaN));
  if (values.length !== 4 || !values.every((value) => value <= MAX_TRIM)) {
    throw badValue(element, `top;right;bottom;left, four numbers of pixels in 0..${MAX_TRIM}`);
  }
  const [top, right, bottom, left] = values as [number, number, number, number];
  return { ...noTrim, ...draft.trim, top, right, bottom, left };
}

/** `trim.top`, `trim.width` …: one side, or the size to keep. */
function trimPart(element: Element & { name: TrimPart }, draft: Draft): Trim {
  const value = decimalIn(element, element.name === 'trim.width' || element.name === 'trim.height' ? 1 : 0, MAX_TRIM);
  const key = element.name.slice('trim.'.length) as keyof Trim;
  return { ...noTrim, ...draft.trim, [key]: value };
}

function boolean(element: Element): boolean {
  return oneOf(element, ['true', 'false']) === 'true';
}

function apply(draft: Draft, element: Element, maxOutputDimension: number): void {
  switch (element.name) {
    case 'width':
      // width=auto: client hints choose one of four widths when the request is served (options/client-hints.ts).
      if (element.value === 'auto') draft.autoWidth = true;
      else draft.width = dimension(element, maxOutputDimension);
      return;
    case 'height':
      draft.height = dimension(element, maxOutputDimension);
      return;
    case 'dpr':
      draft.dpr = decimalIn(element, 1, 3);
      return;
    case 'fit':
      // Cloudflare added `aspect-crop` in 2026 (cloudflare-docs#31162); its exact geometry is not implemented here.
      if (element.value === 'aspect-crop') throw invalid(`option ${label(element)}=aspect-crop is not supported`);
      draft.fit = oneOf(element, fits);
      return;
    case 'gravity':
      draft.gravity = gravity(element);
      return;
    case 'quality':
      draft.quality = quality(element);
      return;
    case 'format':
      draft.format = oneOf(element, formats);
      return;
    case 'background':
      draft.background = colour(element);
      return;
    case 'rotate': {
      const rotation = rotations.get(element.value);
      if (rotation === undefined) throw badValue(element, 'one of 0, 90, 180, 270');
      draft.rotate = rotation;
      return;
    }
    case 'flip':
      draft.flip = oneOf(element, flips);
      return;
    case 'blur':
      draft.blur = decimalIn(element, 1, 250);
      return;
    case 'sharpen':
      draft.sharpen = decimalIn(element, 0, 10);
      return;
    case 'brightness':
    case 'contrast':
    case 'gamma': {
      // Cloudflare: "0 is ignored" for these three.
      const factor = decimalIn(element, 0, MAX_TONE_FACTOR);
      if (factor !== 0) draft[element.name] = factor;
      return;
    }
    case 'saturation':
      draft.saturation = decimalIn(element, 0, MAX_TONE_FACTOR);
      return;
    case 'metadata':
      draft.metadata = oneOf(element, metadataModes);
      return;
    case 'anim':
      draft.anim = boolean(element);
      return;
    case 'onerror':
      draft.onerror = oneOf(element, ['redirect'] as const);
      return;
    case 'compression':
      draft.compression = oneOf(element, ['fast'] as const);
      return;
    case 'trim':
      draft.trim = trimSides(element, draft);
      return;
    case 'trim.top':
    case 'trim.right':
    case 'trim.bottom':
    case 'trim.left':
    case 'trim.width':
    case 'trim.height':
      draft.trim = trimPart(element as Element & { name: TrimPart }, draft);
      return;
  }
}

/** `dpr` multiplies the requested size; the product is what is encoded, so it must fit the same bound. */
function checkDpr(options: TransformOptions, maxOutputDimension: number): void {
  const largest = Math.round(Math.max(options.width ?? 0, options.height ?? 0) * options.dpr);
  if (largest > maxOutputDimension) {
    throw invalid(`option dpr=${options.dpr} makes the output ${largest} px, over the limit of ${maxOutputDimension}`);
  }
}

/**
 * Reads a Cloudflare image-resizing option segment (already percent-decoded once) into options with
 * every default filled in. Throws `ImageError(400, 'invalid-option')` naming the offending option for
 * anything unknown, malformed, duplicated (an alias counts as its full name) or out of range.
 *
 * @example
 * parseOptions('w=800,fit=cover,f=auto', { maxOutputDimension: 8192 })
 * // → { width: 800, fit: 'cover', format: 'auto', dpr: 1, gravity: 'auto', rotate: 0, metadata: 'none', anim: true }
 */
export function parseOptions(segment: string, limits: { maxOutputDimension: number }): TransformOptions {
  if (segment.length > MAX_SEGMENT_LENGTH) {
    throw invalid(`options are ${segment.length} characters long, over the limit of ${MAX_SEGMENT_LENGTH}`);
  }
  const draft: Draft = {};
  const seen = new Map<OptionName, string>();
  splitSegment(segment).forEach((raw, index) => {
    const element = readElement(raw, index);
    const earlier = seen.get(element.name);
    if (earlier !== undefined) {
      throw invalid(`option ${label(element)} is given twice (also as ${quote(earlier)})`);
    }
    seen.set(element.name, element.written);
    apply(draft, element, limits.maxOutputDimension);
  });
  const side = (['trim.top', 'trim.right', 'trim.bottom', 'trim.left'] as const).find((name) => seen.has(name));
  if (seen.has('trim') && side !== undefined) {
    throw invalid(`options trim and ${side} both set a side to trim; give the sides one way`);
  }
  const options: TransformOptions = {
    ...draft,
    dpr: draft.dpr ?? 1,
    fit: draft.fit ?? 'scale-down',
    gravity: draft.gravity ?? 'auto',
    format: draft.format ?? 'auto',
    rotate: draft.rotate ?? 0,
    metadata: draft.metadata ?? 'none',
    anim: draft.anim ?? true,
  };
  checkDpr(options, limits.maxOutputDimension);
  return options;
}

/** Every option name and alias the grammar takes, for messages that suggest the nearest one. */
export function knownOptionNames(): string[] {
  return [...optionNames, ...aliases.keys()];
}
