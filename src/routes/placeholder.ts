/**
 * GET/HEAD /placeholder/<key>: a master's placeholder, a tiny blurred PNG rendered from its ThumbHash;
 * `?format=json` gives the ThumbHash, mean and dominant colour and a data URL instead. Made from the master's
 * ≤ 100 px PNG variant, which is served, charged and cached like any variant; the summary is cached beside it.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { cacheControl, ifNoneMatchHits, imageHeaders, masterCacheTag } from '../http/caching.js';
import { ImageError } from '../http/problem.js';
import { decodeKey } from '../options/key.js';
import type { TransformOptions } from '../options/types.js';
import { decodePng, encodePng } from '../pipeline/codec/png.js';
import { PLACEHOLDER_SOURCE_SIZE, type PlaceholderSummary, renderThumbHash, summarize } from '../pipeline/pixels/placeholder.js';
import type { ServeOptions } from './governed-image.js';

/** The variant placeholders are made from: the whole image within 100 × 100, lossless, never enlarged. */
const SOURCE_OPTIONS: TransformOptions = {
  width: PLACEHOLDER_SOURCE_SIZE,
  height: PLACEHOLDER_SOURCE_SIZE,
  fit: 'scale-down',
  format: 'png',
  dpr: 1,
  gravity: 'center',
  rotate: 0,
  metadata: 'none',
  anim: true,
};

export interface Placeholder extends PlaceholderSummary {
  /** The blurred rendering as `data:image/png;base64,…` (the bytes `/placeholder/<key>` answers). */
  dataUrl: string;
  /** Size of the ≤ 100 px image it was made from (the master's aspect ratio). */
  width: number;
  height: number;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The master's placeholder and the ETag of the variant it was made from. */
export async function placeholderOf(c: Context<AppEnv>, key: string, serve: ServeOptions): Promise<{ placeholder: Placeholder; sourceETag: string }> {
  const source = await serve(c, key, SOURCE_OPTIONS);
  const sourceETag = source.headers.get('ETag') ?? '';
  // Only a client that sent the source variant's own ETag gets a 304 here; it has to ask again without it.
  if (source.status !== 200 || !source.body || sourceETag === '') {
    await source.body?.cancel();
    throw new ImageError(412, 'placeholder-unavailable', 'the placeholder could not be made for this request; retry without If-None-Match');
  }
  const cacheUrl = `${new URL(c.req.url).origin}/__placeholders/${encodeURIComponent(sourceETag)}`;
  const hit = await caches.default.match(cacheUrl);
  if (hit) {
    await source.body.cancel();
    return { placeholder: (await hit.json()) as Placeholder, sourceETag };
  }
  const pixels = await decodePng(await source.arrayBuffer());
  const summary = summarize(pixels);
  const png = new Uint8Array(await encodePng(renderThumbHash(summary.thumbhash)));
  const placeholder: Placeholder = { ...summary, dataUrl: `data:image/png;base64,${base64(png)}`, width: pixels.width, height: pixels.height };
  const stored = new Response(JSON.stringify(placeholder), { headers: { 'Cache-Control': cacheControl(c.get('config')), 'Content-Type': 'application/json' } });
  c.executionCtx.waitUntil(caches.default.put(cacheUrl, stored).catch((e) => console.error('cache write failed', e)));
  return { placeholder, sourceETag };
}

/** `format=json`'s answer with the master's `placeholder` added (null when it cannot be made). */
export async function withPlaceholder(c: Context<AppEnv>, key: string, response: Response, serve: ServeOptions): Promise<Response> {
  if (c.req.method === 'HEAD') return response;
  const body = (await response.json()) as Record<string, unknown>;
  let placeholder: Placeholder | null = null;
  try {
    placeholder = (await placeholderOf(c, key, serve)).placeholder;
  } catch (error) {
    // The metadata is the answer; a placeholder that cannot be made (master too large or undecodable) or not now
    // (quota, load) is null, for at most the answer's META_TTL. Anything unexpected still fails the request.
    if (!(error instanceof ImageError && [412, 413, 415, 422, 429, 503].includes(error.status))) throw error;
  }
  const headers = new Headers(response.headers);
  headers.delete('Content-Length');
  return new Response(JSON.stringify({ ...body, placeholder }), { status: response.status, headers });
}

function decodedPng(dataUrl: string): Uint8Array {
  const binary = atob(dataUrl.slice(dataUrl.indexOf(',') + 1));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export async function servePlaceholder(c: Context<AppEnv>, rawKey: string, serve: ServeOptions): Promise<Response> {
  const key = decodeKey(rawKey);
  const format = c.req.query('format') ?? 'png';
  if (format !== 'png' && format !== 'json') throw new ImageError(400, 'invalid-option', 'format must be png or json');
  const { placeholder, sourceETag } = await placeholderOf(c, key, serve);
  // The same in every data centre: derived from the source variant's ETag, which names the renderer, master, options and format.
  const etag = sourceETag.replace(/^"/, format === 'png' ? '"ph-' : '"phj-');
  const headers: Record<string, string> = { 'Cache-Control': cacheControl(c.get('config')), ETag: etag, 'Cache-Tag': masterCacheTag(key), ...imageHeaders };
  if (ifNoneMatchHits(c.req.header('If-None-Match') ?? null, etag)) return new Response(null, { status: 304, headers });
  if (format === 'json') return c.json(placeholder, 200, headers);
  return new Response(decodedPng(placeholder.dataUrl), { headers: { ...headers, 'Content-Type': 'image/png' } });
}
