/** Looking into the R2 variant tier from a test: where a variant lives, and waiting for writes behind a response. */
import { env } from 'cloudflare:test';
import { variantETag } from '../../src/options/cache-key.js';
import type { OutputFormat } from '../../src/options/types.js';
import { variantObjectKey } from '../../src/storage/variant-tier.js';

/** The tier object of a variant, from the master's current ETag in R2. */
export async function tierKeyOf(key: string, canonical: string, format: OutputFormat): Promise<string> {
  const head = await env.MASTERS.head(`masters/${key}`);
  if (!head) throw new Error(`no master ${key}`);
  return variantObjectKey(key, head.etag, await variantETag(head.etag, canonical, format));
}

/** Polls until `check` holds (writes behind a response, queue deliveries), at most `ms`. */
export async function eventually(check: () => Promise<boolean>, ms = 8000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

export async function tierKeys(prefix: string): Promise<string[]> {
  return (await env.MASTERS.list({ prefix })).objects.map((o) => o.key);
}
