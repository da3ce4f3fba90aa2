/** Variants in the Cache API, keyed by a URL that carries the negotiated format (the Cache API ignores Vary). */

export async function matchVariant(cache: Cache, url: string): Promise<Response | undefined> {
  return cache.match(url);
}

/** Headers about this request or this client, never part of what is shared through the cache. */
const perRequest = ['X-Cache', 'Server-Timing', 'RateLimit', 'RateLimit-Policy'];

/** Stores a variant without its per-request headers. */
export async function storeVariant(cache: Cache, url: string, response: Response): Promise<void> {
  const stored = new Response(response.body, response);
  for (const name of perRequest) stored.headers.delete(name);
  await cache.put(url, stored);
}
