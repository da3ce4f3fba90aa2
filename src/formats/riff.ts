/**
 * RIFF chunks as WebP uses them (fourcc, little-endian size, data padded to an even length), walked leniently, for
 * the readers that look for metadata (`EXIF`, `ICCP`) and for the first frame of an animation (`ANMF`). The strict
 * walk of the first chunk, which must say why it stopped, is header.ts's.
 */
import { ascii, u32le } from './bytes.js';

const MAX_CHUNKS = 4096;

export interface RiffChunk {
  type: string;
  /** Where the data starts. */
  body: number;
  /** One past the data's last byte (before any padding); may lie past `limit`: callers check. */
  end: number;
}

/** The chunks in `[from, limit)`, in order; a chunk whose data runs past `limit` is the last one yielded. */
export function* riffChunks(b: Uint8Array, from: number, limit: number): Generator<RiffChunk> {
  for (let at = from, n = 0; at + 8 <= limit && n < MAX_CHUNKS; n++) {
    const size = u32le(b, at + 4);
    yield { type: ascii(b, at, 4), body: at + 8, end: at + 8 + size };
    at += 8 + size + (size & 1);
  }
}

/** Where a WebP's chunks end: the RIFF size, or the bytes given if they are fewer. */
export function riffEnd(b: Uint8Array): number {
  return Math.min(b.length, 8 + u32le(b, 4));
}

/** An extended (VP8X) WebP with the given VP8X flag set (0x20 ICC, 0x08 EXIF, 0x10 alpha, 0x02 animation). */
export function hasVp8xFlag(b: Uint8Array, flag: number): boolean {
  return b.length >= 30 && ascii(b, 12, 4) === 'VP8X' && (b[20]! & flag) !== 0;
}
