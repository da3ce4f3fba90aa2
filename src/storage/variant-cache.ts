/** Variants in the Cache API, keyed by a URL that carries the negotiated format (the Cache API ignores Vary). */
import { CDN_CACHE_CONTROL } from '../http/caching.js';

export async function matchVariant(cache: Cache, url: string): Promise<Response | undefined> {
  return cache.match(url);
}

/**
 * Headers about this request or this client, never part of what is shared through the cache; and the lifetime
 * meant for Workers Cache, so that the Cache API keeps the variant for CACHE_TTL (it is keyed by the master's
 * ETag, so it can never be stale).
 */
const perRequest = ['X-Cache', 'Server-Timing', 'RateLimit', 'RateLimit-Policy', CDN_CACHE_CONTROL];

/** Stores a variant without its per-request headers. */
export async function storeVariant(cache: Cache, url: string, response: Response): Promise<void> {
  const stored = new Response(response.body, response);
  for (const name of perRequest) stored.headers.delete(name);
  await cache.put(url, stored);
}
