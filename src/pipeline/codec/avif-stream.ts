/**
 * AVIF decoded in the codec session (native/src/avif-decode.c: libavif 0.11.1 + dav1d 1.0.0's AV1 decoder) and
 * converted to 8-bit RGBA a strip of rows at a time: the decoded YUV (and alpha) planes are the only full-size
 * buffers. 8/10/12-bit, 4:0:0/4:2:0/4:2:2/4:4:4, alpha (a premultiplied one comes out straight), grids, `nclx`
 * matrix and range. Pixels are in stored orientation (`irot`/`imir` are the orient step's, as for every format).
 *
 * @example
 * const rows = streamAvifRows(session, bytes, { maxPixels: 40_000_000 }); // rows.width × rows.height RGBA rows
 * for (let y = 0; y < rows.height; y++) use(rows.row(y));
 * rows.finish();
 */
import { byteLimit, DEFAULT_MAX_OUTPUT_BYTES, type DecodeOptions } from './decoded.js';
import { type JpegRows, rowStream } from './jpeg.js';
import type { CodecSession } from './session.js';

/** Rows per strip the converter hands the resizer (even: 4:2:0 chroma rows are pairs). */
const STRIP_ROWS = 16;

export interface AvifStreamOptions extends Pick<DecodeOptions, 'maxOutputBytes'> {
  /** Refuse (a 'too-large' CodecError, before decoding) an image of more pixels than this. */
  maxPixels: number;
}

/** Colour facts of the decoded image, from the decoder's report. */
export interface AvifStreamInfo {
  depth: number;
  /** libavif's avifPixelFormat: 1 = 4:4:4, 2 = 4:2:2, 3 = 4:2:0, 4 = 4:0:0. */
  yuvFormat: number;
  /** The nclx matrix coefficients the conversion used. */
  matrixCoefficients: number;
  hasAlpha: boolean;
}

/**
 * Starts a streamed AVIF decode in `session`: the whole file is copied into the module (libavif reads it at random
 * offsets), the primary image (frame 0 of a sequence) is decoded, and rows are converted as they are read. A file
 * libavif or dav1d cannot read is a 'corrupt', 'invalid' or 'unsupported' CodecError; one over `maxPixels`, or that
 * does not fit the module's memory, is 'too-large' / 'out-of-memory'.
 */
export function streamAvifRows(session: CodecSession, bytes: Uint8Array, options: AvifStreamOptions): JpegRows & { avif: AvifStreamInfo } {
  const maxStrip = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const maxPixels = byteLimit(options.maxPixels, 0, 'maxPixels');
  const input = session.call((wasm) => wasm.alloc(bytes.length));
  new Uint8Array(session.buffer, input, bytes.length).set(bytes);
  // From here the decoder owns the input (avif_end frees it; a failure discards the whole instance).
  const pointer = session.call((wasm) => wasm.avif_begin(input, bytes.length, STRIP_ROWS, maxStrip, maxPixels));
  const report = session.report(pointer);
  const words = new DataView(session.buffer, pointer, 32);
  const colour = words.getUint32(20, true);
  const avif: AvifStreamInfo = {
    depth: colour & 0xff,
    yuvFormat: (colour >> 8) & 0xff,
    matrixCoefficients: (colour >> 16) & 0xff,
    hasAlpha: (words.getUint32(24, true) & 4) !== 0,
  };
  const rows = rowStream(session, report, 'AVIF', () => session.call((wasm) => wasm.avif_read_strip()), () => session.call((wasm) => wasm.avif_end()));
  return Object.assign(rows, { avif });
}
