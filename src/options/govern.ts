/**
 * Variant governance: turns an option segment into the options to serve, through presets, signatures
 * and allowlists, in that order. Pure but for WebCrypto; the image route calls it before any cache lookup, so a
 * hit is governed like a miss.
 */
import { ImageError } from '../http/problem.js';
import { type Allowlists, allowlistsActive, applyAllowlists } from './allowlist.js';
import { fullOptionName, MAX_SEGMENT_LENGTH, parseOptions, splitSegment } from './parse.js';
import { applyPreset, type Presets } from './presets.js';
import { readExpiry, type SigningKeys, verifySignature } from './signature.js';
import type { TransformOptions } from './types.js';

export type SigningMode = 'off' | 'optional' | 'required';

export interface GovernanceConfig {
  presets: Presets;
  /**
   * Whether a request on a preset may go unsigned when signatures are required: with only overrides the preset
   * allows, and of those only ones with a bounded set of values (see `overridesBounded`).
   */
  allowUnsignedPresets: boolean;
  allowlists: Allowlists;
  /** `off`: `sig=`/`exp=` are ignored; `optional`: checked when present; `required`: every URL but presets' needs one. */
  signedUrls: SigningMode;
  signingKeys: SigningKeys;
}

export interface GovernedRequest {
  options: TransformOptions;
  /** The preset the request named, if any. */
  preset?: string;
  /** Whether a valid signature vouched for the URL (it then skips the allowlists). */
  signed: boolean;
  /** The signed expiry, seconds since 1970: responses must not be cached past it. */
  exp?: number;
  /** What the allowlists snapped, `name=from->to`. */
  snapped: string[];
}

/** The one answer to every signature failure (missing, malformed, unknown key id, wrong MAC, expired): no oracle. */
export function signatureRefused(): ImageError {
  return new ImageError(403, 'invalid-signature', 'this URL needs a valid signature that has not expired');
}

function invalid(detail: string): ImageError {
  return new ImageError(400, 'invalid-option', detail);
}

/** The request's segment split into what governance reads (preset, sig, exp) and the transform options. */
export interface Controls {
  preset?: string;
  sig?: string;
  exp?: string;
  /** The remaining option elements, joined again. */
  rest: string;
}

/** Takes `preset=` (or a bare preset name first), `sig=` and `exp=` out of a segment. Each at most once. */
export function readControls(segment: string): Controls {
  if (segment.length > MAX_SEGMENT_LENGTH) {
    throw invalid(`options are ${segment.length} characters long, over the limit of ${MAX_SEGMENT_LENGTH}`);
  }
  const controls: Controls = { rest: '' };
  const rest: string[] = [];
  const take = (name: 'preset' | 'sig' | 'exp', value: string) => {
    if (controls[name] !== undefined) throw invalid(`option ${name} is given twice`);
    controls[name] = value;
  };
  splitSegment(segment).forEach((element, index) => {
    const equals = element.indexOf('=');
    const name = element.slice(0, equals);
    if (equals === -1 && index === 0 && element !== '') take('preset', element);
    else if (name === 'preset' || name === 'sig' || name === 'exp') take(name, element.slice(equals + 1));
    else rest.push(element);
  });
  controls.rest = rest.join(',');
  return controls;
}

/** Which sizes and qualities the request itself set (a preset's are the operator's). */
function touchedBy(rest: string) {
  const names = new Set(rest === '' ? [] : splitSegment(rest).map((e) => fullOptionName(e.slice(0, e.indexOf('=')))));
  const dpr = names.has('dpr');
  return { width: names.has('width') || dpr, height: names.has('height') || dpr, quality: names.has('quality') };
}

/** Options whose every value is one of a few words: a request may set them on a preset without adding variants unboundedly. */
const ENUMERATED = new Set(['format', 'fit', 'flip', 'metadata', 'anim', 'onerror', 'rotate', 'compression']);

/**
 * Whether a request's overrides of a preset can only name a bounded set of variants, so that it may go unsigned
 * when signatures are required: enumerations, named gravities and qualities, and sizes (also through `dpr`) only
 * where an allowlist bounds them. A point gravity, a numeric size or quality without a list, `blur`, `sharpen` and
 * `background` take unboundedly many values: they need a signature.
 */
export function overridesBounded(rest: string, requested: TransformOptions | undefined, merged: TransformOptions, lists: Allowlists): boolean {
  if (requested === undefined) return true;
  const names = new Set(splitSegment(rest).map((e) => fullOptionName(e.slice(0, e.indexOf('=')))));
  for (const name of names) {
    if (name !== undefined && ENUMERATED.has(name)) continue;
    if (name === 'gravity' && typeof requested.gravity === 'string') continue;
    if (name === 'quality' && (typeof requested.quality === 'string' || lists.qualities)) continue;
    if (name === 'width' && lists.widths) continue;
    if (name === 'height' && lists.heights) continue;
    if (name === 'dpr' && (merged.width === undefined || lists.widths) && (merged.height === undefined || lists.heights)) continue;
    return false;
  }
  return true;
}

/**
 * The options to serve for `segment` (percent-decoded once) and master `key`, or an ImageError: 400 for options
 * that are malformed, fixed by the preset or (in `refuse` mode) not allowed; 403 for a signature that is missing
 * where required, or invalid, or expired.
 */
export async function governOptions(
  segment: string,
  key: string,
  config: GovernanceConfig & { maxOutputDimension: number },
  nowSeconds: number,
): Promise<GovernedRequest> {
  const controls = readControls(segment);
  let options: TransformOptions;
  let requested: TransformOptions | undefined;
  if (controls.preset !== undefined) {
    const preset = config.presets.get(controls.preset);
    if (!preset) throw invalid(`unknown preset ${JSON.stringify(controls.preset.slice(0, 40))}`);
    // The request's own options are validated alone first, so a message names what the request wrote.
    if (controls.rest !== '') requested = parseOptions(controls.rest, config);
    options = parseOptions(applyPreset(preset, controls.rest), config);
  } else {
    options = parseOptions(controls.rest, config);
  }
  let exp: number | undefined;
  if (controls.exp !== undefined) {
    try {
      exp = readExpiry(controls.exp);
    } catch (error) {
      throw invalid((error as Error).message);
    }
  }

  let signed = false;
  if (config.signedUrls !== 'off') {
    if (controls.sig !== undefined) {
      if (!(await verifySignature(config.signingKeys, segment, key, { sig: controls.sig, exp }, nowSeconds))) throw signatureRefused();
      signed = true;
    } else if (exp !== undefined) {
      throw invalid('option exp needs a signature (sig=)');
    } else if (config.signedUrls === 'required') {
      const unsignedPreset = controls.preset !== undefined && config.allowUnsignedPresets;
      if (!unsignedPreset || !overridesBounded(controls.rest, requested, options, config.allowlists)) throw signatureRefused();
    }
  }

  let snapped: string[] = [];
  if (!signed && allowlistsActive(config.allowlists)) {
    ({ options, snapped } = applyAllowlists(options, config.allowlists, touchedBy(controls.rest)));
  }
  return { options, preset: controls.preset, signed, exp: signed ? exp : undefined, snapped };
}
