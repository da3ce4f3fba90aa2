/**
 * The `metadata` option, after the encoder (which writes no EXIF, no XMP and no ICC of its own): `none` leaves the
 * output bare; `copyright` writes a minimal EXIF block with only the master's Artist and Copyright; `keep` adds the
 * image description and dates. Nothing else is ever copied: no GPS, no orientation (the pixels are already
 * oriented), no maker notes or comments. JPEG, WebP and PNG outputs carry it; AVIF outputs do not (not implemented).
 *
 * @example metadata=copyright on a phone photo → APP1 `Exif\0\0` with IFD0 { Artist, Copyright } and nothing else
 */
import { ascii, u16be, u32le } from '../../formats/bytes.js';
import { findExif } from '../../formats/exif.js';
import { pngChunks } from '../../formats/png.js';
import { riffEnd } from '../../formats/riff.js';
import { ARTIST, COPYRIGHT, DATE_TIME, DATE_TIME_ORIGINAL, DESCRIPTION, EXIF_IFD, type ExifField, readExifFields } from '../../formats/tiff.js';
import type { Metadata, OutputFormat } from '../../options/types.js';
import { type ImageState, masterHead } from '../state.js';

/** Which fields each mode keeps. Everything not listed (GPS 0x8825 above all) is dropped. */
const KEPT: Record<Exclude<Metadata, 'none'>, readonly number[]> = {
  copyright: [ARTIST, COPYRIGHT],
  keep: [ARTIST, COPYRIGHT, DESCRIPTION, DATE_TIME, DATE_TIME_ORIGINAL],
};


/** The fields a mode keeps, in tag order. */
export function keptFields(fields: readonly ExifField[], mode: Metadata): ExifField[] {
  if (mode === 'none') return [];
  return fields.filter((f) => KEPT[mode].includes(f.tag)).sort((a, b) => a.tag - b.tag);
}

/** A little-endian TIFF structure: IFD0 with the given fields (and a pointer to an Exif IFD for DateTimeOriginal). */
export function writeExif(fields: readonly ExifField[]): Uint8Array {
  const ifd0 = fields.filter((f) => f.tag !== DATE_TIME_ORIGINAL);
  const exif = fields.filter((f) => f.tag === DATE_TIME_ORIGINAL);
  const ifd0Size = 2 + 12 * (ifd0.length + (exif.length ? 1 : 0)) + 4;
  const exifOffset = 8 + ifd0Size;
  let dataOffset = exifOffset + (exif.length ? 2 + 12 * exif.length + 4 : 0);
  const size = dataOffset + fields.reduce((sum, f) => sum + (f.value.length > 4 ? f.value.length + (f.value.length & 1) : 0), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0, 8, 0, 0, 0]);

  const writeIfd = (at: number, entries: readonly ExifField[], pointer?: number) => {
    view.setUint16(at, entries.length + (pointer === undefined ? 0 : 1), true);
    let entry = at + 2;
    const put = (tag: number, type: number, count: number, write: (valueAt: number) => void) => {
      view.setUint16(entry, tag, true);
      view.setUint16(entry + 2, type, true);
      view.setUint32(entry + 4, count, true);
      write(entry + 8);
      entry += 12;
    };
    for (const field of entries) {
      put(field.tag, field.type, field.value.length, (valueAt) => {
        if (field.value.length <= 4) return out.set(field.value, valueAt);
        view.setUint32(valueAt, dataOffset, true);
        out.set(field.value, dataOffset);
        dataOffset += field.value.length + (field.value.length & 1);
      });
    }
    // IFD entries are sorted by tag; the Exif IFD pointer (0x8769) comes after every IFD0 tag we write.
    if (pointer !== undefined) put(EXIF_IFD, 4, 1, (valueAt) => view.setUint32(valueAt, pointer, true));
    view.setUint32(entry, 0, true);
  };
  writeIfd(8, ifd0, exif.length ? exifOffset : undefined);
  if (exif.length) writeIfd(exifOffset, exif);
  return out;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** APP1 `Exif\0\0` after SOI — after a leading JFIF APP0, which JFIF requires to come first. */
function embedInJpeg(jpeg: Uint8Array, tiff: Uint8Array): Uint8Array {
  const segment = concat(new Uint8Array([0xff, 0xe1, 0, 0]), text('Exif\0\0'), tiff);
  new DataView(segment.buffer).setUint16(2, segment.length - 2);
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at += 2 + u16be(jpeg, 4);
  return concat(jpeg.subarray(0, at), segment, jpeg.subarray(at));
}

/** An `eXIf` chunk (with its CRC) before the first IDAT. */
function embedInPng(png: Uint8Array, tiff: Uint8Array): Uint8Array {
  const chunk = concat(new Uint8Array(4), text('eXIf'), tiff, new Uint8Array(4));
  const view = new DataView(chunk.buffer);
  view.setUint32(0, tiff.length);
  view.setUint32(chunk.length - 4, crc32(chunk.subarray(4, chunk.length - 4)));
  const idat = [...pngChunks(png)].find((c) => c.type === 'IDAT');
  if (!idat) return png;
  const at = idat.body - 8;
  return concat(png.subarray(0, at), chunk, png.subarray(at));
}

/** An `EXIF` chunk at the end, with a VP8X header saying so (made from the VP8/VP8L frame header if absent). */
function embedInWebp(webp: Uint8Array, tiff: Uint8Array): Uint8Array {
  const end = riffEnd(webp);
  const first = ascii(webp, 12, 4);
  let head: Uint8Array;
  let body: Uint8Array;
  if (first === 'VP8X') {
    head = webp.slice(12, 30);
    head[8] = head[8]! | 0x08;
    body = webp.subarray(30, end);
  } else {
    let width: number;
    let height: number;
    let alpha = false;
    if (first === 'VP8L') {
      const bits = u32le(webp, 21);
      width = (bits & 0x3fff) + 1;
      height = ((bits >>> 14) & 0x3fff) + 1;
      alpha = ((bits >>> 28) & 1) === 1;
    } else if (first === 'VP8 ') {
      width = (webp[26]! | (webp[27]! << 8)) & 0x3fff;
      height = (webp[28]! | (webp[29]! << 8)) & 0x3fff;
    } else {
      return webp;
    }
    head = concat(text('VP8X'), new Uint8Array([10, 0, 0, 0, alpha ? 0x18 : 0x08, 0, 0, 0]), new Uint8Array(6));
    new DataView(head.buffer).setUint32(12, ((width - 1) & 0xffffff) | (((height - 1) & 0xff) << 24), true);
    new DataView(head.buffer).setUint16(16, (height - 1) >>> 8, true);
    body = webp.subarray(12, end);
  }
  const exif = concat(text('EXIF'), new Uint8Array(4), tiff, new Uint8Array(tiff.length & 1));
  new DataView(exif.buffer).setUint32(4, tiff.length, true);
  const out = concat(text('RIFF'), new Uint8Array(4), text('WEBP'), head, body, exif);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

/** The output with the EXIF structure embedded; AVIF (and anything unknown) comes back unchanged. */
export function embedExif(output: Uint8Array, format: OutputFormat, tiff: Uint8Array): Uint8Array {
  if (format === 'jpeg' || format === 'baseline-jpeg') return embedInJpeg(output, tiff);
  if (format === 'png') return embedInPng(output, tiff);
  if (format === 'webp') return embedInWebp(output, tiff);
  return output;
}

export function metadata(state: ImageState): void {
  const { options, info, format } = state.input;
  if (options.metadata === 'none' || !state.output) return;
  const tiff = findExif(masterHead(state), info.format);
  const fields = tiff ? keptFields(readExifFields(tiff), options.metadata) : [];
  if (fields.length === 0) return;
  const out = embedExif(new Uint8Array(state.output), format, writeExif(fields));
  state.output = out.buffer.byteLength === out.length ? (out.buffer as ArrayBuffer) : (out.slice().buffer as ArrayBuffer);
}
