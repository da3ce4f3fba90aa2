/** HTTP caching semantics of image responses: Cache-Control, conditional requests, Cache-Tag. */
import type { Config } from '../config.js';

export function cacheControl(config: Config): string {
  return `public, max-age=${config.cacheTtl}, stale-while-revalidate=${config.staleWhileRevalidate}`;
}

/**
 * What Workers Cache (in front of the Worker) keeps, and for how long. Cloudflare reads this header in preference
 * to Cache-Control and strips it, so browsers still see CACHE_TTL; the Cache API tier never stores it.
 */
export const CDN_CACHE_CONTROL = 'Cloudflare-CDN-Cache-Control';

export function cdnCacheControl(config: Config): string {
  return `public, max-age=${config.cdnTtl}, stale-while-revalidate=${config.staleWhileRevalidate}`;
}

/** The caching headers of anything made from a master: browser and CDN lifetimes, and the master's tag. */
export function masterDerivedHeaders(config: Config, key: string): Record<string, string> {
  return {
    'Cache-Control': cacheControl(config),
    [CDN_CACHE_CONTROL]: cdnCacheControl(config),
    'Cache-Tag': masterCacheTag(key),
  };
}

/** RFC 9110 §13.1.2: weak comparison, a list of tags, or `*`. */
export function ifNoneMatchHits(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => opaque(tag) === wanted);
}

/**
 * Cache-Tag names the master, so one purge-by-tag drops every variant of it. Tags are comma-separated and
 * at most 1024 bytes each: the key is percent-encoded and long keys are cut (a purge then covers siblings too).
 */
export function masterCacheTag(key: string): string {
  return `master:${encodeURIComponent(key)}`.slice(0, 1024);
}

/** Headers that let the response be shared across origins (images are embedded everywhere) but not sniffed. */
export const imageHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Access-Control-Allow-Origin': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
};
