/** Masters in R2: stored under `masters/<key>`, described by their customMetadata (or, failing that, their header). */
import { ImageError } from '../http/problem.js';
import type { InputFormat, MasterInfo } from '../options/types.js';
import { readImageHeader } from '../formats/header.js';

export const MASTER_PREFIX = 'masters/';

/** Enough of a file's start to hold any header we read (EXIF before a JPEG's SOF can be long). */
const HEADER_BYTES = 256 * 1024;

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

/** The MasterInfo that an upload stored in customMetadata, or null when it is absent or malformed. */
export function infoFromMetadata(meta: Record<string, string> | undefined): MasterInfo | null {
  if (!meta) return null;
  const width = Number(meta.width);
  const height = Number(meta.height);
  const orientation = Number(meta.orientation ?? '1');
  const format = meta.format as InputFormat;
  if (!formats.includes(format) || !(width > 0) || !(height > 0) || !(orientation >= 1 && orientation <= 8)) return null;
  return { format, width, height, orientation, hasAlpha: meta.hasAlpha === 'true', animated: meta.animated === 'true' };
}

/** Looks a master up without reading its bytes (one ranged read of its header when metadata is missing). */
export async function describeMaster(bucket: R2Bucket, key: string): Promise<MasterMeta | null> {
  const head = await bucket.head(objectKey(key));
  if (!head) return null;
  let info = infoFromMetadata(head.customMetadata);
  if (!info) {
    const start = await bucket.get(objectKey(key), { range: { offset: 0, length: Math.min(HEADER_BYTES, head.size) }, onlyIf: { etagMatches: head.etag } });
    if (!start || !('body' in start)) return describeMasterOnce(bucket, key);
    info = readImageHeader(new Uint8Array(await start.arrayBuffer()));
  }
  const pulled = pulledFrom(head.customMetadata);
  return { key, etag: head.etag, bytes: head.size, uploaded: head.uploaded.toISOString(), info, ...(pulled ? { pulled } : {}) };
}

// The object changed between head and get: one more look, then give up rather than loop.
async function describeMasterOnce(bucket: R2Bucket, key: string): Promise<MasterMeta | null> {
  const object = await bucket.get(objectKey(key), { range: { offset: 0, length: HEADER_BYTES } });
  if (!object) return null;
  const info = infoFromMetadata(object.customMetadata) ?? readImageHeader(new Uint8Array(await object.arrayBuffer()));
  return { key, etag: object.etag, bytes: object.size, uploaded: object.uploaded.toISOString(), info };
}

/** The master's bytes if it is still the version `etag` names; null when it changed or went away. */
export async function readMaster(bucket: R2Bucket, meta: MasterMeta): Promise<ArrayBuffer | null> {
  const object = await bucket.get(objectKey(meta.key), { onlyIf: { etagMatches: meta.etag } });
  if (!object || !('body' in object)) return null;
  if (object.size !== meta.bytes) throw new ImageError(503, 'master-changed', 'the master changed while it was read; try again');
  return object.arrayBuffer();
}
