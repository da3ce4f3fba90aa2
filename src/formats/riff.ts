/**
 * WebP's RIFF chunks (fourcc, little-endian size, data padded to an even length), read two ways: strictly for the
 * first chunk, which gives the size (readWebpHeader), and leniently (riffChunks: for the readers that look for
 * metadata, `EXIF` and `ICCP`, and for the first frame of an animation, `ANMF`).
 */
import { ascii, u32le as u32 } from './bytes.js';
import { type HeaderInfo, plain, strict, unreadable } from './header-info.js';
import { readExifOrientation } from './tiff.js';

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
    const size = u32(b, at + 4);
    yield { type: ascii(b, at, 4), body: at + 8, end: at + 8 + size };
    at += 8 + size + (size & 1);
  }
}

/** Where a WebP's chunks end: the RIFF size, or the bytes given if they are fewer. */
export function riffEnd(b: Uint8Array): number {
  return Math.min(b.length, 8 + u32(b, 4));
}

/** An extended (VP8X) WebP with the given VP8X flag set (0x20 ICC, 0x08 EXIF, 0x10 alpha, 0x02 animation). */
export function hasVp8xFlag(b: Uint8Array, flag: number): boolean {
  return b.length >= 30 && ascii(b, 12, 4) === 'VP8X' && (b[20]! & flag) !== 0;
}

// ── the header, strictly ────────────────────────────────────────────────────────────────────────────────────────

const { u8, u16le, u24le, u32le, fourcc, matches } = strict;

/** The first chunk of the RIFF (VP8, VP8L or VP8X) gives the size; VP8X's later EXIF chunk the orientation. */
export function readWebpHeader(b: Uint8Array): HeaderInfo {
  const riffSize = u32le(b, 4);
  if (riffSize < 12 || riffSize > 0xfffffff6) throw unreadable(`the WebP RIFF size is ${riffSize}`);
  const riffEnd = 8 + riffSize;
  const type = fourcc(b, 12);
  const size = u32le(b, 16);
  const p = 20;
  if (p + size > riffEnd) throw unreadable(`WebP chunk '${type}' (${size} bytes) overflows the RIFF (${riffSize})`);
  const tooSmall = (min: number) => unreadable(`WebP chunk '${type}' is ${size} bytes, at least ${min} expected`);
  if (type === 'VP8 ') {
    if (size < 10) throw tooSmall(10);
    if ((u8(b, p) & 1) !== 0) throw unreadable('the WebP VP8 frame is not a key frame');
    if (!matches(b, p + 3, [0x9d, 0x01, 0x2a])) throw unreadable('the WebP VP8 frame lacks its start code');
    return plain('webp', u16le(b, p + 6) & 0x3fff, u16le(b, p + 8) & 0x3fff);
  }
  if (type === 'VP8L') {
    if (size < 5) throw tooSmall(5);
    if (u8(b, p) !== 0x2f) throw unreadable('the WebP VP8L stream lacks its signature');
    const bits = u32le(b, p + 1);
    if (bits >>> 29 !== 0) throw unreadable(`the WebP VP8L stream has version ${bits >>> 29}`);
    const info = plain('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    info.hasAlpha = ((bits >>> 28) & 1) === 1;
    return info;
  }
  if (type !== 'VP8X') throw unreadable(`the WebP starts with a '${type}' chunk`);
  if (size < 10) throw tooSmall(10);
  const flags = u8(b, p);
  const info = plain('webp', u24le(b, p + 4) + 1, u24le(b, p + 7) + 1);
  info.hasAlpha = (flags & 0x10) !== 0;
  info.animated = (flags & 0x02) !== 0;
  if ((flags & 0x08) !== 0) {
    // The walk stops at the RIFF's end or the given bytes' end, whichever is first.
    const end = Math.min(riffEnd, b.length);
    for (const chunk of riffChunks(b, p + size + (size & 1), end)) {
      if (chunk.type === 'EXIF') {
        if (chunk.end <= end) info.orientation = readExifOrientation(b.subarray(chunk.body, chunk.end));
        break;
      }
    }
  }
  return info;
}
