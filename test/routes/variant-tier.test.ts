/**
 * The durable variant tier in R2 through the worker: Cache API → R2 tier → transform, `X-Cache: HIT | TIER | MISS`,
 * and one transform per variant across isolates (another isolate is played by taking the lease on its behalf).
 */
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import dune from '../../samples/photos/dune.jpg?bytes';
import storm from '../../samples/photos/storm.jpg?bytes';
import { acquireLease } from '../../src/limits/variant-lease.js';
import { variantCacheUrl } from '../../src/options/cache-key.js';
import { masterVariantsPrefix } from '../../src/storage/variant-tier.js';
import { decodeAny, magicOf } from '../helpers/images.js';
import { eventually, tierKeyOf, tierKeys } from '../helpers/tier.js';
import { ORIGIN, bodyBytes, get, putMaster } from '../helpers/worker.js';
import { upload } from './masters-client.js';

beforeAll(async () => {
  await putMaster('tier/storm.jpg', storm);
});

async function dropFromCacheApi(key: string, canonical: string, format: 'webp' | 'jpeg'): Promise<void> {
  const head = await env.MASTERS.head(`masters/${key}`);
  await caches.default.delete(variantCacheUrl(ORIGIN, key, head!.etag, canonical, format));
}

describe('the R2 variant tier', () => {
  it('keeps what a transform made, and serves it after a Cache API miss without R2 master reads or a codec', async () => {
    const path = '/cdn-cgi/image/width=90,format=webp/tier/storm.jpg';
    const made = await get(path);
    expect(made.headers.get('X-Cache')).toBe('MISS');
    const bytes = await bodyBytes(made);
    const tierKey = await tierKeyOf('tier/storm.jpg', 'width=90', 'webp');
    expect(await eventually(async () => (await env.MASTERS.head(tierKey)) !== null)).toBe(true);
    const object = await env.MASTERS.get(tierKey);
    expect(object!.httpMetadata?.contentType).toBe('image/webp');
    expect(object!.customMetadata?.etag).toBe(made.headers.get('ETag'));

    // Another data centre: its Cache API does not have the variant.
    await dropFromCacheApi('tier/storm.jpg', 'width=90', 'webp');
    const tiered = await get(path);
    expect(tiered.status).toBe(200);
    expect(tiered.headers.get('X-Cache')).toBe('TIER');
    expect(tiered.headers.get('ETag')).toBe(made.headers.get('ETag'));
    expect(tiered.headers.get('Content-Type')).toBe('image/webp');
    expect(tiered.headers.get('Server-Timing')).not.toMatch(/decode|encode/);
    expect(await bodyBytes(tiered)).toEqual(bytes);

    // …and the tier hit filled that Cache API.
    expect(await eventually(async () => (await get(path)).headers.get('X-Cache') === 'HIT')).toBe(true);
  });

  it('lays variants out by master and version, so one prefix lists them all', async () => {
    await (await get('/cdn-cgi/image/width=91,format=jpeg/tier/storm.jpg')).arrayBuffer();
    const head = await env.MASTERS.head('masters/tier/storm.jpg');
    expect(await eventually(async () => (await tierKeys(`${masterVariantsPrefix('tier/storm.jpg')}${head!.etag}/`)).length >= 2)).toBe(true);
    for (const key of await tierKeys(masterVariantsPrefix('tier/storm.jpg'))) {
      expect(key).toMatch(new RegExp(`^variants/tier/storm\\.jpg//${head!.etag}/v2-[0-9a-f]{32}$`));
    }
  });

  it('never serves a replaced master from the tier, and sweeps the old version out', async () => {
    expect((await upload('tier/replaced.jpg', storm, { 'Content-Type': 'image/jpeg' })).status).toBe(201);
    const path = '/cdn-cgi/image/width=80,format=webp/tier/replaced.jpg';
    const before = await get(path);
    expect((await decodeAny(await bodyBytes(before))).height).toBe(53);
    const oldPrefix = masterVariantsPrefix('tier/replaced.jpg');
    expect(await eventually(async () => (await tierKeys(oldPrefix)).length === 1)).toBe(true);
    const [oldKey] = await tierKeys(oldPrefix);

    expect((await upload('tier/replaced.jpg', dune, { 'Content-Type': 'image/jpeg' })).status).toBe(200);
    const after = await get(path);
    expect(after.headers.get('X-Cache')).toBe('MISS');
    expect((await decodeAny(await bodyBytes(after))).height).toBe(50);
    // The replace queued a sweep of every version but the new one.
    expect(await eventually(async () => !(await tierKeys(oldPrefix)).includes(oldKey!), 15_000)).toBe(true);
  });
});

describe('one transform per variant across isolates', () => {
  it('waits for the isolate that holds the lease and serves what it wrote', async () => {
    const tierKey = await tierKeyOf('tier/storm.jpg', 'width=92', 'webp');
    // Another isolate is making this variant.
    expect((await acquireLease(env.VARIANT_LEASE, tierKey, 'other-isolate', 5000)).granted).toBe(true);
    const waiting = get('/cdn-cgi/image/width=92,format=webp/tier/storm.jpg');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // …and writes it, as that isolate would (a tiny JPEG, so the response shows where it came from).
    await env.MASTERS.put(tierKey, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), {
      httpMetadata: { contentType: 'image/webp' },
      customMetadata: { etag: '"from-the-other-isolate"' },
    });
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Cache')).toBe('TIER');
    expect(response.headers.get('Server-Timing')).not.toMatch(/decode/);
    expect(Array.from(await bodyBytes(response))).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  });

  it('transforms itself once the holder\u2019s lease runs out without a write', async () => {
    const tierKey = await tierKeyOf('tier/storm.jpg', 'width=93', 'webp');
    expect((await acquireLease(env.VARIANT_LEASE, tierKey, 'dead-isolate', 400)).granted).toBe(true);
    const started = Date.now();
    const response = await get('/cdn-cgi/image/width=93,format=webp/tier/storm.jpg');
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Cache')).toBe('MISS');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe('webp');
    expect((await decodeAny(bytes)).width).toBe(93);
  });
});
