/** Reading test outputs independently of the code under test: magic bytes and codecs' own decoders. */
import { decodeGifFirstFrame, decodeJpegScaled, decodePng } from '../../src/pipeline/codec/index.js';
import { jsquashDecodeAvif, jsquashDecodeWebp } from './jsquash-reference.js';

export type Magic = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'unknown';

export function magicOf(bytes: Uint8Array): Magic {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(4, 8) === 'ftyp' && /avi[fs]/.test(ascii(8, 32))) return 'avif';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  return 'unknown';
}

export interface Decoded {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Decodes an output by its magic bytes (not by what the response claims it is). */
export async function decodeAny(bytes: Uint8Array): Promise<Decoded> {
  const buffer = bytes.slice().buffer;
  switch (magicOf(bytes)) {
    case 'jpeg':
      // libjpeg-turbo: a different implementation from the mozjpeg that encoded it.
      return decodeJpegScaled(bytes, 1);
    case 'png':
      return decodePng(buffer);
    case 'webp':
      return jsquashDecodeWebp(bytes);
    case 'avif':
      return jsquashDecodeAvif(bytes); // jSquash's libavif + dav1d build, not our module
    case 'gif':
      return decodeGifFirstFrame(buffer);
    default:
      throw new Error('not an image we can decode');
  }
}

/** The mean RGBA of a rectangle of a decoded image. */
export function meanColour(image: Decoded, x: number, y: number, width: number, height: number): [number, number, number, number] {
  const sum = [0, 0, 0, 0];
  for (let j = y; j < y + height; j++) {
    for (let i = x; i < x + width; i++) {
      for (let c = 0; c < 4; c++) sum[c]! += image.data[(j * image.width + i) * 4 + c]!;
    }
  }
  const n = width * height;
  return sum.map((s) => Math.round(s / n)) as [number, number, number, number];
}
