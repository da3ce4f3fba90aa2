/**
 * Cuts the planned region out of the decoded image (or the JPEG stream) and scales it to the planned size in one
 * pass: Lanczos-3 in linear light, on premultiplied alpha when there is any (see resample.ts for why not jSquash's
 * resize). When the output will be WebP or AVIF the result goes straight into the codec session, where the encoder
 * reads it.
 */
import type { Pixels } from './codecs.js';
import { cropPixels } from './crop.js';
import { sessionOf } from './decode.js';
import { copyRows, resample, rowsOf } from './resample.js';
import type { ImageState } from './state.js';

/** Where the resized pixels go: into the session's memory when our WebP or AVIF encoder will read them there. */
function target(state: ImageState, width: number, height: number): Pixels {
  if (state.input.format === 'webp' || state.input.format === 'avif') return sessionOf(state).allocate(width, height);
  return { data: new Uint8ClampedArray(width * height * 4), width, height };
}

export function resize(state: ImageState): void {
  const crop = state.storedCrop;
  const { width, height } = state.storedResize;
  const scaling = crop.width !== width || crop.height !== height;
  const { rows, image: decoded } = state;
  if (!rows && !scaling) {
    state.image = cropPixels(decoded!, crop);
  } else {
    const source = rows ?? rowsOf(decoded!);
    const output = target(state, width, height);
    const options = { premultiply: state.input.info.hasAlpha, linear: true };
    state.image = scaling ? resample(source, crop, width, height, options, output) : copyRows(source, crop, output);
  }
  if (rows) {
    rows.finish();
    state.rows = undefined;
  }
  // The decoded image is done with; in the session, its memory goes to the encoder.
  if (decoded && decoded !== state.image) state.session?.release(decoded);
}
