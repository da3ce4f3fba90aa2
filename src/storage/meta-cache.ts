/**
 * A master's metadata kept in the Cache API for META_TTL seconds, so that a variant hit touches neither R2
 * nor a codec. Absent masters are remembered too (briefly), so a flood of 404s does not become R2 reads.
 */
import { metaCacheUrl } from '../options/cache-key.js';
import { describeMaster, type MasterMeta } from './masters.js';

interface Entry {
  meta: MasterMeta | null;
}

export async function cachedMasterMeta(cache: Cache, origin: string, key: string): Promise<Entry | undefined> {
  const hit = await cache.match(metaCacheUrl(origin, key));
  if (!hit) return undefined;
  try {
    return (await hit.json()) as Entry;
  } catch {
    return undefined;
  }
}

export function storeMasterMeta(cache: Cache, origin: string, key: string, meta: MasterMeta | null, ttl: number): Promise<void> {
  const body = JSON.stringify({ meta } satisfies Entry);
  const response = new Response(body, { headers: { 'Content-Type': 'application/json', 'Cache-Control': `max-age=${ttl}` } });
  return cache.put(metaCacheUrl(origin, key), response);
}

/** Called by whatever changes a master, so this data centre never serves a variant of the old one. */
export async function dropMasterMeta(cache: Cache, origin: string, key: string): Promise<void> {
  await cache.delete(metaCacheUrl(origin, key));
}

/** A master's metadata: from the Cache API when fresh, else from R2 (and then kept for `ttl` seconds). */
export async function lookupMaster(
  cache: Cache,
  bucket: R2Bucket,
  origin: string,
  key: string,
  ttl: number,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<{ meta: MasterMeta | null; cached: boolean }> {
  const entry = await cachedMasterMeta(cache, origin, key);
  if (entry) return { meta: entry.meta, cached: true };
  const meta = await describeMaster(bucket, key);
  waitUntil(storeMasterMeta(cache, origin, key, meta, ttl));
  return { meta, cached: false };
}
