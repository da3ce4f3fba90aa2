/** PNG streamed in the codec session (native/src/png.c): every colour type and depth, one strip of rows at a time. */
import { byteLimit, DEFAULT_MAX_OUTPUT_BYTES, type DecodeOptions, statsOf } from './decoded.js';
import type { JpegRows } from './jpeg.js';
import { CodecSession } from './session.js';

/** Rows per strip the decoder hands the resizer (as for JPEG). */
const STRIP_ROWS = 16;

/**
 * Starts a streamed decode of a non-interlaced PNG in `session` (native/src/png.c: zlib inflates one row at a time, rows
 * are unfiltered and converted to 8-bit RGBA, 16-bit samples as their high byte), every colour type and depth: only
 * a strip of rows exists at once. Corrupt data (zlib, a critical chunk's CRC, a filter type, a short IDAT) is a
 * 'corrupt' CodecError when the rows (or `finish`, which reads on to IEND) reach it; an interlaced PNG is
 * 'unsupported' (decode it whole instead).
 */
export function streamPngRows(session: CodecSession, bytes: Uint8Array, options: Pick<DecodeOptions, 'maxOutputBytes'> = {}): JpegRows {
  const maxStrip = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  session.setInput(bytes);
  const report = session.report(session.call((wasm) => wasm.png_begin(STRIP_ROWS, maxStrip)));
  const { width, height, pointer } = report;
  session.setStream({ width, height });
  const rowBytes = width * 4;
  let first = 0;
  let count = 0;
  let finished = false;
  return {
    width,
    height,
    stats: statsOf(session, report),
    row(y: number): Uint8ClampedArray {
      if (session.streamTaken) throw new RangeError('the PNG stream was read by the native resampler (session.resample)');
      if (finished || y < first || y >= height) throw new RangeError(`row ${y} is not ahead of the PNG stream (at ${first} of ${height})`);
      while (y >= first + count) {
        first += count;
        count = session.call((wasm) => wasm.png_read_strip());
        if (count === 0) throw new RangeError(`the PNG stream ended before row ${y}`);
      }
      return new Uint8ClampedArray(session.buffer, pointer + (y - first) * rowBytes, rowBytes);
    },
    finish(): void {
      if (finished) return;
      finished = true;
      session.call((wasm) => wasm.png_end());
      session.setStream(undefined);
    },
  };
}

