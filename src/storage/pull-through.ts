/**
 * Masters pulled from an existing origin on a miss: fetched once (a short lease makes a burst across isolates one
 * fetch), validated by the same checks as an upload, stored in R2 with the origin's ETag and Last-Modified, and
 * revalidated with a conditional request at most every ORIGIN_TTL. An origin that fails leaves R2 as it was.
 */
import type { Config } from '../config.js';
import { ImageError } from '../http/problem.js';
import { validateMaster } from '../limits/validate-upload.js';
import { acquireLease, releaseLease } from '../limits/variant-lease.js';
import { originOfKey, originUrl, type Origin } from '../options/origins.js';
import { deleteMaster, sha256Hex, writeMaster } from './master-writes.js';
import { describeMaster, type MasterMeta } from './masters.js';
import { fetchFromOrigin } from './origin-fetch.js';

/** Where the last revalidation of a pulled master is noted (R2 cannot change an object's metadata alone). */
export const ORIGIN_CHECK_PREFIX = 'jobs/origin-checks/';

function limitsOf(config: Config) {
  return { timeoutMs: config.originTimeoutMs, maxBytes: Math.min(config.maxUploadBytes, config.maxBufferedInputBytes), maxRedirects: config.originMaxRedirects };
}

/** Validates the origin's bytes exactly as an upload is validated, then stores them. */
async function store(bucket: R2Bucket, config: Config, origin: Origin, key: string, answer: { bytes: Uint8Array; contentType: string | null; etag: string | null; lastModified: string | null }) {
  const declared = answer.contentType?.toLowerCase().startsWith('image/') ? answer.contentType : undefined;
  const info = await validateMaster(answer.bytes, declared, config);
  const provenance = { origin: origin.name, pulledAt: new Date().toISOString(), originEtag: answer.etag ?? '', originLastModified: answer.lastModified ?? '' };
  return writeMaster(bucket, key, { bytes: answer.bytes, info, sha256: await sha256Hex(answer.bytes), provenance }, { ifMatch: null, ifNoneMatch: null });
}

/**
 * The master `key` pulled from its origin, or null when the key is under no origin or the origin has no such file.
 * Other isolates pulling the same key at the same time wait for this one's write.
 */
export async function pullMaster(env: Env, config: Config, key: string): Promise<MasterMeta | null> {
  const origin = originOfKey(config.origins, key);
  if (!origin) return null;
  const leaseName = `origin:${key}`;
  const holder = crypto.randomUUID();
  const lease = await acquireLease(env.VARIANT_LEASE, leaseName, holder, config.originTimeoutMs + 1000);
  if (!lease.granted) {
    while (Date.now() < lease.expiresAt) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const meta = await describeMaster(env.MASTERS, key);
      if (meta) return meta;
    }
  }
  try {
    const answer = await fetchFromOrigin(origin, originUrl(origin, key), limitsOf(config));
    if (answer.status !== 'ok') return null;
    await store(env.MASTERS, config, origin, key, answer);
    return describeMaster(env.MASTERS, key);
  } finally {
    await releaseLease(env.VARIANT_LEASE, leaseName, holder);
  }
}

/** What a revalidation found: the master unchanged, replaced by the origin's new file, or gone from the origin. */
export type Revalidation = 'fresh' | 'unchanged' | 'replaced' | 'deleted' | 'busy';

/**
 * Revalidates a pulled master against its origin when its last check is older than ORIGIN_TTL: a conditional GET;
 * a 304 notes the check, a new file replaces the master, a 404 deletes it. `changed` runs after a replace or delete
 * (to forget metadata, purge and sweep, as a write through the API does).
 */
export async function revalidateMaster(env: Env, config: Config, meta: MasterMeta, changed: (key: string, etag: string | null) => Promise<void>): Promise<Revalidation> {
  const origin = meta.pulled ? originOfKey(config.origins, meta.key) : null;
  if (!origin || !meta.pulled) return 'fresh';
  const checkKey = `${ORIGIN_CHECK_PREFIX}${meta.key}`;
  const now = Date.now();
  let lastCheck = Date.parse(meta.pulled.at);
  if (now - lastCheck < config.originTtl * 1000) return 'fresh';
  const note = await env.MASTERS.get(checkKey);
  if (note) lastCheck = Math.max(lastCheck, Date.parse(await note.text()));
  if (now - lastCheck < config.originTtl * 1000) return 'fresh';

  const leaseName = `origin:${meta.key}`;
  const holder = crypto.randomUUID();
  if (!(await acquireLease(env.VARIANT_LEASE, leaseName, holder, config.originTimeoutMs + 1000)).granted) return 'busy';
  try {
    const answer = await fetchFromOrigin(origin, originUrl(origin, meta.key), limitsOf(config), { etag: meta.pulled.etag, lastModified: meta.pulled.lastModified });
    await env.MASTERS.put(checkKey, new Date(now).toISOString());
    if (answer.status === 'not-modified') return 'unchanged';
    if (answer.status === 'not-found') {
      await deleteMaster(env.MASTERS, meta.key, { ifMatch: null, ifNoneMatch: null });
      await changed(meta.key, null);
      return 'deleted';
    }
    const { outcome, object } = await store(env.MASTERS, config, origin, meta.key, answer);
    if (outcome === 'unchanged') return 'unchanged';
    await changed(meta.key, object.etag);
    return 'replaced';
  } catch (error) {
    // The origin failing keeps the master we have; the next lookup after ORIGIN_TTL tries again.
    if (error instanceof ImageError) console.warn('origin revalidation failed', meta.key, error.detail);
    else throw error;
    return 'unchanged';
  } finally {
    await releaseLease(env.VARIANT_LEASE, leaseName, holder);
  }
}
