/**
 * Decodes the master to RGBA pixels in its stored orientation, as the decode plan says: JPEG and WebP through
 * our scaled decoder (src/pipeline/scaled), the rest through jSquash (GIF: first frame). A file a codec cannot
 * read is a 422; one whose decode would not fit its memory budget is a 413.
 */
import { ImageError } from '../http/problem.js';
import { codecs, type Pixels } from './codecs.js';
import { cropOnDecoded } from './decode-plan.js';
import { ScaledDecodeError, decodeJpegScaled, decodeWebpScaled } from './scaled/index.js';
import type { ImageState } from './state.js';
import { decodeFirstWebpFrame } from './webp-anim.js';

/** libjpeg's own budget for a progressive JPEG's coefficients (about 3 bytes per source pixel at 4:2:0). */
const JPEG_WORK_BYTES = 48 * 1024 * 1024;

function decodeBytes(state: ImageState): Pixels | Promise<Pixels> {
  const { bytes, info } = state.input;
  const plan = state.decodePlan;
  const outputBytes = plan.width * plan.height * 4;
  switch (plan.kind) {
    case 'jpeg':
      return decodeJpegScaled(new Uint8Array(bytes), plan.denom, { maxOutputBytes: outputBytes, maxWorkBytes: JPEG_WORK_BYTES });
    case 'webp':
      return decodeWebpScaled(new Uint8Array(bytes), plan.width, plan.height, { maxOutputBytes: outputBytes });
  }
  switch (info.format) {
    case 'png':
      return codecs.decodePng(bytes);
    case 'webp':
      // Only animated WebP comes here (stills shrink on load); jSquash refuses animations, so frame 0 is ours.
      return decodeFirstWebpFrame(new Uint8Array(bytes));
    case 'avif':
      return codecs.decodeAvif(bytes);
    case 'gif':
      return codecs.decodeGifFirstFrame(bytes);
    case 'jpeg':
      throw new Error('unreachable: JPEG always has a scaled plan');
  }
}

function failure(state: ImageState, error: unknown): ImageError {
  const { format } = state.input.info;
  if (error instanceof ScaledDecodeError && (error.code === 'too-large' || error.code === 'out-of-memory')) {
    return new ImageError(413, 'input-too-large', `the ${format} master needs more memory to decode than a transform may use: ${error.message}`);
  }
  return new ImageError(422, 'undecodable', `the ${format} master could not be decoded: ${String((error as Error)?.message ?? error)}`);
}

export async function decode(state: ImageState): Promise<void> {
  const { info } = state.input;
  const plan = state.decodePlan;
  let image: Pixels;
  try {
    image = await decodeBytes(state);
  } catch (error) {
    throw failure(state, error);
  }
  if (image.width !== plan.width || image.height !== plan.height) {
    throw new ImageError(422, 'undecodable', `the ${info.format} master decodes to ${image.width}×${image.height}, but its header says ${plan.width}×${plan.height}`);
  }
  state.image = image;
  state.storedCrop = cropOnDecoded(state.storedCrop, info, image);
}
