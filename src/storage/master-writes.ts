/**
 * Writing masters to R2: one conditional put per attempt (so a precondition and the write are one atomic step),
 * with the customMetadata that `infoFromMetadata` reads back; and delete.
 */
import { ImageError } from '../http/problem.js';
import type { InputFormat, MasterInfo } from '../options/types.js';
import { objectKey } from './masters.js';

export const contentTypeOfInput: Record<InputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

/** An `If-Match` / `If-None-Match` field: `*`, or entity tags (opaque part unquoted, as R2 writes `etag`). */
export type EtagCondition = { any: true } | { any: false; tags: Array<{ weak: boolean; opaque: string }> };

export interface Preconditions {
  ifMatch: EtagCondition | null;
  ifNoneMatch: EtagCondition | null;
}

/**
 * Parses an entity-tag list (RFC 9110 §8.8.3). A bare unquoted value is taken as one strong tag, so the `etag`
 * of a JSON answer can be pasted as it is. Null when the header is absent or holds no tag.
 *
 * @example parseEtagCondition('W/"a", "b"') // { any: false, tags: [{ weak: true, opaque: 'a' }, { weak: false, opaque: 'b' }] }
 */
export function parseEtagCondition(header: string | null | undefined): EtagCondition | null {
  const value = header?.trim();
  if (!value) return null;
  if (value === '*') return { any: true };
  if (!value.includes('"')) return { any: false, tags: [{ weak: false, opaque: value }] };
  const tags = Array.from(value.matchAll(/(W\/)?"([^"]*)"/g), (m) => ({ weak: m[1] !== undefined, opaque: m[2]! }));
  return tags.length > 0 ? { any: false, tags } : null;
}

/** RFC 9110 §13.2.2 for a write: If-Match (strong comparison) first, then If-None-Match (weak). */
export function preconditionsHold(pre: Preconditions, currentEtag: string | null): boolean {
  if (pre.ifMatch) {
    if (currentEtag === null) return false;
    if (!pre.ifMatch.any && !pre.ifMatch.tags.some((t) => !t.weak && t.opaque === currentEtag)) return false;
  }
  if (pre.ifNoneMatch && currentEtag !== null) {
    if (pre.ifNoneMatch.any || pre.ifNoneMatch.tags.some((t) => t.opaque === currentEtag)) return false;
  }
  return true;
}

function preconditionFailed(key: string, currentEtag: string | null): ImageError {
  const state = currentEtag === null ? 'there is no master' : `the master's ETag is "${currentEtag}"`;
  return new ImageError(412, 'precondition-failed', `the preconditions do not hold for ${key}: ${state}`);
}

/** The hex SHA-256 of a master's bytes (kept in its metadata; R2 verifies the stored bytes against it). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A validated upload: its bytes, what its header says, and the hex SHA-256 of the bytes. */
export interface Upload {
  bytes: Uint8Array;
  info: MasterInfo;
  sha256: string;
  /** Where a pulled master came from (origin name, its ETag and Last-Modified, when): kept beside the metadata. */
  provenance?: Record<string, string>;
}

/** The customMetadata of a master: the fields `infoFromMetadata` reads, as strings ('true'/'false' for flags). */
export function masterMetadata(info: MasterInfo, sha256: string, uploadedAt: Date): Record<string, string> {
  return {
    width: String(info.width),
    height: String(info.height),
    format: info.format,
    hasAlpha: String(info.hasAlpha),
    animated: String(info.animated),
    orientation: String(info.orientation),
    sha256,
    uploadedAt: uploadedAt.toISOString(),
  };
}

export type WriteOutcome = 'created' | 'replaced' | 'unchanged';

/** Attempts of head → conditional put before a conditional upload gives up on a master that keeps changing. */
const MAX_ATTEMPTS = 4;

/**
 * Stores an upload at `masters/<key>`. Each attempt reads the current object's head, checks the client's
 * preconditions against it, and puts with `onlyIf` pinned to exactly that state (its ETag, or absence), so the
 * check and the write are atomic in R2: a concurrent write makes the put fail, never slip between. Identical bytes
 * (same sha256) are not written again: the answer is `unchanged` with the existing object. Without preconditions,
 * a lost race ends in a plain put (an R2 put is atomic; the last writer wins, every version is whole).
 */
export async function writeMaster(bucket: R2Bucket, key: string, upload: Upload, pre: Preconditions): Promise<{ outcome: WriteOutcome; object: R2Object }> {
  const conditional = pre.ifMatch !== null || pre.ifNoneMatch !== null;
  const options = (): R2PutOptions => ({
    httpMetadata: { contentType: contentTypeOfInput[upload.info.format] },
    customMetadata: { ...masterMetadata(upload.info, upload.sha256, new Date()), ...upload.provenance },
    sha256: upload.sha256, // R2 verifies the bytes it stores against it
  });
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await bucket.head(objectKey(key));
    if (!preconditionsHold(pre, current?.etag ?? null)) throw preconditionFailed(key, current?.etag ?? null);
    if (current && current.customMetadata?.sha256 === upload.sha256 && current.size === upload.bytes.byteLength) {
      return { outcome: 'unchanged', object: current };
    }
    const onlyIf: R2Conditional = current ? { etagMatches: current.etag } : { etagDoesNotMatch: '*' };
    const written = await bucket.put(objectKey(key), upload.bytes, { ...options(), onlyIf });
    if (written) return { outcome: current ? 'replaced' : 'created', object: written };
    if (!conditional) {
      const object = await bucket.put(objectKey(key), upload.bytes, options());
      if (!object) break;
      return { outcome: 'replaced', object };
    }
  }
  throw new ImageError(503, 'master-busy', `${key} kept changing while this upload was being stored; try again`, { 'Retry-After': '1' });
}

/**
 * Deletes `masters/<key>`; false when there was none. R2 has no conditional delete, so preconditions are checked
 * against a head just before: a write landing between the two is deleted too.
 */
export async function deleteMaster(bucket: R2Bucket, key: string, pre: Preconditions): Promise<boolean> {
  const current = await bucket.head(objectKey(key));
  if (!current) return false;
  if (!preconditionsHold(pre, current.etag)) throw preconditionFailed(key, current.etag);
  await bucket.delete(objectKey(key));
  return true;
}

/** A JPEG or PNG upload being streamed: its length, what its header says, and a client-given SHA-256 if any. */
export interface StreamedUpload {
  length: number;
  info: MasterInfo;
  /** From the client's `Content-Digest: sha-256=…`: kept in the metadata, and R2 verifies the bytes against it. */
  sha256?: string;
}

/**
 * Checks the client's preconditions against the current object before the body is read: a 412 costs no upload.
 * The head answered is what a streamed put is pinned to.
 */
export async function headForWrite(bucket: R2Bucket, key: string, pre: Preconditions): Promise<R2Object | null> {
  const current = await bucket.head(objectKey(key));
  if (!preconditionsHold(pre, current?.etag ?? null)) throw preconditionFailed(key, current?.etag ?? null);
  return current;
}

/**
 * Stores a streamed upload at `masters/<key>` in one put, whose stream `body` errors if validation fails (then the
 * put rejects and the old object, if any, is left as it was). A stream cannot be put twice, so unlike `writeMaster`
 * there are no retries: with preconditions the put is pinned to `current` (a concurrent write in between: 412 if
 * the preconditions no longer hold, else 503 to retry); without, it is a plain put (atomic, the last writer wins).
 * The SHA-256 of the bytes is not known before the put (R2 takes metadata before the first byte), so identical bytes
 * are found after it: a single-part put's ETag is the MD5 of its bytes, and the same ETag and size as `current`
 * is `unchanged` (the object was rewritten with the same bytes; nothing made from it is stale).
 * `start` is called with the put's promise, so the caller can validate while R2 receives.
 */
export async function writeMasterStream(
  bucket: R2Bucket,
  key: string,
  upload: StreamedUpload,
  body: ReadableStream<Uint8Array>,
  current: R2Object | null,
  pre: Preconditions,
  start: (put: Promise<R2Object | null>) => Promise<void>,
): Promise<{ outcome: WriteOutcome; object: R2Object }> {
  const conditional = pre.ifMatch !== null || pre.ifNoneMatch !== null;
  const metadata = masterMetadata(upload.info, upload.sha256 ?? '', new Date());
  if (!upload.sha256) delete metadata.sha256;
  const options: R2PutOptions = {
    httpMetadata: { contentType: contentTypeOfInput[upload.info.format] },
    customMetadata: metadata,
    ...(upload.sha256 ? { sha256: upload.sha256 } : {}),
    ...(conditional ? { onlyIf: current ? { etagMatches: current.etag } : { etagDoesNotMatch: '*' } } : {}),
  };
  const put = bucket.put(objectKey(key), body, options);
  put.catch(() => {}); // awaited below; start() may throw first
  await start(put);
  let written: R2Object | null;
  try {
    written = await put;
  } catch (error) {
    if (upload.sha256 && /checksum|sha-?256/i.test(String((error as Error)?.message))) {
      throw new ImageError(400, 'content-digest-mismatch', `the body does not match its Content-Digest (sha-256 ${upload.sha256}); nothing was stored`);
    }
    throw new ImageError(503, 'storage-unavailable', `storing ${key} failed; nothing was stored: ${(error as Error)?.message ?? error}`, { 'Retry-After': '1' });
  }
  if (!written) {
    const now = await bucket.head(objectKey(key));
    if (!preconditionsHold(pre, now?.etag ?? null)) throw preconditionFailed(key, now?.etag ?? null);
    throw new ImageError(503, 'master-busy', `${key} changed while this upload was being stored; try again`, { 'Retry-After': '1' });
  }
  if (current && current.etag === written.etag && current.size === written.size) return { outcome: 'unchanged', object: written };
  return { outcome: current ? 'replaced' : 'created', object: written };
}
