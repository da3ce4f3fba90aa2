/**
 * `slow-connection-quality` (`scq`): the quality used instead of `quality` when the client's hints say its connection
 * is slow, as Cloudflare decides it: `RTT` over 150 ms, `Save-Data: on`, `ECT` of `slow-2g`, `2g` or `3g`, or
 * `Downlink` under 5 Mbps. Only that yes/no reaches the cache key (as the quality it chooses), never a header. Pure.
 */
import type { QualityName } from './types.js';

/** The request headers the decision reads: what a response that used them names in `Vary`. */
export const CONNECTION_HINTS = ['Save-Data', 'ECT', 'RTT', 'Downlink'] as const;

/** What a response that used them asks the browser to send next time (`Accept-CH`), as Cloudflare's docs write it. */
export const CONNECTION_ACCEPT_CH = 'RTT, Save-Data, ECT, Downlink';

const SLOW_ECT: ReadonlySet<string> = new Set(['slow-2g', '2g', '3g']);

/** A hint's number: a non-negative decimal of sane length, else undefined (hints are client input). */
function number(headers: Headers, name: string): number | undefined {
  const value = headers.get(name)?.trim();
  if (value === undefined || !/^\d{1,7}(?:\.\d{1,6})?$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Whether the client's hints say its connection is slow. A malformed hint counts as absent.
 *
 * @example
 * isSlowConnection(new Headers({ ECT: '3g' })) // → true
 * isSlowConnection(new Headers({ RTT: '150', Downlink: '10' })) // → false (RTT must be over 150)
 */
export function isSlowConnection(headers: Headers): boolean {
  if (headers.get('Save-Data')?.trim().toLowerCase() === 'on') return true;
  if (SLOW_ECT.has(headers.get('ECT')?.trim().toLowerCase() ?? '')) return true;
  const rtt = number(headers, 'RTT');
  if (rtt !== undefined && rtt > 150) return true;
  const downlink = number(headers, 'Downlink');
  return downlink !== undefined && downlink < 5;
}

/**
 * `options` with `slow-connection-quality` resolved for `headers`: on a slow connection it becomes the quality; on any
 * other the quality stays as asked. `slowConnectionQuality` itself stays (for Vary) but is not in the cache key.
 */
export function withConnectionQuality<T extends { quality?: number | QualityName; slowConnectionQuality?: number | QualityName }>(options: T, headers: Headers): T {
  if (options.slowConnectionQuality === undefined || !isSlowConnection(headers)) return options;
  return { ...options, quality: options.slowConnectionQuality };
}
