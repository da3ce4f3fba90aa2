/** Masters in R2: stored under `masters/<key>`, described by their customMetadata (or, failing that, their header). */
import { ImageError } from '../http/problem.js';
import type { InputFormat, MasterInfo } from '../options/types.js';
import { MAX_HEADER_SIDE, readImageHeader } from '../formats/header.js';

export const MASTER_PREFIX = 'masters/';

/** Enough of a file's start to hold any header we read (EXIF before a JPEG's SOF can be long). */
export const HEADER_BYTES = 256 * 1024;

/** What the transform path needs to know of a master, small enough to keep in the Cache API. */
export interface MasterMeta {
  key: string;
  /** R2's etag, unquoted. */
  etag: string;
  bytes: number;
  uploaded: string;
  info: MasterInfo;
  /** For a master pulled from an origin: when it was fetched or last revalidated (ISO), and what the origin said. */
  pulled?: { origin: string; at: string; etag: string | null; lastModified: string | null };
}

/** The provenance an origin pull stored, or undefined for an uploaded master. */
function pulledFrom(meta: Record<string, string> | undefined): MasterMeta['pulled'] {
  if (!meta?.origin || !meta.pulledAt) return undefined;
  return { origin: meta.origin, at: meta.pulledAt, etag: meta.originEtag || null, lastModified: meta.originLastModified || null };
}

export function objectKey(key: string): string {
  return MASTER_PREFIX + key;
}

const formats: readonly InputFormat[] = ['jpeg', 'png', 'webp', 'avif', 'gif'];

/** A whole number in `min..max` written in decimal, or NaN: customMetadata is whatever a tool wrote. */
function wholeNumber(value: string | undefined, min: number, max: number): number {
  if (value === undefined || !/^[0-9]{1,9}$/.test(value)) return NaN;
  const n = Number(value);
  return n >= min && n <= max ? n : NaN;
}

/**
 * The MasterInfo that an upload stored in customMetadata, or null when it is absent or malformed (then the header is
 * read instead). Metadata written by other tools can still be well-formed and wrong: `checkBytesAgree` catches that
 * once the bytes are read.
 */
export function infoFromMetadata(meta: Record<string, string> | undefined): MasterInfo | null {
  if (!meta) return null;
  const width = wholeNumber(meta.width, 1, MAX_HEADER_SIDE);
  const height = wholeNumber(meta.height, 1, MAX_HEADER_SIDE);
  const orientation = meta.orientation === undefined ? 1 : wholeNumber(meta.orientation, 1, 8);
  const format = meta.format as InputFormat;
  if (!formats.includes(format) || Number.isNaN(width) || Number.isNaN(height) || Number.isNaN(orientation)) return null;
  return { format, width, height, orientation, hasAlpha: meta.hasAlpha === 'true', animated: meta.animated === 'true' };
}

export function emptyMaster(key: string): ImageError {
  return new ImageError(422, 'empty-master', `the master ${key} is an empty object (0 bytes) in R2; upload the image again`);
}

/** An R2 call; its own failures (not ours) are a 503 to retry, never a 500. */
export async function r2<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ImageError) throw error;
    console.error(`R2 ${what} failed`, error);
    throw new ImageError(503, 'storage-unavailable', `reading the master from storage failed (${what}); try again`, { 'Retry-After': '1' });
  }
}

/**
 * Looks a master up without reading its bytes (one ranged read of its header when metadata is missing). An empty
 * object is a 422, a header that cannot be read a 415/422 (from `readImageHeader`); never a ranged read past the end.
 */
export async function describeMaster(bucket: R2Bucket, key: string, attempt = 0): Promise<MasterMeta | null> {
  const head = await r2('head', () => bucket.head(objectKey(key)));
  if (!head) return null;
  if (head.size === 0) throw emptyMaster(key);
  let info = infoFromMetadata(head.customMetadata);
  if (!info) {
    const length = Math.min(HEADER_BYTES, head.size);
    const start = await r2('ranged get', () => bucket.get(objectKey(key), { range: { offset: 0, length }, onlyIf: { etagMatches: head.etag } }));
    if (!start || !('body' in start)) {
      // The object changed or went away between head and get: one more look, then give up rather than loop.
      if (attempt === 0) return describeMaster(bucket, key, 1);
      throw new ImageError(503, 'master-changed', 'the master changed while it was read; try again', { 'Retry-After': '1' });
    }
    info = readImageHeader(new Uint8Array(await r2('ranged read', () => start.arrayBuffer())));
  }
  const pulled = pulledFrom(head.customMetadata);
  return { key, etag: head.etag, bytes: head.size, uploaded: head.uploaded.toISOString(), info, ...(pulled ? { pulled } : {}) };
}

/**
 * The bytes must be what the metadata says (format and size), since every limit was checked against the metadata:
 * customMetadata written by another tool (or a header-only `describeMaster` of a file later replaced in place) that
 * claims a small PNG for a 100 MP one must not get past them. A 422 naming both.
 */
export function checkBytesAgree(meta: Pick<MasterMeta, 'key' | 'info'>, bytes: Uint8Array): void {
  const told = meta.info;
  let actual: MasterInfo;
  try {
    actual = readImageHeader(bytes);
  } catch (error) {
    const why = error instanceof ImageError ? error.detail : String(error);
    throw new ImageError(422, 'master-metadata-mismatch', `the master ${meta.key} is stored as ${told.format} ${told.width}×${told.height}, but its bytes cannot be read as an image (${why}); upload it again`);
  }
  if (actual.format !== told.format || actual.width !== told.width || actual.height !== told.height) {
    throw new ImageError(422, 'master-metadata-mismatch', `the master ${meta.key} is stored as ${told.format} ${told.width}×${told.height}, but its bytes are ${actual.format} ${actual.width}×${actual.height}; upload it again (PUT /masters/…) to store what it is`);
  }
}
