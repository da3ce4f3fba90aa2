/** GET/HEAD /originals/<key>: a master's bytes as stored (where `onerror=redirect` sends a failed transform). */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { cacheControl, ifNoneMatchHits, imageHeaders, masterCacheTag } from '../http/caching.js';
import { ImageError } from '../http/problem.js';
import { decodeKey } from '../options/key.js';
import { objectKey } from '../storage/masters.js';

const contentTypes: Record<string, string> = {
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
  const object = await c.env.MASTERS.get(objectKey(key), ifNoneMatch ? { onlyIf: { etagDoesNotMatch: ifNoneMatch.replace(/^W\//, '').replace(/"/g, '') } } : undefined);
  if (!object) throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  const headers = new Headers({
    'Cache-Control': cacheControl(config),
    ETag: object.httpEtag,
    'Cache-Tag': masterCacheTag(key),
    'Last-Modified': object.uploaded.toUTCString(),
    ...imageHeaders,
  });
  // Only image types we accept are ever served, whatever was written to R2 by hand.
  const type = contentTypes[object.customMetadata?.format ?? ''] ?? object.httpMetadata?.contentType;
  headers.set('Content-Type', type && /^image\/(jpeg|png|webp|avif|gif)$/.test(type) ? type : 'application/octet-stream');
  if (!('body' in object) || ifNoneMatchHits(ifNoneMatch, object.httpEtag)) {
    return new Response(null, { status: 304, headers });
  }
  headers.set('Content-Length', String(object.size));
  return new Response(c.req.method === 'HEAD' ? null : object.body, { headers });
}
