/**
 * Decodes the master to RGBA pixels in its stored orientation, as the decode plan says: JPEG and WebP in the
 * transform's codec session, PNG and AVIF through jSquash, GIF's first frame through omggif. JPEG is only started
 * here: the resize step reads its rows a strip at a time, so the decoded image never exists whole. A file a codec
 * cannot read is a 422; one whose decode would not fit its memory budget is a 413.
 */
import { ImageError } from '../../http/problem.js';
import type { JpegScale } from '../../options/decode-plan.js';
import { decodeAvif } from '../codec/avif.js';
import { decodeFailure } from '../codec/failures.js';
import { decodeGifFirstFrame } from '../codec/gif.js';
import { type JpegRows, streamJpegScaled } from '../codec/jpeg.js';
import { decodePng } from '../codec/png.js';
import { decodeFirstWebpFrame } from '../codec/webp-anim.js';
import { decodeWebpScaled } from '../codec/webp.js';
import type { Pixels } from '../pixels/rgba.js';
import { type ImageState, sessionOf } from '../state.js';

/** libjpeg's own budget for a progressive JPEG's coefficients (about 3 bytes per source pixel at 4:2:0). */
const JPEG_WORK_BYTES = 48 * 1024 * 1024;

function decodeBytes(state: ImageState): Pixels | Promise<Pixels> {
  const { bytes, info, decode: plan } = state.input;
  const outputBytes = plan.width * plan.height * 4;
  switch (plan.kind) {
    case 'jpeg':
      throw new Error('unreachable: JPEG is streamed');
    case 'webp':
      return decodeWebpScaled(new Uint8Array(bytes), plan.width, plan.height, { maxOutputBytes: outputBytes }, sessionOf(state));
  }
  switch (info.format) {
    case 'png':
      return decodePng(bytes);
    case 'webp':
      // Only animated WebP comes here (stills shrink on load); libwebp's still decoder refuses animations.
      return decodeFirstWebpFrame(new Uint8Array(bytes));
    case 'avif':
      return decodeAvif(bytes);
    case 'gif':
      return decodeGifFirstFrame(bytes);
    case 'jpeg':
      throw new Error('unreachable: JPEG always has a scaled plan');
  }
}

/** Starts the JPEG stream; its rows are read (and its errors found) by the resize step. */
function startJpeg(state: ImageState, denom: JpegScale): void {
  const plan = state.input.decode;
  const { format } = state.input.info;
  const session = sessionOf(state);
  let rows: JpegRows;
  try {
    rows = streamJpegScaled(session, new Uint8Array(state.input.bytes), denom, { maxWorkBytes: JPEG_WORK_BYTES });
  } catch (error) {
    throw decodeFailure(format, error);
  }
  if (rows.width !== plan.width || rows.height !== plan.height) {
    throw new ImageError(422, 'undecodable', `the jpeg master decodes to ${rows.width}×${rows.height}, but its header says ${plan.width}×${plan.height}`);
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

export async function decode(state: ImageState): Promise<void> {
  const { info, decode: plan } = state.input;
  if (plan.kind === 'jpeg') return startJpeg(state, plan.denom);
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
