/**
 * Allowlists: the only widths, heights and qualities a request may ask for, as Next.js's
 * `deviceSizes`/`imageSizes`/`qualities`. Off unless configured. `snap` serves the nearest allowed value
 * instead, `refuse` answers 400.
 */
import { ImageError } from '../http/problem.js';
import type { TransformOptions } from './types.js';

export type AllowlistMode = 'snap' | 'refuse';

export interface Allowlists {
  /** Allowed output widths in device pixels (after `dpr`), ascending; undefined when any width goes. */
  widths?: readonly number[];
  heights?: readonly number[];
  /** Allowed numeric qualities, ascending. Named qualities (`high` …) are four values and always allowed. */
  qualities?: readonly number[];
  mode: AllowlistMode;
}

/** An allowlist longer than this is no longer a list of sizes. */
export const MAX_ALLOWED_VALUES = 64;

/** Reads a comma-separated list of integers in `min..max` (empty: no list), sorted and without duplicates. */
export function readAllowlist(raw: string | undefined, name: string, min: number, max: number): number[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const items = raw.split(',').map((s) => s.trim());
  if (items.length > MAX_ALLOWED_VALUES) throw new Error(`[vars] ${name} has ${items.length} values, over the limit of ${MAX_ALLOWED_VALUES}`);
  const values = items.map((item) => {
    const value = /^\d{1,6}$/.test(item) ? Number(item) : NaN;
    if (!(value >= min && value <= max)) throw new Error(`[vars] ${name}: ${JSON.stringify(item)} must be an integer in ${min}..${max}`);
    return value;
  });
  return [...new Set(values)].sort((a, b) => a - b);
}

export function readAllowlistMode(raw: string | undefined): AllowlistMode {
  if (raw === undefined || raw === '' || raw === 'snap') return 'snap';
  if (raw === 'refuse') return 'refuse';
  throw new Error(`[vars] ALLOWLIST_MODE=${raw} must be snap or refuse`);
}

/** Whether any list is set. */
export function allowlistsActive(lists: Allowlists): boolean {
  return lists.widths !== undefined || lists.heights !== undefined || lists.qualities !== undefined;
}

/**
 * The allowed size for a requested one: the smallest allowed value at least as large, else the largest. Sizes
 * snap up, never down: a page that asked for 700 px and lays it out at 700 px must not get a blurrier 640.
 */
export function snapSize(value: number, allowed: readonly number[]): number {
  return allowed.find((candidate) => candidate >= value) ?? allowed[allowed.length - 1]!;
}

/** The allowed quality nearest to a requested one (ties go up). */
export function snapQuality(value: number, allowed: readonly number[]): number {
  let best = allowed[0]!;
  for (const candidate of allowed) if (Math.abs(candidate - value) <= Math.abs(best - value)) best = candidate;
  return best;
}

/**
 * Which values a request set itself: a preset's own values are the operator's and not checked. A request's `dpr`
 * touches both sizes (it multiplies them).
 */
export interface Touched {
  width: boolean;
  height: boolean;
  quality: boolean;
}

export interface AllowlistResult {
  options: TransformOptions;
  /** What was snapped, as `name=from->to`, for the `X-Snapped` header; empty when nothing was. */
  snapped: string[];
}

/** `width × dpr`, rounded as geometry rounds it. */
function device(length: number, dpr: number): number {
  return Math.max(1, Math.round(length * dpr));
}

/**
 * Checks the request's width, height (in device pixels, after `dpr`) and quality against the lists. In `snap` mode
 * an unlisted value becomes an allowed one (and `dpr` is folded into the sizes, so the result names device pixels);
 * in `refuse` mode it is a 400 naming the value and the allowed ones.
 */
export function applyAllowlists(options: TransformOptions, lists: Allowlists, touched: Touched): AllowlistResult {
  const snapped: string[] = [];
  const dpr = options.dpr;
  const width = options.width === undefined ? undefined : device(options.width, dpr);
  const height = options.height === undefined ? undefined : device(options.height, dpr);
  const check = (name: string, value: number, allowed: readonly number[] | undefined, snap: (v: number, a: readonly number[]) => number): number => {
    if (allowed === undefined || allowed.includes(value)) return value;
    if (lists.mode === 'refuse') {
      const written = dpr !== 1 && name !== 'quality' ? `${name} ${value} (after dpr=${dpr})` : `${name}=${value}`;
      throw new ImageError(400, 'not-allowed', `${written} is not allowed here; allowed: ${allowed.join(', ')}`);
    }
    const to = snap(value, allowed);
    snapped.push(`${name}=${value}->${to}`);
    return to;
  };
  const newWidth = width !== undefined && touched.width ? check('width', width, lists.widths, snapSize) : width;
  const newHeight = height !== undefined && touched.height ? check('height', height, lists.heights, snapSize) : height;
  const quality = typeof options.quality === 'number' && touched.quality ? check('quality', options.quality, lists.qualities, snapQuality) : options.quality;
  if (snapped.length === 0) return { options, snapped };
  return { options: { ...options, width: newWidth, height: newHeight, dpr: 1, quality }, snapped };
}
