/**
 * What an image is, without decoding it: the format from its magic bytes, and its dimensions, alpha, animation and
 * orientation from the first bytes of its header. Pure and hostile-input safe: every read is bounds-checked, every
 * walk advances and ends with the given bytes, nothing is allocated by a claimed length, and the only thing thrown
 * is an `ImageError` (415 not a format we take, 422 a header we cannot read).
 */
import { ImageError } from '../http/problem.js';
import type { InputFormat, MasterInfo } from '../options/types.js';
import { checkedReaders, codes } from './bytes.js';
import { orientationFromIrotImir, readExifOrientation } from './exif.js';
import type { Box } from './isobmff.js';
import { riffChunks } from './riff.js';

export { readExifOrientation } from './exif.js';

/**
 * The 422 thrown when the header continues past the bytes given: the file may be fine, and a caller that can afford
 * it may retry with more of it. Its problem body is that of any other `unreadable-header`.
 */
export class HeaderBeyondBytesError extends ImageError {
  constructor(
    detail: string,
    /** How many bytes were given. */
    readonly given: number,
  ) {
    super(422, 'unreadable-header', detail);
  }
}

/** Largest width or height we believe from any header. */
export const MAX_HEADER_SIDE = 100_000;

/** A master's header, with the coding details later steps need (CMYK, 12-bit, arithmetic-coded JPEGs …). */
export interface HeaderInfo extends MasterInfo {
  /** Bits per sample: JPEG precision (8, 12 …), PNG bit depth (1–16), AVIF `pixi` depth; 8 otherwise. */
  bitDepth: number;
  /** Colour channels, alpha excluded: 1 grey, 3 colour, 4 CMYK/YCCK JPEG. */
  components: number;
  /** A progressive JPEG (SOF2/6/10/14) or an interlaced PNG. */
  progressive: boolean;
  /** A JPEG with arithmetic entropy coding (SOF9–11, SOF13–15). */
  arithmetic: boolean;
  /** JPEG only: the SOFn marker byte (0xC0–0xCF) that gave the frame header. */
  sof?: number;
  /** JPEG only: the transform byte of an Adobe APP14 segment (0 none/CMYK, 1 YCbCr, 2 YCCK). */
  adobeTransform?: number;
}

const MAX_BOXES = 1024;
const MAX_BRANDS = 64;

/**
 * The input format by magic bytes alone, or null (SVG, HTML, PDF, HEIC, empty, anything else).
 *
 * @example sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])) // 'jpeg'
 */
export function sniffFormat(bytes: Uint8Array): InputFormat | null {
  const starts = (at: number, sig: readonly number[]) => sig.every((v, i) => bytes[at + i] === v);
  if (starts(0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts(0, [0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) {
    return 'gif';
  }
  if (starts(0, codes('RIFF')) && starts(8, codes('WEBP'))) return 'webp';
  const brands = ftypBrands(bytes);
  if (brands && (brands.includes('avif') || brands.includes('avis'))) return 'avif';
  return null;
}

/**
 * Reads a master's header from (at most) its first bytes: format, size, alpha, animation, orientation.
 * Throws `ImageError` 415 `unsupported-format` when `sniffFormat` says null, and 422 `unreadable-header` when the
 * header is malformed, lies beyond the given bytes (then as a `HeaderBeyondBytesError`), or gives a side of 0 or over
 * `MAX_HEADER_SIDE`.
 *
 * @example readImageHeader(firstBytes) // { format: 'jpeg', width: 640, height: 428, orientation: 6, … }
 */
export function readImageHeader(bytes: Uint8Array): HeaderInfo {
  const format = sniffFormat(bytes);
  if (format === null) {
    throw new ImageError(415, 'unsupported-format', 'not a JPEG, PNG, WebP, AVIF or GIF image (by its magic bytes)');
  }
  const info = readers[format](bytes);
  for (const side of ['width', 'height'] as const) {
    const value = info[side];
    if (!Number.isInteger(value) || value < 1 || value > MAX_HEADER_SIDE) {
      throw unreadable(`the ${format} header gives a ${side} of ${value} (1..${MAX_HEADER_SIDE} accepted)`);
    }
  }
  return info;
}

const readers: Record<InputFormat, (b: Uint8Array) => HeaderInfo> = {
  jpeg: readJpegHeader,
  png: readPngHeader,
  webp: readWebpHeader,
  avif: readAvifHeader,
  gif: readGifHeader,
};

function plain(format: InputFormat, width: number, height: number): HeaderInfo {
  return {
    format, width, height, hasAlpha: false, animated: false, orientation: 1,
    bitDepth: 8, components: 3, progressive: false, arithmetic: false,
  };
}

// ── JPEG ────────────────────────────────────────────────────────────────────────────────────────────────────────

const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** Walks marker segments from SOI to the first SOFn (ITU T.81 B.1.1). */
function readJpegHeader(b: Uint8Array): HeaderInfo {
  let at = 2;
  let orientation = 1;
  let exifSeen = false;
  let adobeTransform: number | undefined;
  for (;;) {
    // Tolerate stray bytes before a marker (as libjpeg does), then fill bytes 0xFF… before its code.
    while (u8(b, at) !== 0xff) at++;
    while (u8(b, at + 1) === 0xff) at++;
    const marker = u8(b, at + 1);
    at += 2;
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // no length
    if (marker === 0xd9) throw unreadable('the JPEG ends (EOI) before any frame header');
    if (marker === 0xda) throw unreadable('the JPEG starts a scan before any frame header');
    const length = u16be(b, at);
    if (length < 2) throw unreadable(`JPEG marker 0xFF${hex(marker)} has length ${length}`);
    const end = at + length;
    if (end > b.length) throw beyond(b, `JPEG segment 0xFF${hex(marker)}`);
    if (isSof(marker)) {
      if (length < 8) throw unreadable(`JPEG frame header 0xFF${hex(marker)} is ${length} bytes long`);
      const info = plain('jpeg', u16be(b, at + 5), u16be(b, at + 3));
      info.bitDepth = u8(b, at + 2);
      info.components = u8(b, at + 7);
      if (info.components === 0) throw unreadable('the JPEG frame header has no components');
      info.progressive = (marker & 0x03) === 0x02;
      info.arithmetic = marker >= 0xc9;
      info.orientation = orientation;
      info.sof = marker;
      if (adobeTransform !== undefined) info.adobeTransform = adobeTransform;
      return info;
    }
    if (marker === 0xe1 && !exifSeen && length >= 8 && matches(b, at + 2, [0x45, 0x78, 0x69, 0x66, 0, 0])) {
      exifSeen = true;
      orientation = readExifOrientation(b.subarray(at + 8, end));
    }
    if (marker === 0xee && length >= 14 && matches(b, at + 2, codes('Adobe'))) adobeTransform = u8(b, at + 13);
    at = end;
  }
}

// ── PNG ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Allowed bit depths by colour type (PNG spec, table 11.1). */
const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** IHDR, then the chunks before the first IDAT (as far as the given bytes go) for tRNS, acTL and eXIf. */
function readPngHeader(b: Uint8Array): HeaderInfo {
  if (u32be(b, 8) !== 13 || fourcc(b, 12) !== 'IHDR') throw unreadable('the PNG does not start with an IHDR chunk');
  const info = plain('png', u32be(b, 16), u32be(b, 20));
  const depth = u8(b, 24);
  const colourType = u8(b, 25);
  if (!PNG_DEPTHS[colourType]?.includes(depth)) {
    throw unreadable(`the PNG has colour type ${colourType} with bit depth ${depth}`);
  }
  info.bitDepth = depth;
  info.components = colourType === 0 || colourType === 4 ? 1 : 3;
  info.hasAlpha = colourType === 4 || colourType === 6;
  info.progressive = u8(b, 28) === 1;
  // Past IHDR everything is a hint: a walk that reaches the end of the given bytes keeps what it found.
  for (let at = 33; at + 8 <= b.length; ) {
    const length = u32be(b, at);
    const type = fourcc(b, at + 4);
    if (type === 'IDAT' || type === 'IEND') break;
    if (length > 0x7fffffff) throw unreadable(`PNG chunk '${type}' claims ${length} bytes`);
    const data = at + 8;
    if (type === 'tRNS') info.hasAlpha = true;
    if (type === 'acTL') info.animated = true;
    if (type === 'eXIf' && data + length <= b.length) {
      info.orientation = readExifOrientation(b.subarray(data, data + length));
    }
    at = data + length + 4;
  }
  return info;
}

// ── WebP ────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The first chunk of the RIFF (VP8, VP8L or VP8X) gives the size; VP8X's later EXIF chunk the orientation. */
function readWebpHeader(b: Uint8Array): HeaderInfo {
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

// ── AVIF ────────────────────────────────────────────────────────────────────────────────────────────────────────


const ALPHA_URNS = ['urn:mpeg:mpegB:cicp:systems:auxiliary:alpha', 'urn:mpeg:hevc:2015:auxid:1'];

/** `meta` → `iprp` → `ipco`/`ipma`, resolved for the `pitm` primary item (else the largest `ispe`). */
function readAvifHeader(b: Uint8Array): HeaderInfo {
  const budget = { boxes: 0 };
  let meta: Box | undefined;
  for (let at = 0; at < b.length && !meta; ) {
    const box = readBox(b, at, b.length, budget);
    if (box.type === 'meta') meta = box;
    else if (box.end > b.length) throw beyond(b, `AVIF box '${box.type}' before any 'meta' box`);
    at = box.end;
  }
  if (!meta) throw unreadable("the AVIF has no 'meta' box");
  if (meta.end > b.length) throw beyond(b, "the AVIF 'meta' box");
  // `meta` is a FullBox: 4 bytes of version and flags before its children; so are `pitm`, `ispe`, `auxC`, `pixi`.
  const metaChildren = children(b, meta, 4, budget);
  const pitm = metaChildren.find((x) => x.type === 'pitm');
  let primary: number | undefined;
  if (pitm) primary = u8(b, need(pitm, 0, 1)) === 0 ? u16be(b, need(pitm, 4, 2)) : u32be(b, need(pitm, 4, 4));
  const iprp = metaChildren.find((x) => x.type === 'iprp');
  const iprpChildren = iprp ? children(b, iprp, 0, budget) : [];
  const ipco = iprpChildren.find((x) => x.type === 'ipco');
  const properties = ipco ? children(b, ipco, 0, budget) : [];

  let associated: Box[] | undefined;
  if (primary !== undefined) {
    for (const ipma of iprpChildren.filter((x) => x.type === 'ipma')) {
      const indices = primaryAssociations(b, ipma, primary);
      if (indices) associated = indices.flatMap((i) => properties[i - 1] ?? []);
    }
  }
  // The primary item's own ispe; without one (no pitm/ipma), the largest: alpha planes and grid tiles are never
  // larger than the image they belong to.
  const own = associated ?? properties;
  const primaryIspe = associated?.find((x) => x.type === 'ispe');
  let best: { width: number; height: number } | undefined;
  for (const ispe of primaryIspe ? [primaryIspe] : properties.filter((x) => x.type === 'ispe')) {
    const size = { width: u32be(b, need(ispe, 4, 4)), height: u32be(b, need(ispe, 8, 4)) };
    if (!best || size.width * size.height > best.width * best.height) best = size;
  }
  if (!best) throw unreadable("the AVIF has no 'ispe' property");

  const info = plain('avif', best.width, best.height);
  info.animated = ftypBrands(b)?.includes('avis') ?? false;
  info.hasAlpha = properties.some((x) => x.type === 'auxC' && ALPHA_URNS.includes(cString(b, need(x, 4, 0), x.end)));
  const irot = own.find((x) => x.type === 'irot');
  const imir = own.find((x) => x.type === 'imir');
  info.orientation = orientationFromIrotImir(irot && u8(b, need(irot, 0, 1)), imir && u8(b, need(imir, 0, 1)));
  const pixi = own.find((x) => x.type === 'pixi');
  if (pixi && u8(b, need(pixi, 4, 1)) > 0) {
    info.components = u8(b, pixi.body + 4) === 1 ? 1 : 3;
    info.bitDepth = u8(b, need(pixi, 5, 1));
  }
  return info;
}

/** The 1-based `ipco` indices associated with `item` in one `ipma`, or undefined when it lists no such item. */
function primaryAssociations(b: Uint8Array, ipma: Box, item: number): number[] | undefined {
  const version = u8(b, need(ipma, 0, 8));
  const wide = (u8(b, ipma.body + 3) & 1) === 1;
  const entries = u32be(b, ipma.body + 4);
  let at = ipma.body + 8;
  // Every entry takes at least 3 bytes, so this loop is bounded by the box size, not by the claimed count.
  for (let e = 0; e < entries; e++) {
    if (at + (version < 1 ? 3 : 5) > ipma.end) throw unreadable("the AVIF 'ipma' box is truncated");
    const id = version < 1 ? u16be(b, at) : u32be(b, at);
    at += version < 1 ? 2 : 4;
    const count = u8(b, at++);
    if (at + count * (wide ? 2 : 1) > ipma.end) throw unreadable("the AVIF 'ipma' box is truncated");
    if (id === item) {
      const out: number[] = [];
      for (let i = 0; i < count; i++) out.push(wide ? u16be(b, at + 2 * i) & 0x7fff : u8(b, at + i) & 0x7f);
      return out;
    }
    at += count * (wide ? 2 : 1);
  }
  return undefined;
}

function readBox(b: Uint8Array, at: number, limit: number, budget: { boxes: number }): Box {
  if (++budget.boxes > MAX_BOXES) throw unreadable(`the AVIF has more than ${MAX_BOXES} boxes before its properties`);
  let size = u32be(b, at);
  const type = fourcc(b, at + 4);
  let body = at + 8;
  if (size === 1) {
    size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
    body = at + 16;
  } else if (size === 0) {
    size = limit - at; // to the end of the enclosing box (or of the file)
  }
  if (size < body - at) throw unreadable(`AVIF box '${type}' claims ${size} bytes`);
  return { type, body, end: at + size };
}

function children(b: Uint8Array, parent: Box, skip: number, budget: { boxes: number }): Box[] {
  const list: Box[] = [];
  for (let at = need(parent, skip, 0); at < parent.end; ) {
    const box = readBox(b, at, parent.end, budget);
    if (box.end > parent.end) throw unreadable(`AVIF box '${box.type}' overflows its '${parent.type}'`);
    list.push(box);
    at = box.end;
  }
  return list;
}

/** `box.body + offset`, after checking that `length` payload bytes exist there. */
function need(box: Box, offset: number, length: number): number {
  if (box.body + offset + length > box.end) throw unreadable(`AVIF box '${box.type}' is too short`);
  return box.body + offset;
}

/** A NUL-terminated ASCII string from `at`, bounded by `end` and 64 characters. */
function cString(b: Uint8Array, at: number, end: number): string {
  let s = '';
  for (let i = at; i < Math.min(end, at + 64); i++) {
    const c = u8(b, i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Major and compatible brands of a leading `ftyp` box, or null; never throws. */
function ftypBrands(b: Uint8Array): string[] | null {
  if (b.length < 16 || !matches(b, 4, codes('ftyp'))) return null;
  const size = (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!;
  if (size !== 0 && size < 16) return null;
  const end = Math.min(size === 0 ? b.length : size >>> 0, b.length, 16 + 4 * MAX_BRANDS);
  const brands = [fourcc(b, 8)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(fourcc(b, at));
  return brands;
}

// ── GIF ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The logical screen gives the size; the block walk counts frames (up to 2) and looks for transparency. */
function readGifHeader(b: Uint8Array): HeaderInfo {
  const info = plain('gif', u16le(b, 6), u16le(b, 8));
  const screen = u8(b, 10);
  let at = 13 + ((screen & 0x80) !== 0 ? 3 << ((screen & 7) + 1) : 0);
  let frames = 0;
  let trailer = false;
  // Reaching the end of the given bytes ends the walk quietly, once a first frame has been seen.
  while (at < b.length && !(frames >= 2 && info.hasAlpha)) {
    const block = u8(b, at);
    if (block === 0x3b) {
      trailer = true;
      break;
    }
    if (block === 0x21) {
      const label = u8(b, at + 1);
      if (label === 0xf9 && at + 3 < b.length && (u8(b, at + 3) & 1) === 1) info.hasAlpha = true;
      at = skipSubBlocks(b, at + 2);
    } else if (block === 0x2c) {
      frames++;
      if (at + 10 > b.length) break;
      const local = u8(b, at + 9);
      at += 10 + ((local & 0x80) !== 0 ? 3 << ((local & 7) + 1) : 0);
      at = skipSubBlocks(b, at + 1); // after the LZW minimum code size
    } else if (frames === 0) {
      throw unreadable(`the GIF has an unknown block 0x${hex(block)} before its first image`);
    } else {
      break;
    }
  }
  if (frames === 0 && trailer) throw unreadable('the GIF has no image');
  if (frames === 0) throw beyond(b, "the GIF's blocks before its first image");
  info.animated = frames > 1;
  return info;
}

/** Skips a chain of data sub-blocks; returns the offset after its terminator (or past the bytes, if cut short). */
function skipSubBlocks(b: Uint8Array, at: number): number {
  while (at < b.length) {
    const n = b[at] ?? 0;
    at += 1 + n;
    if (n === 0) return at;
  }
  return b.length;
}

// ── bounds-checked reads ────────────────────────────────────────────────────────────────────────────────────────

function unreadable(detail: string): ImageError {
  return new ImageError(422, 'unreadable-header', detail);
}

function beyond(b: Uint8Array, what: string): ImageError {
  return new HeaderBeyondBytesError(`${what} continues past the first ${b.length} bytes`, b.length);
}

const { u8, u16be, u16le, u24le, u32be, u32le, fourcc, matches } = checkedReaders((b) => beyond(b, 'the header'));
const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
