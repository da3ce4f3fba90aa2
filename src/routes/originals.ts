/** GET/HEAD /originals/<key>: a master's bytes as stored (where `onerror=redirect` sends a failed transform). */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { ifNoneMatchHits, imageHeaders, masterDerivedHeaders } from '../http/caching.js';
import { ImageError } from '../http/problem.js';
import { decodeKey } from '../options/key.js';
import type { InputFormat } from '../options/types.js';
import { objectKey, r2 } from '../storage/masters.js';
import { originPull } from './origin-pull.js';
import { lookupMaster } from '../storage/meta-cache.js';

const contentTypes: Record<InputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

export async function serveOriginal(c: Context<AppEnv>, rawKey: string): Promise<Response> {
  const key = decodeKey(rawKey);
  const config = c.get('config');
  const ifNoneMatch = c.req.header('If-None-Match') ?? null;
  const url = new URL(c.req.url);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p.catch((e) => console.error('cache write failed', e)));
  // The type comes from the bytes (sniffed once, then cached), never from what was written to R2 by hand.
  const { meta } = await lookupMaster(caches.default, c.env.MASTERS, url.origin, key, config, waitUntil, originPull(c));
  if (!meta) throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  const headers = new Headers({
    ...masterDerivedHeaders(config, key),
    ETag: `"${meta.etag}"`,
    'Last-Modified': new Date(meta.uploaded).toUTCString(),
    'Content-Type': contentTypes[meta.info.format],
    ...imageHeaders,
  });
  // Revalidation is answered from the metadata alone; only a full GET reads the bytes.
  if (ifNoneMatchHits(ifNoneMatch, `"${meta.etag}"`)) return new Response(null, { status: 304, headers });
  if (c.req.method === 'HEAD') {
    headers.set('Content-Length', String(meta.bytes));
    return new Response(null, { headers });
  }
  const object = await r2('get', () => c.env.MASTERS.get(objectKey(key), { onlyIf: { etagMatches: meta.etag } }));
  if (!object) throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  if (!('body' in object)) {
    throw new ImageError(503, 'master-changed', 'the master changed while it was read; try again', { 'Retry-After': '1' });
  }
  headers.set('Content-Length', String(object.size));
  return new Response(object.body, { headers });
}
