/** Encodes the finished pixels to the negotiated format. */
import type { OutputFormat, QualityName } from '../options/types.js';
import { ImageError } from '../http/problem.js';
import { codecs } from './codecs.js';
import { sessionOf } from './decode.js';
import { ScaledDecodeError } from './scaled/index.js';
import type { ImageState } from './state.js';

/** libwebp's effort (0–6): 4 is its default and jSquash's; measured, `low_memory` saved little and cost much time. */
const WEBP_METHOD = 4;

/** The finished pixels in the session (copied there if a step made them in JS), and nothing else held there. */
function heldPixels(state: ImageState) {
  const session = sessionOf(state);
  // Nothing else in the session is needed any more: freed first, so that pixels a later step made in JS (a rotation,
  // a blur) are copied into that memory rather than beside it.
  session.releaseAllExcept(state.image!);
  const pixels = session.hold(state.image!);
  return { session, pixels };
}

/** WebP, AVIF and JPEG are ours, in the session: each encoder frees the pixels as soon as it no longer needs them. */
function encodeWebp(state: ImageState, quality: number): ArrayBuffer {
  const { session, pixels } = heldPixels(state);
  return session.encodeWebp(pixels, { quality, method: WEBP_METHOD, alphaQuality: 100 }).buffer;
}

function encodeJpeg(state: ImageState, quality: number, progressive: boolean): ArrayBuffer {
  const { session, pixels } = heldPixels(state);
  return session.encodeJpeg(pixels, { quality, progressive }).buffer;
}

function encodeAvif(state: ImageState, quality: number, speed: number): ArrayBuffer {
  const { session, pixels } = heldPixels(state);
  return session.encodeAvif(pixels, { quality, speed, alpha: state.keepAlpha }).buffer;
}

const namedQuality: Record<QualityName, Record<'avif' | 'webp' | 'jpeg', number>> = {
  high: { avif: 75, webp: 90, jpeg: 90 },
  'medium-high': { avif: 62, webp: 82, jpeg: 82 },
  'medium-low': { avif: 50, webp: 72, jpeg: 72 },
  low: { avif: 40, webp: 60, jpeg: 60 },
};

/** The encoder quality for a request: its number, its name mapped per format, or the format's default. */
export function resolveQuality(option: number | QualityName | undefined, format: OutputFormat, defaults: { avif: number; webp: number; jpeg: number }): number {
  const family = format === 'avif' ? 'avif' : format === 'webp' ? 'webp' : 'jpeg';
  if (typeof option === 'number') return option;
  if (option) return namedQuality[option][family];
  return defaults[family];
}

export async function encode(state: ImageState): Promise<void> {
  const image = state.image!;
  const { format, quality, avifSpeed } = state.input;
  try {
    switch (format) {
      case 'avif':
        state.output = encodeAvif(state, quality, avifSpeed);
        break;
      case 'webp':
        state.output = encodeWebp(state, quality);
        break;
      case 'jpeg':
      case 'baseline-jpeg':
        state.output = encodeJpeg(state, quality, format === 'jpeg');
        break;
      case 'png':
        state.output = await codecs.encodePng(image);
        break;
    }
  } catch (error) {
    const detail = String((error as Error)?.message ?? error);
    if (error instanceof ScaledDecodeError && (error.code === 'out-of-memory' || error.code === 'too-large')) {
      // The session's memory is capped below the isolate's: e.g. a large transparent WebP whose alpha is noise.
      throw new ImageError(413, 'output-too-large', `the ${format} output needs more memory to encode than a transform may use; ask for a smaller size or another format (${detail})`);
    }
    throw new ImageError(422, 'unencodable', `the ${format} encoder failed: ${detail}`);
  }
}
