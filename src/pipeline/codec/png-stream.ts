/** PNG streamed in the codec session (native/src/png.c): every colour type and depth, one strip of rows at a time. */
import { byteLimit, DEFAULT_MAX_OUTPUT_BYTES, type DecodeOptions } from './decoded.js';
import { type JpegRows, rowStream } from './jpeg.js';
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
  return rowStream(session, report, 'PNG', () => session.call((wasm) => wasm.png_read_strip()), () => session.call((wasm) => wasm.png_end()));
}
