/**
 * /masters/<key>: PUT stores a master (bearer token; header read and the image decoded before R2 is touched), DELETE removes it,
 * GET answers its metadata as JSON (public, no bytes). Auth is `requireUploadToken` in front of PUT and DELETE.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { ifNoneMatchHits, imageHeaders } from '../http/caching.js';
import { ImageError } from '../http/problem.js';
import { chargeClient, clientOf, uploadPolicies } from '../limits/quota.js';
import { readBoundedBody } from '../limits/upload-body.js';
import { decodeKey } from '../options/key.js';
import type { MasterInfo } from '../options/types.js';
import { validateMaster } from '../limits/validate-upload.js';
import { deleteMaster, parseEtagCondition, type Preconditions, sha256Hex, writeMaster } from '../storage/master-writes.js';
import { pregenerationJobs, type VariantJob } from '../jobs/messages.js';
import { type CachePurger, purgeMaster } from '../storage/cdn-purge.js';
import { dropMasterMeta, lookupMaster } from '../storage/meta-cache.js';

/** What PUT and GET answer about a master. */
export interface MasterJson extends MasterInfo {
  key: string;
  /** R2's ETag, unquoted (send it quoted, or as it is, in `If-Match`). */
  etag: string;
  bytes: number;
  uploaded: string;
  urls: { original: string; example: string };
}

/** The key as a URL path: each segment percent-encoded, slashes kept. */
function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function masterJson(origin: string, key: string, etag: string, bytes: number, uploaded: string, info: MasterInfo): MasterJson {
  const { format, width, height, hasAlpha, animated, orientation } = info;
  return {
    key, etag, bytes, format, width, height, hasAlpha, animated, orientation, uploaded,
    urls: {
      original: `${origin}/originals/${keyPath(key)}`,
      example: `${origin}/cdn-cgi/image/width=640,format=auto/${keyPath(key)}`,
    },
  };
}

/** Queues work behind the response; a queue that refuses it is logged, never the write's failure. */
function enqueue(c: Context<AppEnv>, jobs: VariantJob[]): void {
  if (jobs.length === 0) return;
  const sent = c.env.VARIANT_JOBS.sendBatch(jobs.map((body) => ({ body })));
  c.executionCtx.waitUntil(sent.catch((error) => console.error('variant jobs not queued', jobs.length, error)));
}

/**
 * After a master changed: this isolate and data centre forget its metadata before the response, and Workers Cache
 * (where it runs) purges everything made from it, now and once the other data centres' metadata has expired.
 */
/**
 * A master changed behind the API (its origin replaced or removed it): forget, purge and sweep as a write does.
 * `etag` is the new version's, or null when the master is gone.
 */
export async function masterChanged(c: Context<AppEnv>, key: string, etag: string | null): Promise<void> {
  await forgetMaster(c, key);
  enqueue(c, [{ kind: 'sweep', key, keepEtag: etag }]);
}

async function forgetMaster(c: Context<AppEnv>, key: string): Promise<void> {
  await dropMasterMeta(caches.default, new URL(c.req.url).origin, key);
  const purger = (c.executionCtx as { cache?: CachePurger }).cache;
  c.executionCtx.waitUntil(purgeMaster(purger, key, c.get('config')));
}

function preconditionsOf(c: Context<AppEnv>): Preconditions {
  return { ifMatch: parseEtagCondition(c.req.header('If-Match')), ifNoneMatch: parseEtagCondition(c.req.header('If-None-Match')) };
}

/** PUT /masters/<key>: 201 created, 200 replaced (or identical bytes, left as they were). */
export async function putMaster(c: Context<AppEnv>, rawKey: string): Promise<Response> {
  const key = decodeKey(rawKey);
  const config = c.get('config');
  const origin = new URL(c.req.url).origin;
  const bytes = await readBoundedBody(c.req.raw, config.maxUploadBytes);
  // Charged before validation, so a flood of junk costs its sender too; the token does not exempt uploads
  // (a leaked token should not mean unlimited writes), only QUOTA_EXEMPT addresses are.
  const { uploads, bytes: uploadBytes } = uploadPolicies(config.quota);
  const client = clientOf(c.req.raw, config.quota);
  const rateLimit = await chargeClient(c.env, client, [{ policy: uploads, cost: 1 }, { policy: uploadBytes, cost: bytes.byteLength }], false);
  // Checked and decoded whole (at the smallest scale) before anything is stored.
  const info = await validateMaster(bytes, c.req.header('Content-Type'), config);
  const { outcome, object } = await writeMaster(c.env.MASTERS, key, { bytes, info, sha256: await sha256Hex(bytes) }, preconditionsOf(c));
  // Before answering, so that this data centre's next request already sees the new master. A new key needs no
  // purge: nothing was cached under it (errors are never stored).
  if (outcome === 'replaced') await forgetMaster(c, key);
  else if (outcome === 'created') await dropMasterMeta(caches.default, origin, key);
  if (outcome !== 'unchanged') {
    const jobs: VariantJob[] = pregenerationJobs(key, object.etag, config.pregenerate);
    if (outcome === 'replaced') jobs.push({ kind: 'sweep', key, keepEtag: object.etag });
    enqueue(c, jobs);
  }
  const headers: Record<string, string> = { ETag: object.httpEtag, 'Cache-Control': 'no-store', ...rateLimit };
  if (outcome === 'created') headers.Location = `${origin}/masters/${keyPath(key)}`;
  const body = masterJson(origin, key, object.etag, object.size, object.uploaded.toISOString(), info);
  return c.json(body, outcome === 'created' ? 201 : 200, headers);
}

/** DELETE /masters/<key>: 204, or 404 when there is none. */
export async function removeMaster(c: Context<AppEnv>, rawKey: string): Promise<Response> {
  const key = decodeKey(rawKey);
  if (!(await deleteMaster(c.env.MASTERS, key, preconditionsOf(c)))) {
    throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  }
  await forgetMaster(c, key);
  enqueue(c, [{ kind: 'sweep', key, keepEtag: null }]);
  return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
}

/** GET/HEAD /masters/<key>: the master's metadata, as the transform path sees it (the Cache API entry, else R2). */
export async function describeMasterRoute(c: Context<AppEnv>, rawKey: string): Promise<Response> {
  const key = decodeKey(rawKey);
  const config = c.get('config');
  const origin = new URL(c.req.url).origin;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p.catch((e) => console.error('cache write failed', e)));
  const { meta } = await lookupMaster(caches.default, c.env.MASTERS, origin, key, config, waitUntil);
  if (!meta) throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  const headers: Record<string, string> = { ...imageHeaders, ETag: `"${meta.etag}"`, 'Cache-Control': 'no-cache' };
  if (ifNoneMatchHits(c.req.header('If-None-Match') ?? null, headers.ETag!)) return new Response(null, { status: 304, headers });
  return c.json(masterJson(origin, key, meta.etag, meta.bytes, meta.uploaded, meta.info), 200, headers);
}
