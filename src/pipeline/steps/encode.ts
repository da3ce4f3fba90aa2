/** Encodes the finished pixels to the negotiated format: WebP, AVIF and JPEG in the codec session, PNG through jSquash. */
import { encodeStillGif } from '../codec/gif-encode.js';
import { encodePng } from '../codec/png.js';
import { encodeFailure } from '../codec/failures.js';
import { WEBP_METHOD } from '../codec/webp.js';
import { FAST_AVIF_SPEED, FAST_WEBP_METHOD } from '../../options/compression.js';
import { type ImageState, sessionOf } from '../state.js';

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
function encodeWebp(state: ImageState, quality: number, method: number): ArrayBuffer {
  const { session, pixels } = heldPixels(state);
  return session.encodeWebp(pixels, { quality, method, alphaQuality: 100 }).buffer;
}

function encodeJpeg(state: ImageState, quality: number, progressive: boolean): ArrayBuffer {
  const { session, pixels } = heldPixels(state);
  return session.encodeJpeg(pixels, { quality, progressive }).buffer;
}

function encodeAvif(state: ImageState, quality: number, speed: number): ArrayBuffer {
  const { session, pixels } = heldPixels(state);
  return session.encodeAvif(pixels, { quality, speed, alpha: state.keepAlpha }).buffer;
}

export async function encode(state: ImageState): Promise<void> {
  const image = state.image!;
  const { format, quality, avifSpeed } = state.input;
  // compression=fast: each encoder at its fastest (options/compression.ts).
  const fast = state.input.options.compression === 'fast';
  try {
    switch (format) {
      case 'avif':
        state.output = encodeAvif(state, quality, fast ? FAST_AVIF_SPEED : avifSpeed);
        break;
      case 'webp':
        state.output = encodeWebp(state, quality, fast ? FAST_WEBP_METHOD : WEBP_METHOD);
        break;
      case 'jpeg':
      case 'baseline-jpeg':
        state.output = encodeJpeg(state, quality, format === 'jpeg' && !fast);
        break;
      case 'png':
        state.output = await encodePng(image);
        break;
      case 'gif':
        // An animated master served as its first frame (over the limits, or one frame) to a client that gets GIF.
        state.output = encodeStillGif(image, state.keepAlpha);
        break;
    }
  } catch (error) {
    throw encodeFailure(format, error);
  }
}
