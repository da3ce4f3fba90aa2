/**
 * Finds the ICC profile embedded in a master: JPEG APP2 `ICC_PROFILE` chunks (reassembled by sequence number),
 * PNG `iCCP` (inflated), WebP `ICCP`, AVIF `colr` (`prof`/`rICC`). Bounded: a profile over `MAX_ICC_BYTES` is
 * ignored, every walk ends with the bytes, and a malformed container gives "no profile", never an exception.
 *
 * @example const icc = await extractIccProfile(bytes, 'jpeg'); // Uint8Array, or undefined when untagged
 */
import type { InputFormat } from '../options/types.js';
import { ascii, u16be, u32be, u32le } from './bytes.js';

/** Larger profiles are ignored (real display profiles are 0.5–10 KB; LUT-based print profiles reach a few hundred). */
export const MAX_ICC_BYTES = 1024 * 1024;
const MAX_SEGMENTS = 4096;


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
  let at = 2;
  for (let n = 0; n < MAX_SEGMENTS && at + 4 <= b.length; n++) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const end = at + 2 + u16be(b, at + 2);
    if (end > b.length) return undefined;
    if (marker === 0xe2 && end - at >= 18 && ascii(b, at + 4, 12) === 'ICC_PROFILE\0') {
      const sequence = b[at + 16]!;
      const count = b[at + 17]!;
      if (sequence === 0 || sequence > count || (expected && count !== expected) || chunks.has(sequence)) return undefined;
      expected = count;
      chunks.set(sequence, b.subarray(at + 18, end));
      total += end - at - 18;
      if (total > MAX_ICC_BYTES) return undefined;
    }
    at = end;
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
  for (let at = 8, n = 0; at + 12 <= b.length && n < MAX_SEGMENTS; n++) {
    const length = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    if (type === 'IDAT' || type === 'IEND' || at + 12 + length > b.length) return undefined;
    if (type === 'iCCP') {
      const data = b.subarray(at + 8, at + 8 + length);
      const nul = data.subarray(0, 80).indexOf(0);
      if (nul < 1 || data[nul + 1] !== 0) return undefined;
      return inflateBounded(data.subarray(nul + 2), MAX_ICC_BYTES);
    }
    at += 12 + length;
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
  if (b.length < 30 || ascii(b, 12, 4) !== 'VP8X' || (b[20]! & 0x20) === 0) return undefined;
  const end = Math.min(b.length, 8 + u32le(b, 4));
  for (let at = 12, n = 0; at + 8 <= end && n < MAX_SEGMENTS; n++) {
    const size = u32le(b, at + 4);
    if (ascii(b, at, 4) === 'ICCP') return at + 8 + size <= end ? b.subarray(at + 8, at + 8 + size) : undefined;
    at += 8 + size + (size & 1);
  }
  return undefined;
}

interface Box {
  type: string;
  body: number;
  end: number;
}

/** The boxes inside `[from, to)`; a box that claims more than its parent holds ends the list. */
function boxes(b: Uint8Array, from: number, to: number): Box[] {
  const list: Box[] = [];
  for (let at = from; at + 8 <= to && list.length < MAX_SEGMENTS; ) {
    let size = u32be(b, at);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
      body = at + 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < body - at || at + size > to) break;
    list.push({ type: ascii(b, at + 4, 4), body, end: at + size });
    at += size;
  }
  return list;
}

/** `meta` → `iprp` → `ipco` → the first `colr` box carrying an ICC profile (`prof` or `rICC`). */
function avifIcc(b: Uint8Array): Uint8Array | undefined {
  const meta = boxes(b, 0, b.length).find((box) => box.type === 'meta');
  if (!meta) return undefined;
  // `meta` is a FullBox: version and flags come before its children.
  const iprp = boxes(b, meta.body + 4, meta.end).find((box) => box.type === 'iprp');
  const ipco = iprp && boxes(b, iprp.body, iprp.end).find((box) => box.type === 'ipco');
  if (!ipco) return undefined;
  for (const colr of boxes(b, ipco.body, ipco.end)) {
    if (colr.type !== 'colr' || colr.end - colr.body < 4) continue;
    const kind = ascii(b, colr.body, 4);
    if (kind === 'prof' || kind === 'rICC') return b.subarray(colr.body + 4, colr.end);
  }
  return undefined;
}
