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
import {
  deleteMaster,
  headForWrite,
  parseEtagCondition,
  type Preconditions,
  sha256Hex,
  type WriteOutcome,
  writeMaster,
  writeMasterStream,
} from '../storage/master-writes.js';
import { inputLimits } from '../config.js';
import type { HeaderInfo } from '../formats/header.js';
import { codecGate } from '../limits/transform-gate.js';
import { inspectUpload } from '../limits/upload-checks.js';
import { gateUpload, type OpenedUpload, openUpload, readRest } from '../limits/upload-stream.js';
import { HEAD_BYTES } from '../pipeline/codec/byte-feed.js';
import { checkWholeSize } from '../pipeline/steps/decode.js';
import { streamsForValidation, validateStreamByDecoding } from '../pipeline/validate.js';
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

/** The declared Content-Length: undefined when absent; 400 when not a number; 413 over MAX_UPLOAD_BYTES. */
function declaredLength(request: Request, maxBytes: number): number | undefined {
  const declared = request.headers.get('Content-Length');
  if (declared === null) return undefined;
  if (!/^\s*\d+\s*$/.test(declared)) throw new ImageError(400, 'bad-content-length', `Content-Length: ${declared.slice(0, 40)} is not a number`);
  const length = Number(declared);
  if (length > maxBytes) throw new ImageError(413, 'upload-too-large', `the body is declared as ${length} bytes; uploads are limited to ${maxBytes} bytes (MAX_UPLOAD_BYTES)`);
  return length;
}

/** A client's `Content-Digest: sha-256=:<base64>:` (RFC 9530) as hex, or undefined. */
function contentDigestSha256(header: string | undefined): string | undefined {
  const match = header?.match(/(?:^|,)\s*sha-256\s*=\s*:([A-Za-z0-9+/=]+):/i);
  if (!match) return undefined;
  let raw: string;
  try {
    raw = atob(match[1]!);
  } catch {
    throw new ImageError(400, 'bad-content-digest', 'Content-Digest: its sha-256 value is not base64');
  }
  if (raw.length !== 32) throw new ImageError(400, 'bad-content-digest', `Content-Digest: a sha-256 digest is 32 bytes, not ${raw.length}`);
  return Array.from(raw, (ch) => ch.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

/**
 * PUT /masters/<key>: 201 created, 200 replaced (or identical bytes). With a Content-Length (up to MAX_UPLOAD_BYTES),
 * the body's first HEAD_BYTES are read and their header checked (format sniffing, Content-Type, polyglots, limits)
 * before anything is streamed; then a JPEG or non-interlaced PNG is streamed into the validator and R2 at once
 * (limits/upload-stream.ts: R2 gets each chunk after the validator, the last one only once it passed), and the
 * other formats, whose decoders need the whole file, are read whole under MAX_BUFFERED_INPUT_BYTES. A body no larger
 * than HEAD_BYTES, or one without a Content-Length (read whole under MAX_BUFFERED_INPUT_BYTES: R2 needs a known
 * length to stream), takes the buffered path: validated whole, then stored with its SHA-256.
 */
export async function putMaster(c: Context<AppEnv>, rawKey: string): Promise<Response> {
  const key = decodeKey(rawKey);
  const config = c.get('config');
  const origin = new URL(c.req.url).origin;
  const length = declaredLength(c.req.raw, config.maxUploadBytes);
  const declaredType = c.req.header('Content-Type');
  // Charged before validation, so a flood of junk costs its sender too; the token does not exempt uploads
  // (a leaked token should not mean unlimited writes), only QUOTA_EXEMPT addresses are.
  const { uploads, bytes: uploadBytes } = uploadPolicies(config.quota);
  const client = clientOf(c.req.raw, config.quota);
  const charge = (cost: number) => chargeClient(c.env, client, [{ policy: uploads, cost: 1 }, { policy: uploadBytes, cost }], false);

  let written: { outcome: WriteOutcome; object: R2Object };
  let info: MasterInfo;
  let rateLimit: Record<string, string>;
  if (length === undefined) {
    // No length: R2 cannot take it as a stream, so it is read whole, under the buffered limit.
    const limit = Math.min(config.maxUploadBytes, config.maxBufferedInputBytes);
    const bytes = await readBoundedBody(c.req.raw, limit, limit < config.maxUploadBytes ? 'MAX_BUFFERED_INPUT_BYTES: an upload without Content-Length is read whole' : 'MAX_UPLOAD_BYTES');
    rateLimit = await charge(bytes.byteLength);
    ({ info, written } = await storeWhole(c, key, bytes, declaredType));
  } else {
    // Charged on the declared length, before the body is read.
    rateLimit = await charge(length);
    const opened = await openUpload(c.req.raw.body, length, HEAD_BYTES);
    if (opened.complete) {
      ({ info, written } = await storeWhole(c, key, opened.head, declaredType));
    } else {
      const limits = inputLimits(config);
      const header = inspectUpload(opened.head, declaredType, limits);
      info = masterInfo(header);
      if (streamsForValidation(header, opened.head)) {
        written = await storeStreamed(c, key, opened, header, info);
      } else {
        if (length > config.maxBufferedInputBytes) {
          await opened.reader.cancel().catch(() => {});
          checkWholeSize(header.format, length, config.maxBufferedInputBytes, `its decoder (${header.format === 'png' ? 'interlaced PNG' : header.format.toUpperCase()})`);
        }
        ({ info, written } = await storeWhole(c, key, await readRest(opened), declaredType));
      }
    }
  }
  const { outcome, object } = written;
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

function masterInfo(header: HeaderInfo): MasterInfo {
  const { format, width, height, hasAlpha, animated, orientation } = header;
  return { format, width, height, hasAlpha, animated, orientation };
}

/** The buffered path: checked and decoded whole (at the smallest scale) before anything is stored. */
async function storeWhole(c: Context<AppEnv>, key: string, bytes: Uint8Array, declaredType: string | undefined) {
  const info = await validateMaster(bytes, declaredType, c.get('config'));
  const written = await writeMaster(c.env.MASTERS, key, { bytes, info, sha256: await sha256Hex(bytes) }, preconditionsOf(c));
  return { info, written };
}

/** The streamed path: validated while R2 receives it; R2's stream errors (nothing stored) if validation fails. */
async function storeStreamed(c: Context<AppEnv>, key: string, opened: OpenedUpload, header: HeaderInfo, info: MasterInfo) {
  const config = c.get('config');
  const pre = preconditionsOf(c);
  let current: R2Object | null;
  try {
    current = await headForWrite(c.env.MASTERS, key, pre);
  } catch (error) {
    await opened.reader.cancel().catch(() => {});
    throw error;
  }
  const sha256 = contentDigestSha256(c.req.header('Content-Digest'));
  const gate = gateUpload(opened);
  return writeMasterStream(c.env.MASTERS, key, { length: opened.length, info, sha256 }, gate.forR2, current, pre, async (put) => {
    // A put that ends before its stream does (R2 refused it) stops the validator too.
    put.then(
      (object) => object === null && gate.fail(new Error('the put was refused')),
      (error) => gate.fail(error),
    );
    try {
      // The gate is held while the body arrives (the decoder waits on the network): a slow upload delays this
      // isolate's transforms. Known cost; see README "Validation, bounds and large masters".
      await codecGate(config.maxQueuedTransforms).run(() => validateStreamByDecoding(gate.forValidator, opened.length, header));
    } catch (error) {
      gate.fail(error);
      if (gate.bodyError) throw gate.bodyError;
      // The put's own failure explains a broken stream better than the validator's view of it.
      const object = await Promise.race([put.catch(() => undefined), Promise.resolve('pending' as const)]);
      if (object === null) return; // writeMasterStream answers the refused put (412 or 503)
      throw error;
    }
    await gate.release();
  });
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
