/**
 * The durable variant tier: variants kept in R2 beside their masters, so a variant is made once for the whole
 * network rather than once per data centre. Layout:
 *
 *   variants/<master key>//<master ETag>/<variant ETag, unquoted>
 *
 * A master key never holds an empty segment, so `variants/<key>//` lists exactly that master's variants (and not
 * those of `<key>/more`), and `variants/<key>//<etag>/` exactly those made from one version of it.
 */
import { contentTypeOf } from '../options/negotiate.js';
import type { OutputFormat } from '../options/types.js';

export const VARIANT_PREFIX = 'variants/';

/** All variants of one master, whatever its version. */
export function masterVariantsPrefix(key: string): string {
  return `${VARIANT_PREFIX}${key}//`;
}

/** The object that holds one variant. `variantEtag` is the quoted strong ETag the response carries. */
export function variantObjectKey(key: string, masterEtag: string, variantEtag: string): string {
  return `${masterVariantsPrefix(key)}${masterEtag}/${variantEtag.replace(/"/g, '')}`;
}

/** Which master and version an object under `variants/` was made from; null for anything else. */
export function parseVariantObjectKey(objectKey: string): { key: string; masterEtag: string } | null {
  if (!objectKey.startsWith(VARIANT_PREFIX)) return null;
  const rest = objectKey.slice(VARIANT_PREFIX.length);
  const split = rest.lastIndexOf('//');
  if (split <= 0) return null;
  const [masterEtag, name, ...extra] = rest.slice(split + 2).split('/');
  if (!masterEtag || !name || extra.length > 0) return null;
  return { key: rest.slice(0, split), masterEtag };
}

export interface StoredVariant {
  bytes: ArrayBuffer;
  contentType: string;
  etag: string;
}

/** A variant from the tier, or null. Its metadata says what a response needs. */
export async function readTierVariant(bucket: R2Bucket, objectKey: string): Promise<StoredVariant | null> {
  const object = await bucket.get(objectKey);
  if (!object) return null;
  const contentType = object.httpMetadata?.contentType;
  const etag = object.customMetadata?.etag;
  if (!contentType || !etag) return null;
  return { bytes: await object.arrayBuffer(), contentType, etag };
}

/** Whether the tier holds the variant (a HEAD: one Class B operation, no body). */
export async function hasTierVariant(bucket: R2Bucket, objectKey: string): Promise<boolean> {
  return (await bucket.head(objectKey)) !== null;
}

/** Stores a variant; `canonical` is kept only so that an operator listing the bucket can read what it is. */
export async function writeTierVariant(
  bucket: R2Bucket,
  objectKey: string,
  bytes: Uint8Array,
  variant: { format: OutputFormat; etag: string; canonical: string },
): Promise<void> {
  await bucket.put(objectKey, bytes, {
    httpMetadata: { contentType: contentTypeOf(variant.format) },
    customMetadata: { etag: variant.etag, options: variant.canonical.slice(0, 1024), format: variant.format },
  });
}

/** At most this many objects are looked at by one sweep call, so a sweep's cost is bounded. */
export const SWEEP_PAGE = 1000;

/**
 * Deletes one master's variants except those of `keepEtag` (all of them when null). Bounded: one listing page of at
 * most `SWEEP_PAGE` objects per call; returns the cursor to continue from, or null when the prefix is done.
 */
export async function sweepMasterVariants(
  bucket: R2Bucket,
  key: string,
  keepEtag: string | null,
  cursor?: string,
  page = SWEEP_PAGE,
): Promise<{ deleted: number; cursor: string | null }> {
  const listing = await bucket.list({ prefix: masterVariantsPrefix(key), limit: page, ...(cursor ? { cursor } : {}) });
  const stale = listing.objects.map((o) => o.key).filter((k) => parseVariantObjectKey(k)?.masterEtag !== keepEtag);
  if (stale.length > 0) await bucket.delete(stale);
  return { deleted: stale.length, cursor: listing.truncated ? listing.cursor : null };
}
