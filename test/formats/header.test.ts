/// <reference types="vite/client" />
/**
 * sniffFormat / readImageHeader / readExifOrientation: synthetic headers built byte by byte, hostile inputs, a
 * seeded fuzz, the project's fixtures and the shared real-image corpus (skipped with a message when absent).
 *
 * Binary files reach the Workers pool through Vite at build time: `import.meta.glob(…, { query: '?inline' })` turns
 * each file into a base64 `data:` URL (a lazy import, so a missing folder is just an empty glob), decoded here.
 * `node:fs` inside workerd only sees its own virtual file system.
 */
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/http/problem.js';
import {
  HeaderBeyondBytesError,
  type HeaderInfo,
  readExifOrientation,
  readImageHeader,
  sniffFormat,
} from '../../src/formats/header.js';

const HEADER_BYTES = 256 * 1024;

// ── byte builders ───────────────────────────────────────────────────────────────────────────────────────────────

type Part = number | string | readonly number[] | Uint8Array;

function bytes(...parts: Part[]): Uint8Array {
  const arrays = parts.map((p) =>
    typeof p === 'number' ? [p & 0xff] : typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p,
  );
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
/** `part` n times over, without spreading n arguments. */
function repeat(part: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(part.length * n);
  for (let i = 0; i < n; i++) out.set(part, i * part.length);
  return out;
}
const be16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const le24 = (n: number) => [...le16(n), (n >>> 16) & 0xff];
const le32 = (n: number) => [...le16(n), ...le16(n >>> 16)];

/** A TIFF (EXIF) payload whose IFD0 holds a Make tag and, unless null, an Orientation tag. */
function tiff(orientation: number | null, opts: { little?: boolean; type?: number; claimed?: number } = {}): Uint8Array {
  const little = opts.little ?? true;
  const u16 = little ? le16 : be16;
  const u32 = little ? le32 : be32;
  const entries: number[][] = [[...u16(0x010f), ...u16(2), ...u32(2), 0x58, 0, 0, 0]];
  if (orientation !== null) {
    const type = opts.type ?? 3;
    const value = type === 4 || type === 9 ? u32(orientation) : [...u16(orientation), 0, 0];
    entries.push([...u16(0x0112), ...u16(type), ...u32(1), ...value]);
  }
  return bytes(little ? 'II' : 'MM', u16(42), u32(8), u16(opts.claimed ?? entries.length), ...entries, u32(0));
}

const segment = (marker: number, ...payload: Part[]) => {
  const body = bytes(...payload);
  return bytes(0xff, marker, be16(body.length + 2), body);
};
const sof = (width: number, height: number, opts: { marker?: number; components?: number; precision?: number } = {}) => {
  const n = opts.components ?? 3;
  const specs = Array.from({ length: n }, (_, i) => [i + 1, 0x11, 0]).flat();
  return segment(opts.marker ?? 0xc0, opts.precision ?? 8, be16(height), be16(width), n, specs);
};
const jfif = segment(0xe0, 'JFIF', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0);
const dqt = segment(0xdb, 0, new Uint8Array(64).fill(1));
const jpeg = (...segments: Uint8Array[]) => bytes(0xff, 0xd8, ...segments, 0xff, 0xda, 0, 2, 0xff, 0xd9);
const exifApp1 = (payload: Uint8Array) => segment(0xe1, 'Exif', 0, 0, payload);

const chunk = (type: string, ...data: Part[]) => {
  const body = bytes(...data);
  return bytes(be32(body.length), type, body, 0, 0, 0, 0);
};
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ihdr = (w: number, h: number, depth = 8, colourType = 2, interlace = 0) =>
  chunk('IHDR', be32(w), be32(h), depth, colourType, 0, 0, interlace);
const png = (w: number, h: number, opts: { depth?: number; colourType?: number; interlace?: number } = {}, ...chunks: Uint8Array[]) =>
  bytes(PNG_SIGNATURE, ihdr(w, h, opts.depth, opts.colourType, opts.interlace), ...chunks, chunk('IDAT', 0), chunk('IEND'));

const riffChunk = (type: string, ...data: Part[]) => {
  const body = bytes(...data);
  return bytes(type, le32(body.length), body, body.length & 1 ? [0] : []);
};
const riff = (chunks: Uint8Array[], size?: number) => {
  const body = bytes(...chunks);
  return bytes('RIFF', le32(size ?? body.length + 4), 'WEBP', body);
};
const vp8 = (w: number, h: number) => riffChunk('VP8 ', 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, le16(w), le16(h), 0, 0);
const vp8l = (w: number, h: number, alpha: boolean) =>
  riffChunk('VP8L', 0x2f, le32(((w - 1) | ((h - 1) << 14) | ((alpha ? 1 : 0) << 28)) >>> 0), 0, 0);
const vp8x = (w: number, h: number, flags: number) => riffChunk('VP8X', flags, 0, 0, 0, le24(w - 1), le24(h - 1));

const box = (type: string, ...payload: Part[]) => {
  const body = bytes(...payload);
  return bytes(be32(body.length + 8), type, body);
};
const fullBox = (type: string, ...payload: Part[]) => box(type, 0, 0, 0, 0, ...payload);
const ftyp = (major: string, ...compatible: string[]) => box('ftyp', major, be32(0), ...compatible);
const ispe = (w: number, h: number) => fullBox('ispe', be32(w), be32(h));
const ALPHA_URN = 'urn:mpeg:mpegB:cicp:systems:auxiliary:alpha';
const auxC = (urn: string) => fullBox('auxC', urn, 0);
/** `ipma` version 0, 1-byte associations: [item id, 1-based property indices]. */
const ipma = (...entries: [number, number[]][]) =>
  fullBox('ipma', be32(entries.length), ...entries.map(([id, props]) => bytes(be16(id), props.length, props)));
const hdlr = fullBox('hdlr', be32(0), 'pict', new Uint8Array(12), 0);
const meta = (...children: Uint8Array[]) => fullBox('meta', hdlr, ...children);
const avif = (opts: { brands?: string[]; primary?: number; properties: Uint8Array[]; associations?: [number, number[]][] }) =>
  bytes(
    ftyp(...((opts.brands ?? ['avif', 'mif1', 'miaf']) as [string, ...string[]])),
    meta(
      ...(opts.primary === undefined ? [] : [fullBox('pitm', be16(opts.primary))]),
      box('iprp', box('ipco', ...opts.properties), ...(opts.associations ? [ipma(...opts.associations)] : [])),
    ),
    box('mdat', 0x12, 0, 0x0a),
  );

const gct = new Uint8Array(6); // two colours: packed field 0x80
const gif = (w: number, h: number, ...blocks: Part[]) => bytes('GIF89a', le16(w), le16(h), 0x80, 0, 0, gct, ...blocks, 0x3b);
const gce = (transparent: boolean) => [0x21, 0xf9, 4, transparent ? 0x01 : 0x00, 10, 0, 0, 0];
const frame = (w: number, h: number) => [0x2c, 0, 0, 0, 0, ...le16(w), ...le16(h), 0, 2, 2, 0x4c, 0x01, 0];
const netscapeLoop = [0x21, 0xff, 11, ...bytes('NETSCAPE2.0'), 3, 1, 0, 0, 0];

// ── assertions ──────────────────────────────────────────────────────────────────────────────────────────────────

function failure(input: Uint8Array): ImageError {
  try {
    readImageHeader(input);
  } catch (error) {
    if (error instanceof ImageError) return error;
    throw new Error(`threw a non-ImageError: ${String(error)}`);
  }
  throw new Error('readImageHeader accepted the input');
}

function expectStatus(input: Uint8Array, status: 415 | 422): void {
  const error = failure(input);
  expect(error.status).toBe(status);
  expect(error.code).toBe(status === 415 ? 'unsupported-format' : 'unreadable-header');
  expect(error.detail.length).toBeGreaterThan(0);
}

/** Anything but a sane header or an ImageError 415/422 fails. */
function expectWellBehaved(input: Uint8Array): void {
  let info: HeaderInfo;
  try {
    info = readImageHeader(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageError);
    expect([415, 422]).toContain((error as ImageError).status);
    return;
  }
  expect(info.width).toBeGreaterThanOrEqual(1);
  expect(info.width).toBeLessThanOrEqual(100_000);
  expect(info.height).toBeGreaterThanOrEqual(1);
  expect(info.height).toBeLessThanOrEqual(100_000);
  expect(info.orientation).toBeGreaterThanOrEqual(1);
  expect(info.orientation).toBeLessThanOrEqual(8);
}

// ── sniffFormat ─────────────────────────────────────────────────────────────────────────────────────────────────

describe('sniffFormat', () => {
  it.each([
    ['jpeg', bytes(0xff, 0xd8, 0xff, 0xe0)],
    ['png', bytes(PNG_SIGNATURE)],
    ['gif', bytes('GIF87a')],
    ['gif', bytes('GIF89a')],
    ['webp', bytes('RIFF', le32(4), 'WEBP')],
    ['avif', ftyp('avif', 'mif1', 'miaf')],
    ['avif', ftyp('mif1', 'miaf', 'avif')],
    ['avif', ftyp('avis', 'msf1', 'avif')],
  ] as const)('knows %s by its magic bytes', (format, input) => {
    expect(sniffFormat(input)).toBe(format);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['a lone SOI', bytes(0xff, 0xd8)],
    ['HEIC', ftyp('heic', 'mif1', 'heic')],
    ['plain HEIF', ftyp('mif1', 'mif1', 'miaf')],
    ['MP4', ftyp('isom', 'isom', 'mp41')],
    ['SVG', bytes('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')],
    ['inline SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
    ['HTML', bytes('<!DOCTYPE html><html><body><img src="x.jpg"></body></html>')],
    ['PDF', bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')],
    ['GIF88a', bytes('GIF88a')],
    ['RIFF WAVE', bytes('RIFF', le32(36), 'WAVEfmt ')],
    ['a JPEG behind a BOM', bytes(0xef, 0xbb, 0xbf, 0xff, 0xd8, 0xff, 0xe0)],
    ['an HTML/JPEG polyglot', bytes('<html>', 0xff, 0xd8, 0xff, 0xe0)],
    ['an ftyp too short for its brands', bytes(be32(12), 'ftyp', 'avif', 0, 0, 0, 0)],
  ])('answers null for %s', (_, input) => {
    expect(sniffFormat(input)).toBeNull();
    expectStatus(input, 415);
  });
});

// ── JPEG ────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('JPEG headers', () => {
  it('reads size and components from a baseline frame after APP0 and DQT', () => {
    expect(readImageHeader(jpeg(jfif, dqt, sof(640, 428)))).toEqual({
      format: 'jpeg', width: 640, height: 428, hasAlpha: false, animated: false, orientation: 1,
      bitDepth: 8, components: 3, progressive: false, arithmetic: false, sof: 0xc0,
    });
  });

  it('skips DHT, DAC and JPG markers (C4, CC, C8) that sit in the SOF range', () => {
    const info = readImageHeader(jpeg(segment(0xc4, 0, new Uint8Array(16)), segment(0xcc, 0, 0x11), segment(0xc8, 1), sof(5, 7)));
    expect([info.width, info.height]).toEqual([5, 7]);
  });

  it('handles fill bytes, RSTn and TEM standalone markers, and COM/DRI segments', () => {
    const input = bytes(0xff, 0xd8, 0xff, 0xff, 0xff, 0x01, 0xff, 0xd3, segment(0xfe, 'hi'), segment(0xdd, 0, 4),
      0xff, 0xff, sof(33, 44));
    expect(readImageHeader(input)).toMatchObject({ width: 33, height: 44 });
  });

  it.each([
    [0xc1, false, false],
    [0xc2, true, false],
    [0xc3, false, false],
    [0xc9, false, true],
    [0xca, true, true],
    [0xcf, false, true],
  ])('SOF 0x%s: progressive %s, arithmetic %s', (marker, progressive, arithmetic) => {
    expect(readImageHeader(jpeg(sof(8, 8, { marker })))).toMatchObject({ progressive, arithmetic, sof: marker });
  });

  it('records 12-bit precision, CMYK components and the Adobe transform', () => {
    const adobe = segment(0xee, 'Adobe', 0, 100, 0, 0, 0, 0, 2);
    expect(readImageHeader(jpeg(adobe, sof(9, 9, { components: 4, precision: 12 })))).toMatchObject({
      bitDepth: 12, components: 4, adobeTransform: 2,
    });
  });

  it.each([
    ['II', true],
    ['MM', false],
  ])('reads EXIF orientation from APP1 (%s)', (_, little) => {
    for (const o of [1, 3, 6, 8]) {
      expect(readImageHeader(jpeg(jfif, exifApp1(tiff(o, { little })), sof(4, 3))).orientation).toBe(o);
    }
  });

  it('uses the first EXIF APP1 and ignores XMP APP1 segments', () => {
    const xmp = segment(0xe1, 'http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>');
    const input = jpeg(xmp, exifApp1(tiff(6)), exifApp1(tiff(3)), sof(4, 3));
    expect(readImageHeader(input).orientation).toBe(6);
  });

  it('defaults orientation to 1 when EXIF is absent or broken', () => {
    expect(readImageHeader(jpeg(exifApp1(tiff(null)), sof(4, 3))).orientation).toBe(1);
    expect(readImageHeader(jpeg(exifApp1(bytes('XX', 1, 2, 3)), sof(4, 3))).orientation).toBe(1);
    expect(readImageHeader(jpeg(exifApp1(tiff(6, { claimed: 65535 })), sof(4, 3))).orientation).toBe(6);
  });

  it.each([
    ['truncated after SOI', bytes(0xff, 0xd8, 0xff)],
    ['truncated inside a marker length', bytes(0xff, 0xd8, 0xff, 0xe0, 0x00)],
    ['marker length 0', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0, sof(4, 4))],
    ['marker length 1', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 1, sof(4, 4))],
    ['an APP1 claiming 65535 bytes in a 100-byte file', bytes(0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, new Uint8Array(94))],
    ['EOI before any frame', bytes(0xff, 0xd8, 0xff, 0xd9)],
    ['a scan before any frame', bytes(0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9)],
    ['a frame header too short', jpeg(segment(0xc0, 8, 0, 1))],
    ['height 0 (defined later by DNL)', jpeg(sof(4, 0))],
    ['width 0', jpeg(sof(0, 4))],
    ['no components', jpeg(sof(4, 4, { components: 0 }))],
    ['a frame header beyond the given bytes', jpeg(sof(4, 4)).subarray(0, 8)],
    ['only fill bytes', bytes(0xff, 0xd8, new Uint8Array(HEADER_BYTES).fill(0xff))],
    ['only garbage after SOI', bytes(0xff, 0xd8, 0xff, 0x00, new Uint8Array(HEADER_BYTES).fill(0x41))],
  ])('rejects %s with 422', (_, input) => {
    expectStatus(input, 422);
  });
});

// ── readExifOrientation ─────────────────────────────────────────────────────────────────────────────────────────

describe('readExifOrientation', () => {
  it('reads SHORT (and tolerated LONG/SLONG) values in both byte orders, with or without the Exif prefix', () => {
    expect(readExifOrientation(tiff(6))).toBe(6);
    expect(readExifOrientation(tiff(8, { little: false }))).toBe(8);
    expect(readExifOrientation(tiff(5, { type: 4 }))).toBe(5);
    expect(readExifOrientation(tiff(7, { type: 4, little: false }))).toBe(7);
    // edge/exif-orientation-6-*.jpg in the shared corpus store Orientation as SLONG (type 9).
    expect(readExifOrientation(tiff(6, { type: 9 }))).toBe(6);
    expect(readExifOrientation(tiff(2, { type: 9, little: false }))).toBe(2);
    expect(readExifOrientation(bytes('Exif', 0, 0, tiff(3)))).toBe(3);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['no orientation tag', tiff(null)],
    ['value 0', tiff(0)],
    ['value 9', tiff(9)],
    ['value 65535', tiff(65535)],
    ['an ASCII-typed tag', tiff(6, { type: 2 })],
    ['a bad byte order', bytes('IM', le16(42), le32(8), le16(0))],
    ['a bad magic', bytes('II', le16(43), le32(8), le16(0))],
    ['IFD0 past the end', bytes('II', le16(42), le32(0xfffffff0))],
    ['IFD0 inside the header', bytes('II', le16(42), le32(2), le16(1))],
    ['an entry count of 65535 in 30 bytes', bytes('II', le16(42), le32(8), le16(65535), new Uint8Array(20))],
  ])('answers 1 for %s', (_, input) => {
    expect(readExifOrientation(input)).toBe(1);
  });
});

// ── PNG ─────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('PNG headers', () => {
  it('reads IHDR', () => {
    expect(readImageHeader(png(300, 200))).toEqual({
      format: 'png', width: 300, height: 200, hasAlpha: false, animated: false, orientation: 1,
      bitDepth: 8, components: 3, progressive: false, arithmetic: false,
    });
  });

  it.each([
    [0, 1, 1, false],
    [4, 8, 1, true],
    [6, 16, 3, true],
    [3, 4, 3, false],
  ])('colour type %i, depth %i: %i components, alpha %s', (colourType, depth, components, hasAlpha) => {
    expect(readImageHeader(png(2, 2, { colourType, depth }))).toMatchObject({ components, hasAlpha, bitDepth: depth });
  });

  it('takes alpha from tRNS, animation from acTL and orientation from eXIf, before IDAT only', () => {
    const before = png(2, 2, { colourType: 3 }, chunk('PLTE', 0, 0, 0), chunk('tRNS', 0), chunk('acTL', be32(2), be32(0)),
      chunk('eXIf', tiff(6, { little: false })));
    expect(readImageHeader(before)).toMatchObject({ hasAlpha: true, animated: true, orientation: 6 });
    const after = bytes(PNG_SIGNATURE, ihdr(2, 2, 8, 3), chunk('IDAT', 0), chunk('tRNS', 0), chunk('acTL', be32(2), be32(0)));
    expect(readImageHeader(after)).toMatchObject({ hasAlpha: false, animated: false });
  });

  it('reports interlacing as progressive', () => {
    expect(readImageHeader(png(9, 9, { interlace: 1 })).progressive).toBe(true);
  });

  it('keeps the IHDR answer when the chunks before IDAT run past the given bytes', () => {
    const big = png(7, 5, {}, chunk('iTXt', new Uint8Array(1000)), chunk('tRNS', 0));
    expect(readImageHeader(big.subarray(0, 100))).toMatchObject({ width: 7, height: 5, hasAlpha: false });
  });

  it.each([
    ['IHDR width 0', png(0, 10)],
    ['IHDR height 0', png(10, 0)],
    ['a side over 100000', png(100_001, 10)],
    ['a side of 2^32 - 1', png(0xffffffff, 10)],
    ['a missing IHDR', bytes(PNG_SIGNATURE, chunk('IDAT', 0))],
    ['an IHDR of the wrong length', bytes(PNG_SIGNATURE, chunk('IHDR', be32(1), be32(1)))],
    ['IHDR cut short', png(10, 10).subarray(0, 20)],
    ['just the signature', bytes(PNG_SIGNATURE)],
    ['colour type 5', png(1, 1, { colourType: 5 })],
    ['RGB at depth 4', png(1, 1, { colourType: 2, depth: 4 })],
    ['a chunk claiming 2^32 - 1 bytes', bytes(PNG_SIGNATURE, ihdr(1, 1), be32(0xffffffff), 'tEXt', new Uint8Array(8))],
  ])('rejects %s with 422', (_, input) => {
    expectStatus(input, 422);
  });
});

// ── WebP ────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('WebP headers', () => {
  it('reads lossy VP8 dimensions (14 bits, scale bits ignored)', () => {
    expect(readImageHeader(riff([vp8(400, 301)]))).toMatchObject({ format: 'webp', width: 400, height: 301, hasAlpha: false });
    expect(readImageHeader(riff([vp8(0xc000 | 150, 0x4000 | 103)]))).toMatchObject({ width: 150, height: 103 });
  });

  it('reads lossless VP8L dimensions and the alpha hint', () => {
    expect(readImageHeader(riff([vp8l(600, 400, false)]))).toMatchObject({ width: 600, height: 400, hasAlpha: false });
    expect(readImageHeader(riff([vp8l(16384, 1, true)]))).toMatchObject({ width: 16384, height: 1, hasAlpha: true });
  });

  it('reads VP8X canvas size and flags, and orientation from its EXIF chunk', () => {
    const input = riff([vp8x(5000, 3000, 0x10 | 0x08 | 0x02), riffChunk('ICCP', 1, 2, 3), riffChunk('EXIF', tiff(8))]);
    expect(readImageHeader(input)).toMatchObject({ width: 5000, height: 3000, hasAlpha: true, animated: true, orientation: 8 });
    expect(readImageHeader(riff([vp8x(100_000, 1, 0)]))).toMatchObject({ width: 100_000, hasAlpha: false, animated: false });
  });

  it('ignores an EXIF chunk when the flag is off, or when it runs past the given bytes', () => {
    expect(readImageHeader(riff([vp8x(5, 5, 0), riffChunk('EXIF', tiff(8))])).orientation).toBe(1);
    const cut = riff([vp8x(5, 5, 0x08), riffChunk('EXIF', tiff(8))]);
    expect(readImageHeader(cut.subarray(0, cut.length - 4)).orientation).toBe(1);
  });

  it.each([
    ['RIFF size 0', riff([vp8(4, 4)], 0)],
    ['RIFF size 4 (no chunk)', riff([vp8(4, 4)], 4)],
    ['a RIFF smaller than its first chunk', riff([vp8(4, 4)], 16)],
    ['RIFF size 2^32 - 1', riff([vp8(4, 4)], 0xffffffff)],
    ['a header cut at the chunk', riff([vp8(4, 4)]).subarray(0, 14)],
    ['a VP8 chunk of 4 bytes', riff([riffChunk('VP8 ', 0x50, 0x02, 0x00, 0x9d)])],
    ['a VP8 frame without start code', riff([riffChunk('VP8 ', 0x50, 0x02, 0x00, 1, 2, 3, 4, 0, 4, 0)])],
    ['a VP8 inter frame', riff([riffChunk('VP8 ', 0x51, 0x02, 0x00, 0x9d, 0x01, 0x2a, 4, 0, 4, 0)])],
    ['a VP8 frame of width 0', riff([vp8(0, 4)])],
    ['a VP8L without signature', riff([riffChunk('VP8L', 0x2e, 0, 0, 0, 0)])],
    ['a VP8L of version 1', riff([riffChunk('VP8L', 0x2f, 0, 0, 0, 0x20)])],
    ['a VP8X canvas over 100000', riff([vp8x(100_001, 1, 0)])],
    ['an ALPH chunk first', riff([riffChunk('ALPH', 0), vp8(4, 4)])],
  ])('rejects %s with 422', (_, input) => {
    expectStatus(input, 422);
  });
});

// ── AVIF ────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('AVIF headers', () => {
  it('reads ispe through meta → iprp → ipco', () => {
    expect(readImageHeader(avif({ properties: [ispe(23, 42)] }))).toEqual({
      format: 'avif', width: 23, height: 42, hasAlpha: false, animated: false, orientation: 1,
      bitDepth: 8, components: 3, progressive: false, arithmetic: false,
    });
  });

  it("resolves the primary item's ispe through pitm and ipma, else takes the largest", () => {
    const properties = [ispe(1000, 800), ispe(64, 48), fullBox('pixi', 1, 10)];
    expect(readImageHeader(avif({ primary: 2, properties, associations: [[1, [1]], [2, [0x82, 3]]] })))
      .toMatchObject({ width: 64, height: 48, bitDepth: 10, components: 1 });
    expect(readImageHeader(avif({ properties }))).toMatchObject({ width: 1000, height: 800 });
    // A primary item with no association, or none to an ispe, falls back too.
    expect(readImageHeader(avif({ primary: 9, properties, associations: [[1, [1]]] }))).toMatchObject({ width: 1000 });
    expect(readImageHeader(avif({ primary: 2, properties, associations: [[2, [3]]] }))).toMatchObject({ width: 1000 });
  });

  it('finds alpha from an auxC with the alpha URN (AV1 or HEVC)', () => {
    const alpha = (urn: string) => avif({ properties: [ispe(8, 8), ispe(8, 8), auxC(urn)] });
    expect(readImageHeader(alpha(ALPHA_URN)).hasAlpha).toBe(true);
    expect(readImageHeader(alpha('urn:mpeg:hevc:2015:auxid:1')).hasAlpha).toBe(true);
    expect(readImageHeader(alpha('urn:com:apple:photo:2020:aux:hdrgainmap')).hasAlpha).toBe(false);
  });

  it.each([
    [[box('irot', 1)], 8],
    [[box('irot', 2)], 3],
    [[box('irot', 3)], 6],
    [[box('imir', 0)], 4],
    [[box('imir', 1)], 2],
    [[box('irot', 1), box('imir', 0)], 5],
    [[box('irot', 3), box('imir', 0)], 7],
  ])('maps irot/imir %# to EXIF orientation %i', (transforms, orientation) => {
    expect(readImageHeader(avif({ properties: [ispe(4, 2), ...transforms] })).orientation).toBe(orientation);
  });

  it("reads 64-bit box sizes, and marks the 'avis' brand animated", () => {
    const large = bytes(be32(1), 'free', be32(0), be32(24), new Uint8Array(8));
    const input = bytes(ftyp('avis', 'avif', 'msf1'), large, meta(box('iprp', box('ipco', ispe(10, 20)))));
    expect(readImageHeader(input)).toMatchObject({ width: 10, height: 20, animated: true });
  });

  it('accepts a size-0 meta box that runs to the end of the bytes', () => {
    const body = bytes(0, 0, 0, 0, box('iprp', box('ipco', ispe(3, 4))));
    expect(readImageHeader(bytes(ftyp('avif'), be32(0), 'meta', body))).toMatchObject({ width: 3, height: 4 });
  });

  const ipmaHuge = fullBox('ipma', be32(0xffffffff), be16(2), 1, 1);
  it.each([
    ['an ftyp heic', ftyp('heic', 'mif1', 'heic'), 415],
    ['a box claiming 2^40 bytes before meta', bytes(ftyp('avif'), be32(1), 'mdat', be32(0x100), be32(0), 1, 2, 3), 422],
    ['no meta box', bytes(ftyp('avif'), box('free', 1, 2), box('mdat', 1)), 422],
    ['a meta box past the given bytes', avif({ properties: [ispe(8, 8)] }).subarray(0, 60), 422],
    ['no ispe', avif({ properties: [box('av1C', 0x81, 0, 0, 0)] }), 422],
    ['an ispe of 0 × 0', avif({ properties: [ispe(0, 0)] }), 422],
    ['an ispe over 100000', avif({ properties: [ispe(200_000, 10)] }), 422],
    ['a short ispe', avif({ properties: [fullBox('ispe', be32(8))] }), 422],
    ['a child overflowing its parent', bytes(ftyp('avif'), meta(bytes(be32(1000), 'iprp')), new Uint8Array(2000)), 422],
    ['a box smaller than its header', bytes(ftyp('avif'), be32(4), 'free', meta()), 422],
    ['an ipma claiming 2^32 - 1 entries', bytes(ftyp('avif'), meta(fullBox('pitm', be16(1)), box('iprp', box('ipco', ispe(8, 8)), ipmaHuge))), 422],
    ['2000 boxes in ipco', avif({ properties: [ispe(8, 8), repeat(box('free'), 2000)] }), 422],
    ['a meta of 100000 empty boxes', bytes(ftyp('avif'), meta(repeat(box('free'), 100_000))), 422],
  ] as [string, Uint8Array, 415 | 422][])('handles %s', (_, input, status) => {
    expectStatus(input, status);
  });
});

// ── GIF ─────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('GIF headers', () => {
  it('reads the logical screen; one frame is still, two are animated', () => {
    expect(readImageHeader(gif(60, 105, frame(60, 105)))).toEqual({
      format: 'gif', width: 60, height: 105, hasAlpha: false, animated: false, orientation: 1,
      bitDepth: 8, components: 3, progressive: false, arithmetic: false,
    });
    expect(readImageHeader(gif(60, 105, netscapeLoop, frame(60, 105), gce(false), frame(1, 1))).animated).toBe(true);
  });

  it('finds transparency in a graphic control extension, even on a later frame', () => {
    expect(readImageHeader(gif(2, 2, gce(true), frame(2, 2))).hasAlpha).toBe(true);
    expect(readImageHeader(gif(2, 2, gce(false), frame(2, 2), gce(false), frame(2, 2), gce(true), frame(2, 2))).hasAlpha)
      .toBe(true);
    expect(readImageHeader(gif(2, 2, gce(false), frame(2, 2))).hasAlpha).toBe(false);
  });

  it('skips local colour tables and long sub-block chains', () => {
    const data = repeat(bytes(255, new Uint8Array(255)), 40);
    const local = bytes(0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x81, new Uint8Array(12), 2, data, 0);
    expect(readImageHeader(gif(1, 1, local, frame(1, 1))).animated).toBe(true);
  });

  it('keeps what it found when the bytes end inside a frame', () => {
    const input = gif(3, 3, frame(3, 3), frame(3, 3));
    expect(readImageHeader(input.subarray(0, 30))).toMatchObject({ width: 3, height: 3, animated: false });
  });

  const commentChain = repeat(bytes(0x21, 0xfe, 3, 'abc', 0), 40_000);
  it.each([
    ['width 0', gif(0, 5, frame(1, 1))],
    ['height 0', gif(5, 0, frame(1, 1))],
    ['no image before the trailer', gif(5, 5)],
    ['an endless extension chain', bytes(gif(5, 5).subarray(0, 19), commentChain)],
    ['sub-blocks that never terminate', bytes(gif(5, 5).subarray(0, 19), 0x21, 0xfe, new Uint8Array(HEADER_BYTES).fill(1))],
    ['an unknown block before the first image', gif(5, 5, 0x99, frame(1, 1))],
    ['a header cut inside the screen descriptor', bytes('GIF89a', 5, 0)],
    ['a global colour table past the bytes', bytes('GIF89a', le16(1), le16(1), 0x87, 0, 0, new Uint8Array(20))],
  ])('rejects %s with 422', (_, input) => {
    expectStatus(input, 422);
  });
});

// ── cut short or malformed ──────────────────────────────────────────────────────────────────────────────────────

describe('a header cut short versus a malformed one', () => {
  const big = bytes(0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, new Uint8Array(65533), sof(4, 4));
  it.each([
    ['an APP1 claiming 65535 bytes in a 100-byte file', big.subarray(0, 100)],
    ['a PNG cut inside IHDR', png(10, 10).subarray(0, 20)],
    ['a WebP cut inside VP8', riff([vp8(4, 4)]).subarray(0, 25)],
    ['an AVIF with mdat first', bytes(ftyp('avif'), be32(1_000_000), 'mdat', new Uint8Array(100))],
    ['an AVIF meta past the bytes', avif({ properties: [ispe(8, 8)] }).subarray(0, 60)],
    ['a GIF whose extensions outrun the bytes', bytes(gif(5, 5).subarray(0, 19), repeat(bytes(0x21, 0xfe, 1, 0x61, 0), 100))],
  ])('%s is a HeaderBeyondBytesError (422) carrying the byte count', (_, input) => {
    const error = failure(input);
    expect(error).toBeInstanceOf(HeaderBeyondBytesError);
    expect(error.status).toBe(422);
    expect((error as HeaderBeyondBytesError).given).toBe(input.length);
  });

  it('the same APP1 parses once enough bytes are given', () => {
    expect(readImageHeader(big)).toMatchObject({ width: 4, height: 4 });
  });

  it.each([
    ['marker length 0', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0, sof(4, 4))],
    ['PNG width 0', png(0, 10)],
    ['a RIFF smaller than its chunk', riff([vp8(4, 4)], 16)],
    ['an AVIF without ispe', avif({ properties: [] })],
    ['a GIF with no image before its trailer', gif(5, 5)],
  ])('%s is a plain ImageError 422', (_, input) => {
    const error = failure(input);
    expect(error).not.toBeInstanceOf(HeaderBeyondBytesError);
    expect(error.status).toBe(422);
  });
});

// ── fuzz ────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('hostile bytes', () => {
  const seeds: [string, Uint8Array][] = [
    ['jpeg', jpeg(jfif, exifApp1(tiff(6)), dqt, sof(640, 480))],
    ['png', png(10, 10, { colourType: 3 }, chunk('tRNS', 0), chunk('eXIf', tiff(3)))],
    ['webp', riff([vp8x(9, 9, 0x18), riffChunk('EXIF', tiff(5))])],
    ['webp-vp8', riff([vp8(9, 9)])],
    ['avif', avif({ primary: 1, properties: [ispe(9, 9), auxC(ALPHA_URN), box('irot', 1)], associations: [[1, [1, 3]]] })],
    ['gif', gif(9, 9, netscapeLoop, gce(true), frame(9, 9), frame(9, 9))],
  ];

  it.each(seeds)('every prefix of a %s header gives a header or a 415/422', (_, seed) => {
    for (let n = 0; n <= seed.length; n++) expectWellBehaved(seed.subarray(0, n));
  });

  it.each(seeds)('2000 seeded mutations of a %s header give a header or a 415/422', (_, seed) => {
    let state = 0x9e3779b9;
    const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let round = 0; round < 2000; round++) {
      const input = seed.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) {
        const at = Math.floor(random() * input.length);
        input[at] = random() < 0.3 ? 0xff : random() < 0.5 ? 0 : Math.floor(random() * 256);
      }
      expectWellBehaved(input);
    }
  });
});

// ── real files ──────────────────────────────────────────────────────────────────────────────────────────────────

/** A Vite `?inline` data URL → its first `limit` bytes (decoding only the base64 that covers them). */
function dataUrlBytes(url: string, limit = Infinity): Uint8Array {
  const comma = url.indexOf(',');
  const head = url.slice(0, comma);
  if (!head.endsWith(';base64')) return new TextEncoder().encode(decodeURIComponent(url.slice(comma + 1)).slice(0, limit));
  const chars = Number.isFinite(limit) ? Math.ceil(limit / 3) * 4 : undefined;
  const binary = atob(url.slice(comma + 1, chars === undefined ? undefined : comma + 1 + chars));
  const out = new Uint8Array(Math.min(binary.length, limit));
  for (let i = 0; i < out.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const fixtures = import.meta.glob('../fixtures/**/*.{jpg,jpeg,png,webp,avif,gif}', { query: '?inline', import: 'default' });

async function fixture(name: string): Promise<Uint8Array> {
  const load = fixtures[`../fixtures/${name}`];
  if (!load) throw new Error(`test/fixtures/${name} is missing (see test/fixtures/README.md)`);
  return dataUrlBytes((await load()) as string, HEADER_BYTES);
}

/** What test/fixtures/README.md says of each file, as the header shows it. */
const fixtureHeaders: Record<string, Partial<HeaderInfo>> = {
  'quadrants-64x48.png': { format: 'png', width: 64, height: 48, hasAlpha: false, components: 3, bitDepth: 8 },
  'quadrants-64x48.jpg': { format: 'jpeg', width: 64, height: 48, progressive: false, components: 3, orientation: 1 },
  'quadrants-progressive-64x48.jpg': { format: 'jpeg', width: 64, height: 48, progressive: true, sof: 0xc2 },
  'grey-64x48.jpg': { format: 'jpeg', width: 64, height: 48, components: 1 },
  'cmyk-64x48.jpg': { format: 'jpeg', width: 64, height: 48, components: 4, adobeTransform: 0 },
  'exif-orientation-6-48x32.jpg': { format: 'jpeg', width: 48, height: 32, orientation: 6 },
  'truncated-128x96.jpg': { format: 'jpeg', width: 128, height: 96 },
  'alpha-left-half-32x32.png': { format: 'png', width: 32, height: 32, hasAlpha: true },
  'pixel-1x1.png': { format: 'png', width: 1, height: 1, hasAlpha: false },
  'strip-1x300.png': { format: 'png', width: 1, height: 300 },
  'strip-300x1.png': { format: 'png', width: 300, height: 1 },
  // Every frame is opaque, but the encoder declares a transparent index: the header can only tell the latter.
  'animated-8-frames-32x32.gif': { format: 'gif', width: 32, height: 32, animated: true, hasAlpha: true },
  'lossy-40x30.webp': { format: 'webp', width: 40, height: 30, hasAlpha: false, animated: false },
  'lossless-alpha-32x32.webp': { format: 'webp', width: 32, height: 32, hasAlpha: true },
  'quadrants-24x16.avif': { format: 'avif', width: 24, height: 16, hasAlpha: false, animated: false, orientation: 1 },
  'rgb16-32x32.png': { format: 'png', width: 32, height: 32, bitDepth: 16, components: 3, hasAlpha: false },
  'palette-trns-32x32.png': { format: 'png', width: 32, height: 32, bitDepth: 8, components: 3, hasAlpha: true },
  'huge-header-20000x20000.png': { format: 'png', width: 20_000, height: 20_000 },
  'huge-header-20000x20000.jpg': { format: 'jpeg', width: 20_000, height: 20_000, components: 3 },
};

describe('fixtures in test/fixtures', () => {
  it.each(Object.entries(fixtureHeaders))('%s', async (name, expected) => {
    expect(readImageHeader(await fixture(name))).toMatchObject(expected);
  });

  // Files added later without an entry above: at least their magic bytes and any WxH in the name must agree.
  const others = Object.keys(fixtures).filter((key) => !(key.slice('../fixtures/'.length) in fixtureHeaders));
  it.each(others)('%s sniffs as its extension and reads (or refuses) cleanly', async (key) => {
    const input = await fixture(key.slice('../fixtures/'.length));
    const ext = key.slice(key.lastIndexOf('.') + 1);
    expect(sniffFormat(input)).toBe(ext === 'jpg' ? 'jpeg' : ext);
    expectWellBehaved(input);
    const size = /(\d+)x(\d+)/.exec(key.slice(key.lastIndexOf('/')));
    if (size && !/bad|broken|corrupt|trunc/i.test(key)) {
      expect(readImageHeader(input)).toMatchObject({ width: Number(size[1]), height: Number(size[2]) });
    }
  });
});

// The shared corpus lives beside the repository (/work/shared/corpus); absent elsewhere, its cases are skipped.
const CORPUS = '../../../shared/corpus';
const catalogs = import.meta.glob('../../../shared/corpus/CATALOG.tsv', { query: '?raw', import: 'default', eager: true });
const corpusFiles = import.meta.glob('../../../shared/corpus/**/*.{jpg,jpeg,png,webp,avif,gif}', {
  query: '?inline',
  import: 'default',
});

interface CatalogRow {
  path: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  notes: string;
}

/**
 * A `?inline` module travels to workerd in one WebSocket message, which workerd refuses past roughly 10 MB of base64
 * ("Message is too large", and the pool dies); larger corpus files are skipped, by name.
 */
const MAX_INLINE_BYTES = 8 * 1024 * 1024;

const catalog = catalogs[`${CORPUS}/CATALOG.tsv`] as string | undefined;
const rows: CatalogRow[] = (catalog ?? '')
  .split('\n')
  .slice(1)
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const [path = '', format = '', width = '', height = '', size = '', notes = ''] = line.split('\t');
    return { path, format, width: Number(width), height: Number(height), bytes: Number(size), notes };
  });

describe.concurrent('the shared corpus (/work/shared/corpus/CATALOG.tsv)', () => {
  if (rows.length === 0) {
    it.skip('skipped: /work/shared/corpus is absent on this machine', () => {});
    return;
  }

  it('has a file for every catalog row', () => {
    for (const row of rows) expect(corpusFiles, row.path).toHaveProperty([`${CORPUS}/${row.path}`]);
  });

  for (const row of rows.filter((r) => r.bytes > MAX_INLINE_BYTES)) {
    it.skip(`${row.path}: skipped, ${row.bytes} bytes is more than the pool can import (${MAX_INLINE_BYTES})`, () => {});
  }

  it.each(rows.filter((r) => r.bytes <= MAX_INLINE_BYTES))('$path: $format $width×$height', async (row) => {
    const load = corpusFiles[`${CORPUS}/${row.path}`];
    if (!load) throw new Error(`${row.path} is in the catalog but not on disk`);
    const input = dataUrlBytes((await load()) as string, HEADER_BYTES);
    const info = readImageHeader(input);
    const notes = row.notes.split(' ');
    const frames = Number(/frames=(\d+)/.exec(row.notes)?.[1] ?? 1);
    expect(info).toMatchObject({
      format: row.format === 'heif' ? 'avif' : row.format,
      width: row.width,
      height: row.height,
      orientation: Number(/orientation=(\d)/.exec(row.notes)?.[1] ?? 1),
      animated: frames > 1,
      progressive: notes.includes('progressive'),
      components: notes.includes('cmyk') ? 4 : notes.includes('b-w') || notes.includes('grey16') ? 1 : 3,
    });
    // libvips loads every GIF with alpha, so the catalog's "alpha" says nothing about a GIF's transparency.
    if (info.format !== 'gif') expect(info.hasAlpha).toBe(notes.includes('alpha'));
    if (notes.includes('ushort')) expect(info.bitDepth).toBe(16);
    else expect(info.bitDepth).toBeLessThanOrEqual(8);
  });
});
