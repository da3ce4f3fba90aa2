/**
 * One fetch of a master from its origin, safe against server-side request forgery: only URLs under the configured
 * origin (checked again on every redirect hop, hops bounded), no cookies or client headers sent, a `Via` that marks
 * the request as ours (the route refuses requests carrying it, so the worker never fetches itself), one deadline for
 * the whole fetch, and the body counted while it streams and abandoned past the limit.
 */
import { ImageError } from '../http/problem.js';
import { isUnderOrigin, type Origin } from '../options/origins.js';

/** What the worker puts in `Via` on origin fetches, and looks for on incoming requests. */
export const VIA_TOKEN = 'edge-image-worker';

export interface OriginFetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export type OriginAnswer =
  | { status: 'ok'; bytes: Uint8Array; contentType: string | null; etag: string | null; lastModified: string | null }
  | { status: 'not-modified' }
  | { status: 'not-found' };

function badGateway(detail: string): ImageError {
  return new ImageError(502, 'origin-failed', detail);
}

async function readBounded(response: Response, maxBytes: number, deadline: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers.get('Content-Length') ?? NaN);
  if (declared > maxBytes) throw new ImageError(413, 'origin-too-large', `the origin's file is ${declared} bytes, over the ${maxBytes}-byte limit`);
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      if (deadline.aborted) throw new ImageError(504, 'origin-timeout', 'the origin did not send the file in time');
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new ImageError(413, 'origin-too-large', `the origin's file is over the ${maxBytes}-byte limit`);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
    if (total > maxBytes || deadline.aborted) await response.body.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * GETs `url` from `origin`. `conditional` makes it a revalidation (If-None-Match / If-Modified-Since). Throws a 502
 * for what the origin did wrong, 504 when it was too slow, 413 for a body over the limit.
 */
export async function fetchFromOrigin(
  origin: Origin,
  url: URL,
  limits: OriginFetchLimits,
  conditional: { etag?: string | null; lastModified?: string | null } = {},
): Promise<OriginAnswer> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  let target = url;
  for (let hop = 0; ; hop++) {
    if (!isUnderOrigin(origin, target)) throw badGateway(`the origin sent us to ${target.origin}, which is not the origin ${origin.name}`);
    const headers = new Headers({ Accept: 'image/*', Via: `1.1 ${VIA_TOKEN}`, 'User-Agent': `${VIA_TOKEN} (pull-through)` });
    if (conditional.etag) headers.set('If-None-Match', conditional.etag);
    if (conditional.lastModified) headers.set('If-Modified-Since', conditional.lastModified);
    let response: Response;
    try {
      response = await fetch(target, { method: 'GET', headers, redirect: 'manual', signal: deadline });
    } catch (error) {
      if (deadline.aborted) throw new ImageError(504, 'origin-timeout', `the origin ${origin.name} did not answer within ${limits.timeoutMs} ms`);
      throw badGateway(`the origin ${origin.name} could not be reached`);
    }
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel().catch(() => {});
      const location = response.headers.get('Location');
      if (!location) throw badGateway(`the origin ${origin.name} redirected without a Location`);
      if (hop >= limits.maxRedirects) throw badGateway(`the origin ${origin.name} redirected more than ${limits.maxRedirects} times`);
      target = new URL(location, target);
      continue;
    }
    if (response.status === 304) {
      await response.body?.cancel().catch(() => {});
      return { status: 'not-modified' };
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel().catch(() => {});
      return { status: 'not-found' };
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw badGateway(`the origin ${origin.name} answered ${response.status}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readBounded(response, limits.maxBytes, deadline);
    } catch (error) {
      if (error instanceof ImageError) throw error;
      if (deadline.aborted) throw new ImageError(504, 'origin-timeout', `the origin ${origin.name} did not send the file within ${limits.timeoutMs} ms`);
      throw badGateway(`the origin ${origin.name} broke off the file`);
    }
    return { status: 'ok', bytes, contentType: response.headers.get('Content-Type'), etag: response.headers.get('ETag'), lastModified: response.headers.get('Last-Modified') };
  }
}
