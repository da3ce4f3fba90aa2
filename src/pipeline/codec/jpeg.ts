/**
 * JPEG in the codec session (libjpeg-turbo, native/src/scaled.c): decoded straight to 1/2, 1/4 or 1/8 size in the DCT
 * domain (shrink-on-load), whole or streamed a strip of rows at a time into the resizer, and encoded. A session is
 * given by the pipeline (one per transform, recycled after it); the functions that open their own are for tests and
 * benchmarks.
 *
 * @example
 * const denom = jpegScaleFor(4032, 3024, 1600, 1200); // 2
 * const { data, width, height, stats } = decodeJpegScaled(bytes, denom); // 2016×1512 RGBA
 */
import { type JpegScale, jpegScaleFor } from '../../options/decode-plan.js';
import type { Pixels } from '../pixels/rgba.js';
import { byteLimit, decoded, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_WORK_BYTES, type DecodeOptions, type DecodeStats, type DecodedPixels, statsOf } from './decoded.js';
import { CodecSession } from './session.js';

export { type JpegScale, jpegScaleFor };

function checkDenom(denom: number): asserts denom is JpegScale {
  if (denom !== 1 && denom !== 2 && denom !== 4 && denom !== 8) throw new RangeError(`denom must be 1, 2, 4 or 8, not ${denom}`);
}

/**
 * Decodes a JPEG to RGBA at 1/`denom` of its size: exactly ceil(width / denom) × ceil(height / denom), libjpeg's
 * rounding. Baseline, progressive and arithmetic-coded; greyscale, YCbCr at any subsampling, and CMYK/YCCK (converted
 * to RGB as inverted ink, as libvips does; no ICC). Pixels stay in stored orientation. A corrupt or truncated file throws a
 * CodecError (with `strict`, the default, libjpeg's warnings included). Decodes in a fresh session unless given one.
 */
export function decodeJpegScaled(bytes: Uint8Array, denom: JpegScale, options: DecodeOptions = {}, session = CodecSession.open()): DecodedPixels {
  checkDenom(denom);
  const maxOutput = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const maxWork = byteLimit(options.maxWorkBytes, DEFAULT_MAX_WORK_BYTES, 'maxWorkBytes');
  const strict = options.strict ?? true;
  session.setInput(bytes);
  const report = session.report(session.call((wasm) => wasm.decode_jpeg(denom, maxOutput, maxWork, strict ? 1 : 0)));
  return decoded(session, report);
}

/** A JPEG decoded a strip of rows at a time: rows are asked for in order, and only one strip exists at once. */
export interface JpegRows {
  readonly width: number;
  readonly height: number;
  readonly stats: DecodeStats;
  /** Row `y` (RGBA, `width` × 4 bytes), valid until the next call; `y` never goes back past the current strip. */
  row(y: number): Uint8ClampedArray;
  /** Decodes whatever is left (a truncated or corrupt tail still fails) and frees the decoder. */
  finish(): void;
}

/** Rows per strip: libjpeg decodes up to 16 rows per iMCU row; a strip a little larger keeps calls few. */
const STRIP_ROWS = 16;

/**
 * Starts a streamed JPEG decode at 1/`denom` in `session`: the decoded image never exists whole, only a strip of
 * rows (`options.maxOutputBytes` bounds the strip). Same formats and errors as decodeJpegScaled.
 */
export function streamJpegScaled(session: CodecSession, bytes: Uint8Array, denom: JpegScale, options: DecodeOptions = {}): JpegRows {
  checkDenom(denom);
  const maxStrip = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const maxWork = byteLimit(options.maxWorkBytes, DEFAULT_MAX_WORK_BYTES, 'maxWorkBytes');
  const strict = options.strict ?? true;
  session.setInput(bytes);
  const report = session.report(session.call((wasm) => wasm.jpeg_begin(denom, STRIP_ROWS, maxStrip, maxWork, strict ? 1 : 0)));
  return rowStream(session, report, 'JPEG', () => session.call((wasm) => wasm.jpeg_read_strip()), () => session.call((wasm) => wasm.jpeg_end()));
}

/**
 * The rows of a stream the module decodes a strip at a time (JPEG, PNG), read strictly forwards: `readStrip` decodes
 * the next strip into the session's strip buffer and says how many rows it holds; `end` finishes the stream.
 */
export function rowStream(session: CodecSession, report: ReturnType<CodecSession['report']>, name: string, readStrip: () => number, end: () => void): JpegRows {
  const { width, height, pointer } = report;
  session.setStream({ width, height });
  const rowBytes = width * 4;
  let first = 0; // the strip holds rows [first, first + count)
  let count = 0;
  let finished = false;
  return {
    width,
    height,
    stats: statsOf(session, report),
    row(y: number): Uint8ClampedArray {
      if (session.streamTaken) throw new RangeError(`the ${name} stream was read by the native resampler (session.resample)`);
      if (finished || y < first || y >= height) throw new RangeError(`row ${y} is not ahead of the ${name} stream (at ${first} of ${height})`);
      while (y >= first + count) {
        first += count;
        count = readStrip();
        if (count === 0) throw new RangeError(`the ${name} stream ended before row ${y}`);
      }
      return new Uint8ClampedArray(session.buffer, pointer + (y - first) * rowBytes, rowBytes);
    },
    finish(): void {
      if (finished) return;
      finished = true;
      end();
      session.setStream(undefined);
    },
  };
}

/** Encodes `image` as JPEG (libjpeg-turbo, 4:2:0, optimised Huffman tables; alpha ignored) in a fresh session. */
export function encodeJpegScaled(image: Pixels, options: { quality: number; progressive: boolean }, session = CodecSession.open()): Uint8Array<ArrayBuffer> {
  return session.encodeJpeg(session.hold(image), options);
}
