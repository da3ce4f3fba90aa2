/** Talking to the worker the way a browser or an uploader would: through its own fetch, under Miniflare. */
import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';

export const ORIGIN = 'http://images.test';

export function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return exports.default.fetch(new Request(ORIGIN + path, { method, headers, redirect: 'manual' }));
}

/** Puts a master straight into R2, as `wrangler r2 object put` or the seed script would (no metadata). */
export async function putMaster(key: string, bytes: Uint8Array | string, customMetadata?: Record<string, string>): Promise<void> {
  await env.MASTERS.put(`masters/${key}`, bytes, customMetadata ? { customMetadata } : undefined);
}

export async function bodyBytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

export const accept = {
  chrome: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  safari: 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  firefox: 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  oldWebp: 'image/webp,*/*',
  curl: '*/*',
};
