/**
 * JPEG and PNG row streams whose input may be awaited: the decoder runs in a streaming session (session.ts, JSPI) and
 * reads the master's bytes from a ByteFeed as it needs them, so neither the file nor the decoded image ever exists
 * whole. The same decoders, strips and errors as `streamJpegScaled` / `streamPngRows`, with `ensure` and `finish`
 * asynchronous; in a synchronous session they settle at once.
 *
 * @example
 * session.setFeed(feed);
 * const rows = await beginJpegRows(session, 2, { maxWorkBytes });
 * await rows.ensure(0); rows.row(0);
 * await rows.finish();
 */
import { type JpegScale } from '../../options/decode-plan.js';
import { byteLimit, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_WORK_BYTES, type DecodeOptions, type DecodeStats, statsOf } from './decoded.js';
import type { CodecSession, DecodeReport } from './session.js';

/** Rows of a stream, read strictly forwards: `ensure(y)` before `row(y)`. */
export interface StreamedRows {
  readonly width: number;
  readonly height: number;
  readonly stats: DecodeStats;
  /** Decodes on until row `y` is in the current strip. */
  ensure(y: number): Promise<void>;
  /** Row `y` (RGBA), valid until the next call; `ensure(y)` must have settled. */
  row(y: number): Uint8ClampedArray;
  /** Decodes whatever is left (a truncated or corrupt tail still fails) and frees the decoder. */
  finish(): Promise<void>;
}

/** Rows per strip, as streamJpegScaled and streamPngRows. */
const STRIP_ROWS = 16;

/** Starts a JPEG stream at 1/`denom` over the session's input (setFeed or setInput). */
export async function beginJpegRows(session: CodecSession, denom: JpegScale, options: DecodeOptions = {}): Promise<StreamedRows> {
  if (denom !== 1 && denom !== 2 && denom !== 4 && denom !== 8) throw new RangeError(`denom must be 1, 2, 4 or 8, not ${denom}`);
  const maxStrip = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const maxWork = byteLimit(options.maxWorkBytes, DEFAULT_MAX_WORK_BYTES, 'maxWorkBytes');
  const strict = options.strict ?? true;
  const report = session.report(await session.callInput('jpeg_begin', denom, STRIP_ROWS, maxStrip, maxWork, strict ? 1 : 0));
  return streamedRows(session, report, 'JPEG', 'jpeg_read_strip', 'jpeg_end');
}

/** Starts a PNG stream (non-interlaced) over the session's input (setFeed or setInput). */
export async function beginPngRows(session: CodecSession, options: Pick<DecodeOptions, 'maxOutputBytes'> = {}): Promise<StreamedRows> {
  const maxStrip = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const report = session.report(await session.callInput('png_begin', STRIP_ROWS, maxStrip));
  return streamedRows(session, report, 'PNG', 'png_read_strip', 'png_end');
}

function streamedRows(session: CodecSession, report: DecodeReport, name: string, readStrip: 'jpeg_read_strip' | 'png_read_strip', end: 'jpeg_end' | 'png_end'): StreamedRows {
  const { width, height, pointer } = report;
  session.setStream({ width, height });
  const rowBytes = width * 4;
  let first = 0; // the strip holds rows [first, first + count)
  let count = 0;
  let finished = false;
  const check = (y: number) => {
    if (session.streamTaken) throw new RangeError(`the ${name} stream was read by the native resampler (session.resample)`);
    if (finished || y < first || y >= height) throw new RangeError(`row ${y} is not ahead of the ${name} stream (at ${first} of ${height})`);
  };
  return {
    width,
    height,
    stats: statsOf(session, report),
    async ensure(y: number): Promise<void> {
      check(y);
      while (y >= first + count) {
        first += count;
        count = await session.callInput(readStrip);
        if (count === 0) throw new RangeError(`the ${name} stream ended before row ${y}`);
      }
    },
    row(y: number): Uint8ClampedArray {
      check(y);
      if (y >= first + count) throw new RangeError(`row ${y} is not decoded yet: await ensure(${y}) first`);
      return new Uint8ClampedArray(session.buffer, pointer + (y - first) * rowBytes, rowBytes);
    },
    async finish(): Promise<void> {
      if (finished) return;
      finished = true;
      await session.callInput(end);
      session.setStream(undefined);
    },
  };
}
