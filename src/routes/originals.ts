/** GET/HEAD /originals/<key>: a master's bytes as stored (where `onerror=redirect` sends a failed transform). */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { cacheControl, ifNoneMatchHits, imageHeaders, masterCacheTag } from '../http/caching.js';
import { ImageError } from '../http/problem.js';
import { decodeKey } from '../options/key.js';
import type { InputFormat } from '../options/types.js';
import { objectKey } from '../storage/masters.js';
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
  const { meta } = await lookupMaster(caches.default, c.env.MASTERS, url.origin, key, config.metaTtl, waitUntil);
  if (!meta) throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  const object = await c.env.MASTERS.get(objectKey(key), ifNoneMatch ? { onlyIf: { etagDoesNotMatch: ifNoneMatch.replace(/^W\//, '').replace(/"/g, '') } } : undefined);
  if (!object) throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  const headers = new Headers({
    'Cache-Control': cacheControl(config),
    ETag: object.httpEtag,
    'Cache-Tag': masterCacheTag(key),
    'Last-Modified': object.uploaded.toUTCString(),
    ...imageHeaders,
  });
  headers.set('Content-Type', contentTypes[meta.info.format]);
  if (!('body' in object) || ifNoneMatchHits(ifNoneMatch, object.httpEtag)) {
    return new Response(null, { status: 304, headers });
  }
  headers.set('Content-Length', String(object.size));
  return new Response(c.req.method === 'HEAD' ? null : object.body, { headers });
}
