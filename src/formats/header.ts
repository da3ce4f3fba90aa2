/**
 * What an image is, without decoding it: the format from its magic bytes, and its dimensions, alpha, animation and
 * orientation from the first bytes of its header, read by its format's strict reader (jpeg.ts, png.ts, riff.ts,
 * isobmff.ts, gif.ts). Pure and hostile-input safe: every read is bounds-checked, every walk advances and ends with
 * the given bytes, nothing is allocated by a claimed length, and the only thing thrown is an `ImageError` (415 not a
 * format we take, 422 a header we cannot read).
 */
import { ImageError } from '../http/problem.js';
import type { InputFormat } from '../options/types.js';
import { codes } from './bytes.js';
import { readGifHeader } from './gif.js';
import { type HeaderInfo, MAX_HEADER_SIDE, unreadable } from './header-info.js';
import { ftypBrands, readAvifHeader } from './isobmff.js';
import { readJpegHeader } from './jpeg.js';
import { readPngHeader } from './png.js';
import { readWebpHeader } from './riff.js';

export { HeaderBeyondBytesError, type HeaderInfo, MAX_HEADER_SIDE } from './header-info.js';
export { readExifOrientation } from './tiff.js';

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

