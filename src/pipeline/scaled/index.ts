/**
 * Shrink-on-load decoding (issue 7): JPEG straight to 1/2, 1/4 or 1/8 size in the DCT domain (libjpeg-turbo) and
 * WebP scaled row by row (libwebp), so memory follows the output size rather than the upload's; JPEG can also be
 * streamed a strip of rows at a time into the resizer. The WASM module is ours (native/, see native/README.md) and
 * is instantiated afresh for every transform (a CodecSession): its linear memory, which never shrinks, is dropped
 * with the instance, and an error or trap inside it cannot affect the next transform.
 *
 * @example
 * const denom = jpegScaleFor(4032, 3024, 1600, 1200); // 2
 * const { data, width, height, stats } = decodeJpegScaled(bytes, denom); // 2016×1512 RGBA
 */
import type { Pixels } from '../codecs.js';
import { CodecSession, type DecodeReport, type SessionPixels } from './session.js';

export { CodecSession, SessionPixels } from './session.js';

/** The reductions libjpeg can do in the DCT domain. */
export type JpegScale = 1 | 2 | 4 | 8;

export interface ScaledDecodeOptions {
  /** Refuse (before allocating) an output whose width × height × 4 exceeds this. Default 64 MiB (16.7 MP). */
  maxOutputBytes?: number;
  /**
   * JPEG only: libjpeg's budget for its own working memory (`max_memory_to_use`), which is mostly the whole-image
   * coefficient buffers of progressive files (about 2 bytes per pixel per component, whatever the scale).
   * Default 96 MiB, which is also the most the module itself can ever grow to.
   */
  maxWorkBytes?: number;
  /** JPEG only: treat libjpeg's warnings (corrupt data, premature end of file) as errors. Default true. */
  strict?: boolean;
}

export interface ScaledDecodeStats {
  /** The instance's linear memory after the decode. WASM memory only grows, so this is the decode's peak. */
  peakMemoryBytes: number;
  /** Input held in linear memory at once: a 64 KiB window for JPEG (read from JS in pieces), the whole file for WebP. */
  inputBytesInHeap: number;
  /** The file's own dimensions, from its header. */
  sourceWidth: number;
  sourceHeight: number;
  /** JPEG: progressive (multi-scan), so its coefficients were buffered whole. */
  progressive: boolean;
}

/** RGBA pixels in stored orientation (EXIF orientation is not applied), in a session's memory, with what the decode cost. */
export type ScaledPixels = SessionPixels & { stats: ScaledDecodeStats };

export { ScaledDecodeError, type ScaledDecodeErrorCode } from './session.js';

const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_WORK_BYTES = 96 * 1024 * 1024;
const UINT32_MAX = 0xffff_ffff;

function statsOf(session: CodecSession, report: DecodeReport): ScaledDecodeStats {
  return {
    peakMemoryBytes: session.memoryBytes,
    inputBytesInHeap: report.inputBytesInHeap,
    sourceWidth: report.sourceWidth,
    sourceHeight: report.sourceHeight,
    progressive: report.progressive,
  };
}

/** Decoded pixels in `session`, with what the decode cost. */
function decoded(session: CodecSession, report: DecodeReport): SessionPixels & { stats: ScaledDecodeStats } {
  return Object.assign(session.adopt(report.pointer, report.width, report.height), { stats: statsOf(session, report) });
}

function byteLimit(value: number | undefined, fallback: number, name: string): number {
  const limit = value ?? fallback;
  if (!Number.isInteger(limit) || limit < 0 || limit > UINT32_MAX) throw new RangeError(`${name} must be an integer in 0..2^32-1`);
  return limit;
}

function checkDenom(denom: number): asserts denom is JpegScale {
  if (denom !== 1 && denom !== 2 && denom !== 4 && denom !== 8) throw new RangeError(`denom must be 1, 2, 4 or 8, not ${denom}`);
}

/**
 * Decodes a JPEG to RGBA at 1/`denom` of its size: exactly ceil(width / denom) × ceil(height / denom), libjpeg's
 * rounding. Baseline, progressive and arithmetic-coded; greyscale, YCbCr at any subsampling, and CMYK/YCCK (converted
 * to RGB as inverted ink, as libvips does; no ICC). Pixels stay in stored orientation. A corrupt or truncated file throws a
 * ScaledDecodeError (with `strict`, the default, libjpeg's warnings included). Decodes in a fresh session unless given one.
 */
export function decodeJpegScaled(bytes: Uint8Array, denom: JpegScale, options: ScaledDecodeOptions = {}, session = CodecSession.open()): ScaledPixels {
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
  readonly stats: ScaledDecodeStats;
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
export function streamJpegScaled(session: CodecSession, bytes: Uint8Array, denom: JpegScale, options: ScaledDecodeOptions = {}): JpegRows {
  checkDenom(denom);
  const maxStrip = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const maxWork = byteLimit(options.maxWorkBytes, DEFAULT_MAX_WORK_BYTES, 'maxWorkBytes');
  const strict = options.strict ?? true;
  session.setInput(bytes);
  const report = session.report(session.call((wasm) => wasm.jpeg_begin(denom, STRIP_ROWS, maxStrip, maxWork, strict ? 1 : 0)));
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
      if (session.streamTaken) throw new RangeError('the JPEG stream was read by the native resampler (session.resample)');
      if (finished || y < first || y >= height) throw new RangeError(`row ${y} is not ahead of the JPEG stream (at ${first} of ${height})`);
      while (y >= first + count) {
        first += count;
        count = session.call((wasm) => wasm.jpeg_read_strip());
        if (count === 0) throw new RangeError(`the JPEG stream ended before row ${y}`);
      }
      return new Uint8ClampedArray(session.buffer, pointer + (y - first) * rowBytes, rowBytes);
    },
    finish(): void {
      if (finished) return;
      finished = true;
      session.call((wasm) => wasm.jpeg_end());
      session.setStream(undefined);
    },
  };
}

/**
 * Starts a streamed decode of a non-interlaced PNG in `session` (native/png.c: zlib inflates one row at a time, rows
 * are unfiltered and converted to 8-bit RGBA, 16-bit samples as their high byte), every colour type and depth: only
 * a strip of rows exists at once. Corrupt data (zlib, a critical chunk's CRC, a filter type, a short IDAT) is a
 * 'corrupt' ScaledDecodeError when the rows (or `finish`, which reads on to IEND) reach it; an interlaced PNG is
 * 'unsupported' (decode it whole instead).
 */
export function streamPngRows(session: CodecSession, bytes: Uint8Array, options: Pick<ScaledDecodeOptions, 'maxOutputBytes'> = {}): JpegRows {
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

/**
 * Decodes a WebP (lossy, lossless, with or without alpha; not animated) to exactly `width` × `height` RGBA with
 * straight alpha, using libwebp's own rescaler (area averaging when shrinking) row by row as it decodes, so the
 * full-size image never exists for lossy files. The whole file is copied into the session's memory for the
 * decode, and freed after. Decodes in a fresh session unless given one.
 */
export function decodeWebpScaled(bytes: Uint8Array, width: number, height: number, options: ScaledDecodeOptions = {}, session = CodecSession.open()): ScaledPixels {
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 16383) throw new RangeError(`${name} must be an integer in 1..16383, not ${value}`);
  }
  const maxOutput = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const report = session.report(
    session.call((wasm) => {
      const input = wasm.alloc(bytes.length);
      new Uint8Array(wasm.memory.buffer).set(bytes, input);
      const result = wasm.decode_webp(input, bytes.length, width, height, maxOutput);
      wasm.release(input);
      return result;
    }),
  );
  return decoded(session, report);
}

/**
 * The largest JPEG reduction that still leaves at least `needWidth` × `needHeight` pixels (libjpeg rounds up, so
 * a 1/d decode is ceil(src / d)). `margin` > 1 keeps that much more resolution for the final resize, as libvips's
 * thumbnail does (it leaves a factor of 2; sharp's default `fastShrinkOnLoad` leaves none).
 */
export function jpegScaleFor(srcWidth: number, srcHeight: number, needWidth: number, needHeight: number, margin = 1): JpegScale {
  for (const denom of [8, 4, 2] as const) {
    if (Math.ceil(srcWidth / denom) >= needWidth * margin && Math.ceil(srcHeight / denom) >= needHeight * margin) return denom;
  }
  return 1;
}

/** For tests only: makes an instance trap (`unreachable`), as a bug in the C code would. */
export function trapForTesting(): never {
  return CodecSession.open().trapForTesting();
}

/** Encodes `image` as lossy WebP (libwebp, method 4, lossless alpha) in a fresh session. */
export function encodeWebpScaled(image: Pixels, quality: number, session = CodecSession.open()): Uint8Array<ArrayBuffer> {
  return session.encodeWebp(session.hold(image), { quality, method: 4, alphaQuality: 100 });
}

/** Encodes `image` as AVIF (libavif + libaom) in a fresh session; `alpha` keeps its alpha channel. */
export function encodeAvifScaled(image: Pixels, options: { quality: number; speed: number; alpha: boolean }, session = CodecSession.open()): Uint8Array<ArrayBuffer> {
  return session.encodeAvif(session.hold(image), options);
}

/** Encodes `image` as JPEG (libjpeg-turbo, 4:2:0, optimised Huffman tables; alpha ignored) in a fresh session. */
export function encodeJpegScaled(image: Pixels, options: { quality: number; progressive: boolean }, session = CodecSession.open()): Uint8Array<ArrayBuffer> {
  return session.encodeJpeg(session.hold(image), options);
}
