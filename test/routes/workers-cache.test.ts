/**
 * What Workers Cache in front of the Worker sees: which responses it may keep, for how long, under which tag, and
 * what is never shared; and the isolate's metadata memo, which makes a warm hit one Cache API lookup.
 * Workers Cache itself does not run under Miniflare, so its inputs (the headers) are what is tested here.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import dune from '../../samples/photos/dune.jpg?bytes';
import storm from '../../samples/photos/storm.jpg?bytes';
import app from '../../src/index.js';
import { metaCacheUrl } from '../../src/options/cache-key.js';
import { decodeAny } from '../helpers/images.js';
import { ORIGIN, accept, bodyBytes, get, putMaster } from '../helpers/worker.js';
import { upload } from './masters-client.js';

const CDN = 'Cloudflare-CDN-Cache-Control';
const cdnLifetime = 'public, max-age=86400, stale-while-revalidate=86400';

/** Through the app with some [vars] changed, in this same isolate (so the memo is the worker's own). */
async function getWith(vars: Record<string, string>, path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(ORIGIN + path), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** The `desc` of one Server-Timing metric. */
function timingDesc(response: Response, metric: string): string | undefined {
  const header = response.headers.get('Server-Timing') ?? '';
  return new RegExp(`(?:^|, *)${metric};[^,]*desc="([^"]*)"`).exec(header)?.[1];
}

beforeAll(async () => {
  await putMaster('wc/storm.jpg', storm);
});

describe('responses Workers Cache may keep', () => {
  it('gives variants a CDN lifetime of CDN_TTL, a browser lifetime of CACHE_TTL and the master as tag', async () => {
    const miss = await get('/cdn-cgi/image/width=64,format=webp/wc/storm.jpg');
    expect(miss.headers.get('X-Cache')).toBe('MISS');
    expect(miss.headers.get(CDN)).toBe(cdnLifetime);
    expect(miss.headers.get('Cache-Control')).toBe('public, max-age=31536000, stale-while-revalidate=86400');
    expect(miss.headers.get('Cache-Tag')).toBe('master:wc%2Fstorm.jpg');
    expect(miss.headers.get('Vary')).toBeNull();
    await miss.arrayBuffer();
    // A hit from the Cache API tier refills Workers Cache with the same lifetimes.
    const hit = await get('/cdn-cgi/image/width=64,format=webp/wc/storm.jpg');
    expect(hit.headers.get('X-Cache')).toBe('HIT');
    expect(hit.headers.get(CDN)).toBe(cdnLifetime);
    expect(hit.headers.get('Cache-Tag')).toBe('master:wc%2Fstorm.jpg');
  });

  it('varies on Accept exactly when the format was negotiated', async () => {
    const auto = await get('/cdn-cgi/image/width=65,format=auto/wc/storm.jpg', { Accept: accept.chrome });
    expect(auto.headers.get('Vary')).toBe('Accept');
    expect(auto.headers.get(CDN)).toBe(cdnLifetime);
    const explicit = await get('/cdn-cgi/image/width=65,format=jpeg/wc/storm.jpg', { Accept: accept.chrome });
    expect(explicit.headers.get('Vary')).toBeNull();
  });

  it('tags originals and format=json with the master, so one purge covers them too', async () => {
    const original = await get('/originals/wc/storm.jpg');
    expect(original.headers.get(CDN)).toBe(cdnLifetime);
    expect(original.headers.get('Cache-Tag')).toBe('master:wc%2Fstorm.jpg');
    const json = await get('/cdn-cgi/image/format=json/wc/storm.jpg');
    expect(json.headers.get('Cache-Tag')).toBe('master:wc%2Fstorm.jpg');
    expect(json.headers.get(CDN)).toBe(cdnLifetime);
    expect(json.headers.get('Cache-Control')).toBe('public, max-age=20');
  });

  it('never lets a shared cache keep errors, health or per-client quota', async () => {
    for (const path of ['/cdn-cgi/image/width=64/wc/none.jpg', '/cdn-cgi/image/wdith=64/wc/storm.jpg', '/health', '/nothing-here']) {
      const response = await get(path);
      expect(response.headers.get('Cache-Control'), path).toBe('no-store');
      expect(response.headers.get(CDN), path).toBeNull();
    }
    const miss = await get('/cdn-cgi/image/width=66,format=webp/wc/storm.jpg', { 'CF-Connecting-IP': '203.0.113.77' });
    expect(miss.status).toBe(200);
    expect(miss.headers.get('RateLimit')).toBeNull();
    expect(miss.headers.get('RateLimit-Policy')).toBeNull();
  });
});

describe('the metadata memo', () => {
  it('answers a warm hit from the memo: one Cache API lookup, and neither the metadata entry nor R2 read', async () => {
    await putMaster('wc/memo.jpg', storm);
    const path = '/cdn-cgi/image/width=70,format=webp/wc/memo.jpg';
    const first = await get(path);
    expect(timingDesc(first, 'meta')).toBe('r2');
    await first.arrayBuffer();
    // Gone from R2 and from the Cache API's metadata entry: only the memo still knows the master.
    await env.MASTERS.delete('masters/wc/memo.jpg');
    await caches.default.delete(metaCacheUrl(ORIGIN, 'wc/memo.jpg'));
    const warm = await get(path);
    expect(warm.status).toBe(200);
    expect(warm.headers.get('X-Cache')).toBe('HIT');
    expect(timingDesc(warm, 'meta')).toBe('memo');
  });

  it('is off with META_MEMO_TTL=0: the metadata then comes from the Cache API entry', async () => {
    await putMaster('wc/no-memo.jpg', storm);
    const path = '/cdn-cgi/image/width=71,format=webp/wc/no-memo.jpg';
    await (await getWith({ META_MEMO_TTL: '0' }, path)).arrayBuffer();
    const again = await getWith({ META_MEMO_TTL: '0' }, path);
    expect(again.headers.get('X-Cache')).toBe('HIT');
    expect(timingDesc(again, 'meta')).toBe('cache');
  });

  it('lets another isolate see a change within META_MEMO_TTL once the Cache API entry is gone', async () => {
    await putMaster('wc/ttl.jpg', storm);
    const path = '/cdn-cgi/image/width=72,format=webp/wc/ttl.jpg';
    await (await getWith({ META_MEMO_TTL: '1' }, path)).arrayBuffer();
    // As if another isolate had replaced the master: R2 changes, the data centre's entry is dropped, this
    // isolate's memo is not told.
    await putMaster('wc/ttl.jpg', dune);
    await caches.default.delete(metaCacheUrl(ORIGIN, 'wc/ttl.jpg'));
    const stale = await getWith({ META_MEMO_TTL: '1' }, path);
    expect(timingDesc(stale, 'meta')).toBe('memo');
    expect((await decodeAny(await bodyBytes(stale))).height).toBe(48); // storm is 1600×1067
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = await getWith({ META_MEMO_TTL: '1' }, path);
    expect(timingDesc(fresh, 'meta')).toBe('r2');
    expect((await decodeAny(await bodyBytes(fresh))).height).toBe(45); // dune is 1680×1050
  });

  it('is dropped at once by a replace through this isolate', async () => {
    expect((await upload('wc/replaced.jpg', storm, { 'Content-Type': 'image/jpeg' })).status).toBe(201);
    const path = '/cdn-cgi/image/width=73,format=webp/wc/replaced.jpg';
    const before = await get(path);
    expect((await decodeAny(await bodyBytes(before))).height).toBe(49);
    expect((await upload('wc/replaced.jpg', dune, { 'Content-Type': 'image/jpeg' })).status).toBe(200);
    const after = await get(path);
    expect(after.headers.get('ETag')).not.toBe(before.headers.get('ETag'));
    expect((await decodeAny(await bodyBytes(after))).height).toBe(46);
  });
});
