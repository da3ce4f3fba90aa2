/** Variants in the Cache API, keyed by a URL that carries the negotiated format (the Cache API ignores Vary). */

export async function matchVariant(cache: Cache, url: string): Promise<Response | undefined> {
  return cache.match(url);
}

/** Stores a variant; per-request headers (X-Cache, Server-Timing) are not part of what is cached. */
export async function storeVariant(cache: Cache, url: string, response: Response): Promise<void> {
  const stored = new Response(response.body, response);
  stored.headers.delete('X-Cache');
  stored.headers.delete('Server-Timing');
  await cache.put(url, stored);
}
