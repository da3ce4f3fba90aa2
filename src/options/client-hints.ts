/**
 * `width=auto`: the width from the client's hints, bucketed as Cloudflare buckets it (1200, 960, 768 or 320 px), so
 * a hint cannot make more than four variants of an image. Only the bucket reaches the cache key, never a header. Pure.
 *
 * The hints, best first: `Sec-CH-Width` (the image's layout width in device pixels), then `Sec-CH-Viewport-Width`
 * × `Sec-CH-DPR`, then their legacy names `Width`, `Viewport-Width` × `DPR`. The bucket is the smallest that is at
 * least that many pixels (1200 when none is). Without any width hint the answer is 1200: Cloudflare guesses from the
 * User-Agent instead, which would need `Vary: User-Agent` and split the cache per browser build.
 */

import { CONNECTION_ACCEPT_CH, CONNECTION_HINTS } from './connection.js';

/** Cloudflare's `width=auto` sizes, ascending. */
export const AUTO_WIDTHS = [320, 768, 960, 1200] as const;
const LARGEST = 1200;

/** The request headers `width=auto` reads: what a response that used them names in `Vary`. */
export const WIDTH_HINTS = ['Sec-CH-Width', 'Sec-CH-Viewport-Width', 'Sec-CH-DPR', 'Width', 'Viewport-Width', 'DPR'] as const;

/** What a response that used hints asks the browser to send next time (`Accept-CH`). */
export const ACCEPT_CH = 'Sec-CH-Width, Sec-CH-Viewport-Width, Sec-CH-DPR';

/** A hint's number: a positive decimal no larger than `max`, else undefined (hints are client input). */
function hint(headers: Headers, name: string, max: number): number | undefined {
  const value = headers.get(name)?.trim();
  if (value === undefined || !/^\d{1,6}(?:\.\d{1,6})?$/.test(value)) return undefined;
  const number = Number(value);
  return number > 0 && number <= max ? number : undefined;
}

/** The width in device pixels the hints ask for, or undefined when there is none. */
export function hintedWidth(headers: Headers): number | undefined {
  const width = hint(headers, 'Sec-CH-Width', 100_000) ?? hint(headers, 'Width', 100_000);
  if (width !== undefined) return width;
  const viewport = hint(headers, 'Sec-CH-Viewport-Width', 100_000) ?? hint(headers, 'Viewport-Width', 100_000);
  if (viewport === undefined) return undefined;
  const dpr = hint(headers, 'Sec-CH-DPR', 10) ?? hint(headers, 'DPR', 10) ?? 1;
  return viewport * dpr;
}

/**
 * The `width=auto` bucket for a request's headers, never over `maxOutputDimension`.
 *
 * @example
 * autoWidth(new Headers({ 'Sec-CH-Viewport-Width': '390', 'Sec-CH-DPR': '2' }), 8192) // → 960 (780 device px)
 */
export function autoWidth(headers: Headers, maxOutputDimension: number): number {
  const wanted = hintedWidth(headers);
  const bucket = wanted === undefined ? LARGEST : (AUTO_WIDTHS.find((w) => w >= wanted) ?? LARGEST);
  return Math.min(bucket, maxOutputDimension);
}

/**
 * The headers a response for `options` varies on, and the `Accept-CH` it sends: `Accept` for `format=auto`, the
 * width hints for `width=auto` (consulted even when absent: their absence chose 1200), the connection hints for
 * `slow-connection-quality`.
 */
export function negotiationHeaders(options: { format: string; autoWidth?: true; slowConnectionQuality?: unknown }): Record<string, string> {
  const vary: string[] = [];
  const acceptCh: string[] = [];
  if (options.format === 'auto') vary.push('Accept');
  if (options.autoWidth) {
    vary.push(...WIDTH_HINTS);
    acceptCh.push(ACCEPT_CH);
  }
  if (options.slowConnectionQuality !== undefined) {
    vary.push(...CONNECTION_HINTS);
    acceptCh.push(CONNECTION_ACCEPT_CH);
  }
  const headers: Record<string, string> = {};
  if (vary.length > 0) headers.Vary = vary.join(', ');
  if (acceptCh.length > 0) headers['Accept-CH'] = acceptCh.join(', ');
  return headers;
}

/**
 * `options` with `width=auto` replaced by the bucket for `headers`. The bucket is already in device pixels (the hints
 * carry the device's pixel ratio), so `dpr` must not multiply it again: the width is set to `bucket / dpr`, which
 * geometry and the cache key turn back into exactly the bucket (while `dpr` still scales `height` and `trim`).
 *
 * @example
 * withAutoWidth({ autoWidth: true, dpr: 2 }, new Headers({ 'Sec-CH-Width': '700' }), 8192).width // → 384 (768 device px)
 */
export function withAutoWidth<T extends { autoWidth?: true; width?: number; dpr: number }>(options: T, headers: Headers, maxOutputDimension: number): T {
  if (!options.autoWidth) return options;
  return { ...options, width: autoWidth(headers, maxOutputDimension) / options.dpr };
}
