/**
 * A master's metadata kept in the Cache API for META_TTL seconds, so that a variant hit touches neither R2
 * nor a codec, and in this isolate's memo for META_MEMO_TTL seconds, so that a warm hit does not even ask the
 * Cache API for it. Absent masters are remembered too (briefly), so a flood of 404s does not become R2 reads.
 */
import { metaCacheUrl } from '../options/cache-key.js';
import { describeMaster, type MasterMeta } from './masters.js';
import { metaMemo } from './meta-memo.js';

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

/** Called by whatever changes a master, so this isolate and this data centre never serve a variant of the old one. */
export async function dropMasterMeta(cache: Cache, origin: string, key: string): Promise<void> {
  const url = metaCacheUrl(origin, key);
  metaMemo.forget(url);
  await cache.delete(url);
}

/** How long metadata is kept: `metaTtl` in the Cache API, `metaMemoTtl` in this isolate's memo (seconds). */
export interface MetaTtls {
  metaTtl: number;
  metaMemoTtl: number;
}

/** Where the metadata came from: the isolate's memo, the Cache API, or R2. */
export type MetaSource = 'memo' | 'cache' | 'r2';

/**
 * What to do about a master that R2 does not have (`pull` it from an origin) and one read from R2 (`revalidate` it
 * against its origin, behind the response). Both only run when the memo and the Cache API had nothing.
 */
export interface MissingMaster {
  pull(key: string): Promise<MasterMeta | null>;
  revalidate(meta: MasterMeta): void;
}

/** A master's metadata: from the memo, else the Cache API, else R2 (or its origin); each answer is kept by the tiers above it. */
export async function lookupMaster(
  cache: Cache,
  bucket: R2Bucket,
  origin: string,
  key: string,
  ttls: MetaTtls,
  waitUntil: (promise: Promise<unknown>) => void,
  missing?: MissingMaster,
): Promise<{ meta: MasterMeta | null; source: MetaSource }> {
  const url = metaCacheUrl(origin, key);
  const remembered = metaMemo.recall(url, Date.now());
  if (remembered) return { meta: remembered.meta, source: 'memo' };
  const entry = await cachedMasterMeta(cache, origin, key);
  if (entry) {
    metaMemo.remember(url, entry.meta, ttls.metaMemoTtl, Date.now());
    return { meta: entry.meta, source: 'cache' };
  }
  let meta = await describeMaster(bucket, key);
  if (meta) missing?.revalidate(meta);
  else if (missing) meta = await missing.pull(key);
  metaMemo.remember(url, meta, ttls.metaMemoTtl, Date.now());
  waitUntil(storeMasterMeta(cache, origin, key, meta, ttls.metaTtl));
  return { meta, source: 'r2' };
}
