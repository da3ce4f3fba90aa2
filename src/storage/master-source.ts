/**
 * A master's bytes as a source that can be opened (and opened again) as a stream: the transform path reads masters
 * from R2 chunk by chunk instead of whole, and a pre-pass that must decode the master a second time opens it again.
 * Every open is pinned to the etag that was looked up (`onlyIf: { etagMatches }`), so all opens read the same bytes;
 * a master replaced in between is `MasterChanged` (the route looks it up again once).
 */
import type { ByteFeed } from '../pipeline/codec/byte-feed.js';
import { HEADER_BYTES, type MasterMeta, checkBytesAgree, emptyMaster, objectKey, r2 } from './masters.js';

/** The master changed or went away between its lookup and its read. */
export class MasterChanged extends Error {
  override readonly name = 'MasterChanged';
}

export interface MasterSource {
  readonly key: string;
  /** The stored size in bytes (what every open delivers). */
  readonly size: number;
  /** A fresh stream of the master's bytes from the start; throws MasterChanged when it is no longer this version. */
  open(): Promise<ReadableStream<Uint8Array>>;
  /** Checks the start of the bytes against what the lookup said (format, size): a 422 when they disagree. */
  verify?(feed: ByteFeed): Promise<void>;
}

/** The master `meta` describes, in R2, at the etag it was looked up with. */
export function r2MasterSource(bucket: R2Bucket, meta: MasterMeta): MasterSource {
  return {
    key: meta.key,
    size: meta.bytes,
    async open() {
      const object = await r2('get', () => bucket.get(objectKey(meta.key), { onlyIf: { etagMatches: meta.etag } }));
      if (!object || !('body' in object)) throw new MasterChanged();
      if (object.size !== meta.bytes) {
        object.body.cancel().catch(() => {});
        throw new MasterChanged();
      }
      if (object.size === 0) throw emptyMaster(meta.key);
      return object.body;
    },
    async verify(feed) {
      checkBytesAgree(meta, await feed.peek(HEADER_BYTES));
    },
  };
}

/** Bytes in memory as a source (tests, benchmarks): streamed in chunks of `chunkBytes`. */
export function bytesSource(key: string, bytes: Uint8Array, chunkBytes = 64 * 1024): MasterSource {
  return {
    key,
    size: bytes.length,
    async open() {
      let offset = 0;
      // A byte stream, as R2's bodies are (so the feed reads it as it reads R2's).
      return new ReadableStream({
        type: 'bytes',
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(offset, offset + chunkBytes));
          offset += chunkBytes;
        },
      });
    },
  };
}
