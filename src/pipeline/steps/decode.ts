/**
 * Decodes the master to RGBA pixels in its stored orientation, as the decode plan says: JPEG, PNG, WebP and AVIF in the
 * transform's codec session (our module), interlaced PNG and AVIFs too large for the session through jSquash, GIF's
 * first frame by our own bounded decoder. JPEG, PNG and AVIF are only started here: the resize step reads their rows a strip at a time, so the decoded
 * RGBA image never exists whole (an AVIF's YUV planes do). A file a codec cannot read is a 422; one whose decode would not fit its memory budget is
 * a 413.
 */
import { checkAvifFrames } from '../../formats/avif-bounds.js';
import { ImageError } from '../../http/problem.js';
import type { JpegScale } from '../../options/decode-plan.js';
import { avifFitsSession, decodeAvif, outOfSessionMemory } from '../codec/avif.js';
import { streamAvifRows } from '../codec/avif-stream.js';
import { decodeFailure } from '../codec/failures.js';
import { decodeGifFirstFrame } from '../codec/gif.js';
import { type JpegRows, streamJpegScaled } from '../codec/jpeg.js';
import { streamPngRows } from '../codec/png-stream.js';
import { decodePng } from '../codec/png.js';
import { decodeFirstWebpFrame } from '../codec/webp-anim.js';
import { decodeWebpScaled } from '../codec/webp.js';
import type { Pixels } from '../pixels/rgba.js';
import { type ImageState, sessionOf } from '../state.js';

/**
 * libjpeg's own budget for a progressive JPEG's coefficients: at 4:2:0, 3.0 MB per source MP at 1/1, 0.94 at 1/2,
 * 0.57 at 1/4, 0.28 at 1/8 (native/src/progressive.c keeps only what the scale uses), so ~16, 53, 88 and 178 MP.
 */
export const JPEG_WORK_BYTES = 48 * 1024 * 1024;

function decodeBytes(state: ImageState): Pixels | Promise<Pixels> {
  const { bytes, info, decode: plan } = state.input;
  const outputBytes = plan.width * plan.height * 4;
  switch (plan.kind) {
    case 'jpeg':
      throw new Error('unreachable: JPEG is streamed');
    case 'webp':
      return decodeWebpScaled(new Uint8Array(bytes), plan.width, plan.height, { maxOutputBytes: outputBytes }, sessionOf(state));
    case 'png':
      return decodePng(bytes); // an interlaced PNG, decoded whole
    case 'avif':
      // One the codec session cannot fit (libaom's state), decoded whole by jSquash (libavif + dav1d).
      return decodeAvif(bytes);
    case 'full':
      break;
  }
  switch (info.format) {
    case 'png':
      return decodePng(bytes);
    case 'webp':
      // Only animated WebP comes here (stills shrink on load); libwebp's still decoder refuses animations.
      return decodeFirstWebpFrame(new Uint8Array(bytes));
    case 'avif':
      throw new Error('unreachable: AVIF always has an avif plan');
    case 'gif':
      return decodeGifFirstFrame(bytes, { maxWorkPixels: plan.maxWorkPixels });
    case 'jpeg':
      throw new Error('unreachable: JPEG always has a scaled plan');
  }
}

/**
 * An interlaced (Adam7) PNG cannot be streamed (its passes spread every row over the whole file), so it is decoded
 * whole, under the limit for images held decoded (`MAX_INPUT_PIXELS`).
 */
export function checkInterlacedPng(info: { width: number; height: number }, maxDecodedPixels: number): void {
  const pixels = info.width * info.height;
  if (pixels > maxDecodedPixels) {
    throw new ImageError(413, 'input-too-large', `the png master is interlaced (Adam7) and ${info.width}×${info.height} (${(pixels / 1e6).toFixed(1)} MP): interlaced PNGs are decoded whole, up to the ${(maxDecodedPixels / 1e6).toFixed(1)} MP limit for png when interlaced (MAX_INPUT_PIXELS); save it without interlacing to have it streamed`);
  }
}

/** Whether a PNG's IHDR says Adam7 (interlace method 1): such a file cannot be streamed. */
export function isInterlacedPng(bytes: Uint8Array): boolean {
  return bytes[28] === 1;
}

/** Hands a started stream to the resize step: its rows are read (and its errors found) there. */
function streamRows(state: ImageState, rows: JpegRows): void {
  const plan = state.input.decode;
  const { format } = state.input.info;
  if (rows.width !== plan.width || rows.height !== plan.height) {
    throw new ImageError(422, 'undecodable', `the ${format} master decodes to ${rows.width}×${rows.height}, but its header says ${plan.width}×${plan.height}`);
  }
  // Errors found later, as rows are read, are the decoder's too; so is the time (the resize step's clock runs
  // around it, so it moves from 'resize' to 'decode').
  const decoding = <T>(read: () => T): T => {
    const started = performance.now();
    try {
      return read();
    } catch (error) {
      throw decodeFailure(format, error);
    } finally {
      const spent = performance.now() - started;
      state.timings.decode = (state.timings.decode ?? 0) + spent;
      state.timings.resize = (state.timings.resize ?? 0) - spent;
    }
  };
  state.rows = {
    width: rows.width,
    height: rows.height,
    row: (y) => decoding(() => rows.row(y)),
    finish: () => decoding(() => rows.finish()),
  };
}

/** Starts the JPEG stream. */
function startJpeg(state: ImageState, denom: JpegScale): void {
  let rows: JpegRows;
  try {
    rows = streamJpegScaled(sessionOf(state), new Uint8Array(state.input.bytes), denom, { maxWorkBytes: JPEG_WORK_BYTES });
  } catch (error) {
    throw decodeFailure(state.input.info.format, error);
  }
  streamRows(state, rows);
}

/** Starts the PNG stream (native/src/png.c): rows inflated and unfiltered a strip at a time. */
function startPng(state: ImageState): void {
  let rows: JpegRows;
  try {
    rows = streamPngRows(sessionOf(state), new Uint8Array(state.input.bytes));
  } catch (error) {
    throw decodeFailure(state.input.info.format, error);
  }
  streamRows(state, rows);
}

/**
 * Starts the AVIF stream (native/src/avif-decode.c): the file is decoded to YUV in the session, and rows are converted
 * to RGBA a strip at a time as the resize step reads them. Returns false when the session cannot hold libaom's state
 * for it (predicted from its size and alpha, or found out: the session then dies and is dropped) but the master fits
 * `maxDecodedPixels`: then it is decoded whole by jSquash instead.
 */
function startAvif(state: ImageState, plan: { maxPixels: number; maxDecodedPixels: number }): boolean {
  const { info } = state.input;
  const wholeAllowed = info.width * info.height <= plan.maxDecodedPixels;
  let rows: JpegRows;
  try {
    // The decoder allocates what the AV1 sequence headers say, not what `ispe` (our limits' input) says.
    const bytes = new Uint8Array(state.input.bytes);
    checkAvifFrames(bytes, info);
    if (wholeAllowed && !avifFitsSession(info)) return false;
    rows = streamAvifRows(sessionOf(state), bytes, { maxPixels: plan.maxPixels });
  } catch (error) {
    if (wholeAllowed && outOfSessionMemory(error)) {
      state.session = undefined; // dead: the next step opens a fresh one
      return false;
    }
    throw decodeFailure(info.format, error);
  }
  streamRows(state, rows);
  return true;
}

export async function decode(state: ImageState): Promise<void> {
  const { info, decode: plan } = state.input;
  if (plan.kind === 'jpeg') return startJpeg(state, plan.denom);
  if (plan.kind === 'avif' && startAvif(state, plan)) return;
  if (plan.kind === 'png') {
    if (!isInterlacedPng(new Uint8Array(state.input.bytes, 0, Math.min(29, state.input.bytes.byteLength)))) return startPng(state);
    checkInterlacedPng(info, plan.maxDecodedPixels);
  }
  let image: Pixels;
  try {
    image = await decodeBytes(state);
  } catch (error) {
    throw decodeFailure(info.format, error);
  }
  if (image.width !== plan.width || image.height !== plan.height) {
    throw new ImageError(422, 'undecodable', `the ${info.format} master decodes to ${image.width}×${image.height}, but its header says ${plan.width}×${plan.height}`);
  }
  state.image = image;
}
