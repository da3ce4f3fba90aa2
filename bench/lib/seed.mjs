// @ts-check
/**
 * Puts masters into the real worker's local R2 before it starts: wrangler's getPlatformProxy opens the same
 * persistence folder that `wrangler dev --persist-to <dir>` then serves (it takes the folder's v3/ root).
 * The customMetadata is what an upload writes (src/storage/master-writes.ts), so no header sniffing is needed.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { getPlatformProxy } from 'wrangler';

/**
 * @param {{ config: string, persist: string, masters: Array<{ key: string, master: import('./masters.mjs').Master }> }} options
 */
export async function seedMasters({ config, persist, masters }) {
  const proxy = await getPlatformProxy({ configPath: config, persist: { path: join(persist, 'v3') } });
  try {
    const bucket = /** @type {{ MASTERS?: R2BucketLike }} */ (proxy.env).MASTERS;
    if (!bucket) throw new Error(`${config} has no MASTERS R2 binding`);
    for (const { key, master } of masters) {
      // A plain ArrayBuffer: the proxy's serialiser refuses Node's Buffer (a Uint8Array over a shared pool).
      const body = master.bytes.buffer.slice(master.bytes.byteOffset, master.bytes.byteOffset + master.bytes.byteLength);
      await bucket.put(`masters/${key}`, body, {
        httpMetadata: { contentType: `image/${master.format}` },
        customMetadata: {
          width: String(master.width),
          height: String(master.height),
          format: master.format,
          hasAlpha: String(master.alpha),
          animated: 'false',
          orientation: String(master.orientation),
          sha256: createHash('sha256').update(master.bytes).digest('hex'),
          uploadedAt: new Date().toISOString(),
        },
      });
    }
  } finally {
    await proxy.dispose();
  }
}

/**
 * The part of an R2 bucket binding that seeding uses.
 * @typedef {{ put(key: string, value: ArrayBuffer, options: { httpMetadata: { contentType: string }, customMetadata: Record<string, string> }): Promise<unknown> }} R2BucketLike
 */
