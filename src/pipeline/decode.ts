/** Decodes the master to RGBA pixels in its stored orientation. A file a codec cannot read is a 422. */
import { ImageError } from '../http/problem.js';
import { codecs, type Pixels } from './codecs.js';
import type { ImageState } from './state.js';

/**
 * libjpeg decodes a truncated file with a warning and grey rows; we refuse it instead. Entropy-coded
 * data cannot contain FF D9, so an EOI after the first SOS means the scan data ended properly.
 */
export function jpegIsComplete(bytes: Uint8Array): boolean {
  let offset = 2;
  let scanStart = -1;
  for (let markers = 0; offset + 4 <= bytes.length && markers < 4096; markers++) {
    if (bytes[offset] !== 0xff) return false;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0xda) {
      scanStart = offset;
      break;
    }
    offset += 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
  }
  if (scanStart < 0) return false;
  for (let i = bytes.length - 2; i > scanStart; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

async function decodeBytes(state: ImageState): Promise<Pixels> {
  const { bytes, info } = state.input;
  switch (info.format) {
    case 'jpeg':
      if (!jpegIsComplete(new Uint8Array(bytes))) throw new Error('the JPEG data ends before its end-of-image marker');
      return codecs.decodeJpeg(bytes);
    case 'png':
      return codecs.decodePng(bytes);
    case 'webp':
      return codecs.decodeWebp(bytes);
    case 'avif':
      return codecs.decodeAvif(bytes);
    case 'gif':
      return codecs.decodeGifFirstFrame(bytes);
  }
}

export async function decode(state: ImageState): Promise<void> {
  const { info } = state.input;
  let image: Pixels;
  try {
    image = await decodeBytes(state);
  } catch (error) {
    throw new ImageError(422, 'undecodable', `the ${info.format} master could not be decoded: ${String((error as Error)?.message ?? error)}`);
  }
  if (image.width !== info.width || image.height !== info.height) {
    throw new ImageError(422, 'undecodable', `the ${info.format} master decodes to ${image.width}×${image.height}, but its header says ${info.width}×${info.height}`);
  }
  state.image = image;
}
