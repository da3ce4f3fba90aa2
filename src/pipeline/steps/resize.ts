/**
 * Cuts the planned region out of the decoded image (or the JPEG or PNG stream) and scales it to the planned size in
 * one pass: Lanczos-3 in linear light, on premultiplied alpha when there is any. Pixels already in the codec session
 * (a JPEG or PNG stream, a decoded WebP) are resampled there by native/src/resample.c, ~10× faster than the TypeScript of
 * resample.ts, whose algorithm it follows (within ±1 per channel); images decoded in JavaScript (AVIF, GIF, Adam7 PNG) go
 * through resample.ts, into the session when our WebP or AVIF encoder will read them there.
 */
import { decodeFailure } from '../codec/failures.js';
import { SessionPixels } from '../codec/session.js';
import { cropPixels } from '../pixels/crop.js';
import type { StreamedRows } from '../codec/streamed.js';
import { resample } from '../pixels/resample.js';
import type { Pixels } from '../pixels/rgba.js';
import { type ImageState, sessionOf } from '../state.js';

/** Where pixels made in JavaScript go: into the session's memory when our WebP or AVIF encoder will read them there. */
function target(state: ImageState, width: number, height: number): Pixels {
  if (state.input.format === 'webp' || state.input.format === 'avif') return sessionOf(state).allocate(width, height);
  return { data: new Uint8ClampedArray(width * height * 4), width, height };
}

function inSession(state: ImageState, image: Pixels | undefined): image is SessionPixels {
  return image instanceof SessionPixels && image.session === state.session && !image.released;
}

/** Copies the `crop` region of a stream's rows into `target` (its size), awaiting each strip. */
async function copyStreamRows(rows: StreamedRows, crop: { x: number; y: number; width: number; height: number }, target: Pixels): Promise<Pixels> {
  const rowBytes = crop.width * 4;
  for (let y = 0; y < crop.height; y++) {
    await rows.ensure(crop.y + y);
    const row = rows.row(crop.y + y);
    target.data.set(row.subarray(crop.x * 4, crop.x * 4 + rowBytes), y * rowBytes);
  }
  return target;
}

export async function resize(state: ImageState): Promise<void> {
  const crop = state.decodedCrop;
  const { width, height } = state.input.plan.storedResize;
  const scaling = crop.width !== width || crop.height !== height;
  const { rows, image: decoded } = state;
  const options = { premultiply: state.input.info.hasAlpha, linear: true };
  if (scaling && (rows || inSession(state, decoded))) {
    const session = sessionOf(state);
    const output = session.allocate(width, height);
    const native = { ...options, opaque: !state.input.info.hasAlpha };
    try {
      state.image = rows ? await session.resampleInput('jpeg-stream', crop, output, native) : session.resample(decoded as SessionPixels, crop, output, native);
    } catch (error) {
      // Reading the stream is decoding: a corrupt JPEG shows up here.
      throw decodeFailure(state.input.info.format, error);
    }
  } else if (rows) {
    state.image = await copyStreamRows(rows, crop, target(state, width, height));
  } else if (scaling) {
    state.image = resample(decoded!, crop, width, height, options, target(state, width, height));
  } else {
    state.image = cropPixels(decoded!, crop);
  }
  if (rows) {
    await rows.finish();
    state.rows = undefined;
  }
  // The decoded image is done with; in the session, its memory goes to the encoder.
  if (decoded && decoded !== state.image) state.session?.release(decoded);
}
