/**
 * Parses Cloudflare's image-resizing option segment (`width=800,fit=cover,…`) into validated `TransformOptions`.
 * The pieces live in `parse/`: names (what the grammar takes), element (splitting and the 400s), values (one value's
 * reader), trim, and apply (option name → reader).
 */

import type { TransformOptions } from './types.js';
import { apply, type Draft } from './parse/apply.js';
import { invalid, label, quote, readElement, splitSegment } from './parse/element.js';
import type { OptionName } from './parse/names.js';

export { splitSegment } from './parse/element.js';
export { fullOptionName, knownOptionNames } from './parse/names.js';

/** Longest option segment we read; real loaders write well under 200 characters. */
export const MAX_SEGMENT_LENGTH = 1024;

/** `dpr` multiplies the requested size; the product is what is encoded, so it must fit the same bound. */
function checkDpr(options: TransformOptions, maxOutputDimension: number): void {
  const largest = Math.round(Math.max(options.width ?? 0, options.height ?? 0) * options.dpr);
  if (largest > maxOutputDimension) {
    throw invalid(`option dpr=${options.dpr} makes the output ${largest} px, over the limit of ${maxOutputDimension}`);
  }
}

/** Options that only mean something together, or that contradict each other. */
function checkCombinations(draft: Draft, seen: Map<OptionName, string>, byBorder: boolean): void {
  const side = (['trim.top', 'trim.right', 'trim.bottom', 'trim.left'] as const).find((name) => seen.has(name));
  if (seen.has('trim') && side !== undefined) {
    throw invalid(`options trim and ${side} both set a side to trim; give the sides one way`);
  }
  const borderPart = (['trim.border.color', 'trim.border.tolerance', 'trim.border.keep'] as const).find((name) => seen.has(name));
  if (borderPart !== undefined && !byBorder) throw invalid(`option ${borderPart} needs trim=border`);
  const byPixels = (['trim.top', 'trim.right', 'trim.bottom', 'trim.left', 'trim.width', 'trim.height'] as const).find((name) => seen.has(name));
  if (byBorder && byPixels !== undefined) {
    throw invalid(`options trim=border and ${byPixels} both trim; give one of them`);
  }
  if (seen.has('zoom') && draft.gravity !== 'face') throw invalid('option zoom needs gravity=face');
}

/**
 * Reads a Cloudflare image-resizing option segment (already percent-decoded once) into options with
 * every default filled in. Throws `ImageError(400, 'invalid-option')` naming the offending option for
 * anything unknown, malformed, duplicated (an alias counts as its full name) or out of range.
 *
 * @example
 * parseOptions('w=800,fit=cover,f=auto', { maxOutputDimension: 8192 })
 * // → { width: 800, fit: 'cover', format: 'auto', dpr: 1, gravity: 'center', rotate: 0, metadata: 'none', anim: true }
 */
export function parseOptions(segment: string, limits: { maxOutputDimension: number }): TransformOptions {
  if (segment.length > MAX_SEGMENT_LENGTH) {
    throw invalid(`options are ${segment.length} characters long, over the limit of ${MAX_SEGMENT_LENGTH}`);
  }
  const draft: Draft = {};
  const seen = new Map<OptionName, string>();
  let byBorder = false;
  splitSegment(segment).forEach((raw, index) => {
    const element = readElement(raw, index);
    const earlier = seen.get(element.name);
    if (earlier !== undefined) {
      throw invalid(`option ${label(element)} is given twice (also as ${quote(earlier)})`);
    }
    seen.set(element.name, element.written);
    if (element.name === 'trim' && element.value === 'border') byBorder = true;
    apply(draft, element, limits.maxOutputDimension);
  });
  checkCombinations(draft, seen, byBorder);
  const options: TransformOptions = {
    ...draft,
    dpr: draft.dpr ?? 1,
    fit: draft.fit ?? 'scale-down',
    gravity: draft.gravity ?? 'center',
    format: draft.format ?? 'auto',
    rotate: draft.rotate ?? 0,
    metadata: draft.metadata ?? 'none',
    anim: draft.anim ?? true,
  };
  checkDpr(options, limits.maxOutputDimension);
  return options;
}
