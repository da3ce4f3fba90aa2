/** A variant's cache identity: canonical options, a stable ETag, and the Cache API URLs of variants and master metadata. */

import { DEFAULT_BORDER_TOLERANCE } from './parse/trim.js';
import { trimPixels } from './trim.js';
import type { OutputFormat, RGBA, TransformOptions, Trim, TrimBorder } from './types';

function hexByte(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function hexColour({ r, g, b, a }: RGBA): string {
  return `#${[r, g, b, a].map(hexByte).join('')}`;
}

/** `width × dpr`, rounded as geometry rounds it, so `w=400,dpr=2` and `w=800` name one variant. */
function device(length: number, dpr: number): string {
  return String(Math.max(1, Math.round(length * dpr)));
}

/** `trim` in device pixels (dpr folded, as for width): `trim=t;r;b;l` unless all are 0, then `trim.width`, `trim.height`. */
function addTrim(trim: Trim, dpr: number, add: (name: string, value: string) => void): void {
  const sides = [trim.top, trim.right, trim.bottom, trim.left].map((value) => trimPixels(value, dpr));
  if (sides.some((value) => value !== 0)) add('trim', sides.join(';'));
  if (trim.height !== undefined) add('trim.height', String(trimPixels(trim.height, dpr)));
  if (trim.width !== undefined) add('trim.width', String(trimPixels(trim.width, dpr)));
}

/** `trim=border` and its parts, `keep` in device pixels; the default tolerance left out. */
function addTrimBorder(border: TrimBorder, dpr: number, add: (name: string, value: string) => void): void {
  add('trim', 'border');
  if (border.colour !== undefined) add('trim.border.color', hexColour(border.colour));
  if (border.keep !== 0) add('trim.border.keep', String(trimPixels(border.keep, dpr)));
  if (border.tolerance !== DEFAULT_BORDER_TOLERANCE) add('trim.border.tolerance', String(border.tolerance));
}

/**
 * The options in one canonical spelling: full names in alphabetical order, defaults left out, `dpr` folded
 * into width and height, numbers in their shortest form, colours as lowercase `#rrggbbaa`. `format` is
 * not part of it: the negotiated output format is a separate part of the cache key. Equivalent URLs give
 * the same string; nothing left gives `''`.
 *
 * @example
 * canonicalOptions(parseOptions('w=400,dpr=2,f=auto,q=80', limits)) // → 'quality=80,width=800'
 */
export function canonicalOptions(options: TransformOptions): string {
  const entries: Array<[string, string]> = [];
  const add = (name: string, value: string): void => {
    entries.push([name, value]);
  };
  // `anim=false` is in the key whatever the master (an animated master's first frame differs from its animation;
  // for a still it only costs a second entry). Not in the key: `onerror` (it only changes what a failure answers,
  // and failures are not cached) and `slow-connection-quality` (the route has already made it the quality when the
  // connection is slow: options/connection.ts).
  if (!options.anim) add('anim', 'false');
  if (options.background !== undefined) add('background', hexColour(options.background));
  if (options.blur !== undefined) add('blur', String(options.blur));
  if (options.compression !== undefined) add('compression', options.compression);
  // Tone factors of 1 change nothing (0, ignored, never gets here but for saturation, where it is greyscale).
  if (options.brightness !== undefined && options.brightness !== 1) add('brightness', String(options.brightness));
  if (options.contrast !== undefined && options.contrast !== 1) add('contrast', String(options.contrast));
  if (options.gamma !== undefined && options.gamma !== 1) add('gamma', String(options.gamma));
  if (options.saturation !== undefined && options.saturation !== 1) add('saturation', String(options.saturation));
  if (options.fit !== 'scale-down') add('fit', options.fit);
  if (options.flip !== undefined) add('flip', options.flip);
  if (typeof options.gravity === 'object') add('gravity', `${options.gravity.x}x${options.gravity.y}`);
  else if (options.gravity !== 'center') add('gravity', options.gravity);
  if (options.height !== undefined) add('height', device(options.height, options.dpr));
  if (options.metadata !== 'none') add('metadata', options.metadata);
  if (options.quality !== undefined) add('quality', String(options.quality));
  if (options.rotate !== 0) add('rotate', String(options.rotate));
  // sharpen=0 is no sharpening at all, the same image as leaving the option out.
  if (options.sharpen !== undefined && options.sharpen !== 0) add('sharpen', String(options.sharpen));
  if (options.trim !== undefined) addTrim(options.trim, options.dpr, add);
  if (options.trimBorder !== undefined) addTrimBorder(options.trimBorder, options.dpr, add);
  if (options.width !== undefined) add('width', device(options.width, options.dpr));
  // zoom=0 frames as much as the crop allows: the same image as no zoom.
  if (options.zoom !== undefined && options.zoom !== 0) add('zoom', String(options.zoom));
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
}

/**
 * The renderer's version, the start of every variant ETag. A strong ETag promises the same bytes, and the ETag hashes
 * inputs, not outputs: raise this whenever the same master and options come to give other bytes (v2: the fixed-point
 * resampler, up to 1 level from the float one's), so a variant rendered before is never taken for one rendered after.
 */
export const RENDERER_VERSION = 'v2';

/**
 * The same for one output format, when only its encoder comes to give other bytes: only that format's variants are
 * then rendered anew (avif 2: libaom 3.14.1, whose files differ from 3.6.0's).
 */
const ENCODER_REVISION: Readonly<Partial<Record<OutputFormat, number>>> = { avif: 2 };

/**
 * A strong ETag for one variant, the same in every data centre: the renderer's version and the first 32 hex digits
 * of SHA-256 over the master's ETag, the canonical options and the output format, one per line, and the format's
 * encoder revision on a fourth line where it has one.
 */
export async function variantETag(masterEtag: string, canonical: string, format: OutputFormat): Promise<string> {
  const revision = ENCODER_REVISION[format];
  const bytes = new TextEncoder().encode(
    `${masterEtag}\n${canonical}\n${format}${revision === undefined ? '' : `\n${revision}`}`,
  );
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `"${RENDERER_VERSION}-${Array.from(digest, hexByte).join('').slice(0, 32)}"`;
}

/**
 * A master key as a URL path, each segment percent-encoded. URL parsers drop `.` and `..` segments (even
 * written `%2E`), which would make `a/../b` and `b` one entry; such segments get a `~` prefix instead, and
 * every real `~` is encoded as `%7E` so the prefix cannot be forged.
 */
function keyPath(key: string): string {
  return key
    .split('/')
    .map((segment) => {
      if (segment === '.' || segment === '..') return `~${segment}`;
      return encodeURIComponent(segment).replace(/~/g, '%7E');
    })
    .join('/');
}

function withoutTrailingSlash(origin: string): string {
  return origin.replace(/\/+$/, '');
}

/**
 * The Cache API URL of one variant: `${origin}/__variants/<key>?etag=…&format=…&options=…`. It names the
 * master key, the master's ETag, the canonical options and the negotiated format, so distinct inputs give
 * distinct URLs and a replaced master never hits its old variants.
 */
export function variantCacheUrl(
  origin: string,
  key: string,
  masterEtag: string,
  canonical: string,
  format: OutputFormat,
): string {
  const query = [
    `etag=${encodeURIComponent(masterEtag)}`,
    `format=${encodeURIComponent(format)}`,
    `options=${encodeURIComponent(canonical)}`,
  ].join('&');
  return `${withoutTrailingSlash(origin)}/__variants/${keyPath(key)}?${query}`;
}

/** The Cache API URL of a master's metadata entry: `${origin}/__meta/<key>`. */
export function metaCacheUrl(origin: string, key: string): string {
  return `${withoutTrailingSlash(origin)}/__meta/${keyPath(key)}`;
}
