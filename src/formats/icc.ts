/**
 * Finds the ICC profile embedded in a master: JPEG APP2 `ICC_PROFILE` chunks (reassembled by sequence number),
 * PNG `iCCP` (inflated), WebP `ICCP`, AVIF `colr` (`prof`/`rICC`). Bounded: a profile over `MAX_ICC_BYTES` is
 * ignored, every walk ends with the bytes, and a malformed container gives "no profile", never an exception.
 *
 * @example const icc = await extractIccProfile(bytes, 'jpeg'); // Uint8Array, or undefined when untagged
 */
import type { InputFormat } from '../options/types.js';
import { ascii } from './bytes.js';
import { boxes, findBox } from './isobmff.js';
import { jpegSegments } from './jpeg.js';
import { pngChunks } from './png.js';
import { hasVp8xFlag, riffChunks, riffEnd } from './riff.js';

/** Larger profiles are ignored (real display profiles are 0.5–10 KB; LUT-based print profiles reach a few hundred). */
export const MAX_ICC_BYTES = 1024 * 1024;

export async function extractIccProfile(bytes: Uint8Array, format: InputFormat): Promise<Uint8Array | undefined> {
  let icc: Uint8Array | undefined;
  switch (format) {
    case 'jpeg':
      icc = jpegIcc(bytes);
      break;
    case 'png':
      icc = await pngIcc(bytes);
      break;
    case 'webp':
      icc = webpIcc(bytes);
      break;
    case 'avif':
      icc = avifIcc(bytes);
      break;
    case 'gif':
      return undefined;
  }
  return icc && icc.length <= MAX_ICC_BYTES ? icc : undefined;
}

/** APP2 segments before the first scan, each `ICC_PROFILE\0`, sequence number (1-based), chunk count, data. */
function jpegIcc(b: Uint8Array): Uint8Array | undefined {
  const chunks = new Map<number, Uint8Array>();
  let expected = 0;
  let total = 0;
  for (const { marker, body, end } of jpegSegments(b)) {
    if (marker < 0 || end > b.length) return undefined;
    if (marker === 0xe2 && end - body >= 14 && ascii(b, body, 12) === 'ICC_PROFILE\0') {
      const sequence = b[body + 12]!;
      const count = b[body + 13]!;
      if (sequence === 0 || sequence > count || (expected && count !== expected) || chunks.has(sequence)) return undefined;
      expected = count;
      chunks.set(sequence, b.subarray(body + 14, end));
      total += end - body - 14;
      if (total > MAX_ICC_BYTES) return undefined;
    }
  }
  if (chunks.size === 0 || chunks.size !== expected) return undefined;
  const icc = new Uint8Array(total);
  for (let sequence = 1, offset = 0; sequence <= expected; sequence++) {
    const chunk = chunks.get(sequence)!;
    icc.set(chunk, offset);
    offset += chunk.length;
  }
  return icc;
}

/** The `iCCP` chunk before IDAT: name (1–79 bytes), NUL, compression method 0, a zlib stream. */
async function pngIcc(b: Uint8Array): Promise<Uint8Array | undefined> {
  for (const { type, body, end } of pngChunks(b)) {
    if (type === 'IDAT' || type === 'IEND' || end + 4 > b.length) return undefined;
    if (type === 'iCCP') {
      const data = b.subarray(body, end);
      const nul = data.subarray(0, 80).indexOf(0);
      if (nul < 1 || data[nul + 1] !== 0) return undefined;
      return inflateBounded(data.subarray(nul + 2), MAX_ICC_BYTES);
    }
  }
  return undefined;
}
/** Inflates a zlib stream, giving up (undefined) once the output passes `limit` bytes or the stream is corrupt. */
export async function inflateBounded(compressed: Uint8Array, limit: number): Promise<Uint8Array | undefined> {
  const stream = new Blob([compressed]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        return undefined;
      }
      parts.push(value);
    }
  } catch {
    return undefined;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The `ICCP` chunk of an extended (VP8X) WebP; chunks are padded to even sizes. */
function webpIcc(b: Uint8Array): Uint8Array | undefined {
  if (!hasVp8xFlag(b, 0x20)) return undefined;
  const limit = riffEnd(b);
  for (const { type, body, end } of riffChunks(b, 12, limit)) {
    if (type === 'ICCP') return end <= limit ? b.subarray(body, end) : undefined;
  }
  return undefined;
}

/** `meta` → `iprp` → `ipco` → the first `colr` box carrying an ICC profile (`prof` or `rICC`). */
function avifIcc(b: Uint8Array): Uint8Array | undefined {
  const meta = findBox(b, 0, b.length, 'meta');
  if (!meta) return undefined;
  // `meta` is a FullBox: version and flags come before its children.
  const iprp = findBox(b, meta.body + 4, meta.end, 'iprp');
  const ipco = iprp && findBox(b, iprp.body, iprp.end, 'ipco');
  if (!ipco) return undefined;
  for (const colr of boxes(b, ipco.body, ipco.end)) {
    if (colr.type !== 'colr' || colr.end - colr.body < 4) continue;
    const kind = ascii(b, colr.body, 4);
    if (kind === 'prof' || kind === 'rICC') return b.subarray(colr.body + 4, colr.end);
  }
  return undefined;
}
