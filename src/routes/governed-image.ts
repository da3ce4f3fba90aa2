/**
 * The image route's governance: presets, signatures and allowlists decide the options before any cache
 * lookup; the answer then says what was snapped, is not cached past a signed `exp=`, and `format=json` gains the
 * master's placeholder.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { governOptions } from '../options/govern.js';
import type { TransformOptions } from '../options/types.js';
import { withPlaceholder } from './placeholder.js';

/** What serves options already decided: the image route's `serveParsedImage`. */
export type ServeOptions = (c: Context<AppEnv>, key: string, options: TransformOptions) => Promise<Response>;

/** Headers a response may still change (one read from the Cache API has immutable headers). */
function mutable(response: Response): Response {
  return new Response(response.body, response);
}

export async function serveGoverned(c: Context<AppEnv>, segment: string, key: string, serve: ServeOptions): Promise<Response> {
  const config = c.get('config');
  const now = Math.floor(Date.now() / 1000);
  const governed = await governOptions(segment, key, { ...config.governance, maxOutputDimension: config.maxOutputDimension }, now);
  let response = await serve(c, key, governed.options);
  if (governed.options.format === 'json' && response.status === 200) {
    response = await withPlaceholder(c, key, response, serve);
  }
  if (governed.snapped.length === 0 && governed.exp === undefined) return response;
  response = mutable(response);
  // Served, not redirected: the snapped URL shares the allowed variant's cache entry; this says what happened.
  if (governed.snapped.length > 0) response.headers.set('X-Snapped', governed.snapped.join(', '));
  if (governed.exp !== undefined && response.headers.has('Cache-Control')) {
    // A signed URL stops working at `exp`: no cache (browser or CDN) may keep serving it after that.
    response.headers.set('Cache-Control', `public, max-age=${Math.max(0, Math.min(config.cacheTtl, governed.exp - now))}`);
  }
  return response;
}
