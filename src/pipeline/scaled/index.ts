/**
 * Shrink-on-load decoding (issue 7): JPEG straight to 1/2, 1/4 or 1/8 size in the DCT domain (libjpeg-turbo) and
 * WebP scaled row by row (libwebp), so memory follows the output size rather than the upload's. The WASM module is
 * ours (native/, see native/README.md) and is instantiated afresh for every decode: its linear memory, which never
 * shrinks, is dropped with the instance, and an error or trap inside it cannot affect the next decode.
 *
 * @example
 * const denom = jpegScaleFor(4032, 3024, 1600, 1200); // 2
 * const { data, width, height, stats } = decodeJpegScaled(bytes, denom); // 2016×1512 RGBA
 */
import type { Pixels } from '../codecs.js';
import scaledWasm from './module.js';

/** The reductions libjpeg can do in the DCT domain. */
export type JpegScale = 1 | 2 | 4 | 8;

export interface ScaledDecodeOptions {
  /** Refuse (before allocating) an output whose width × height × 4 exceeds this. Default 64 MiB (16.7 MP). */
  maxOutputBytes?: number;
  /**
   * JPEG only: libjpeg's budget for its own working memory (`max_memory_to_use`), which is mostly the whole-image
   * coefficient buffers of progressive files (about 2 bytes per pixel per component, whatever the scale).
   * Default 96 MiB. The module itself can never grow past 256 MiB.
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

/** RGBA pixels in stored orientation (EXIF orientation is not applied), with what the decode cost. */
export interface ScaledPixels extends Pixels {
  stats: ScaledDecodeStats;
}

export type ScaledDecodeErrorCode = 'invalid' | 'corrupt' | 'too-large' | 'out-of-memory' | 'unsupported' | 'trap';

/** Why a scaled decode failed; `code` says whether it is the file ('invalid', 'corrupt', 'unsupported') or a limit. */
export class ScaledDecodeError extends Error {
  override readonly name = 'ScaledDecodeError';
  constructor(
    readonly code: ScaledDecodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_WORK_BYTES = 96 * 1024 * 1024;
const UINT32_MAX = 0xffff_ffff;

// The codes native/scaled.c passes to scaled_fail().
const FAIL_CODES: Record<number, ScaledDecodeErrorCode> = {
  1: 'invalid',
  2: 'corrupt',
  3: 'too-large',
  4: 'out-of-memory',
  5: 'invalid',
  6: 'unsupported',
};

interface ScaledExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  decode_jpeg(denom: number, maxOutputBytes: number, maxWorkBytes: number, strict: number): number;
  alloc_input(size: number): number;
  decode_webp(input: number, size: number, width: number, height: number, maxOutputBytes: number): number;
  debug_trap(): void;
}

const utf8 = new TextDecoder();

/** A fresh instance whose imports read `input` on demand and turn the C side's failures into thrown errors. */
function instantiate(input: Uint8Array): ScaledExports {
  let memory: WebAssembly.Memory | undefined;
  let offset = 0;
  const heap = () => new Uint8Array(memory!.buffer);
  const env = {
    scaled_fail(code: number, message: number, length: number): never {
      const text = utf8.decode(heap().subarray(message, message + length));
      throw new ScaledDecodeError(FAIL_CODES[code] ?? 'invalid', text);
    },
    scaled_read(buffer: number, capacity: number): number {
      const chunk = input.subarray(offset, offset + capacity);
      heap().set(chunk, buffer);
      offset += chunk.length;
      return chunk.length;
    },
    scaled_skip(count: number): void {
      offset = Math.min(input.length, offset + count);
    },
  };
  // wasi-libc's stdio is linked (libjpeg's default message handlers) but never called: stub it.
  const EBADF = 8;
  const wasi = {
    fd_close: () => EBADF,
    fd_seek: () => EBADF,
    fd_write: () => EBADF,
    proc_exit(code: number): never {
      throw new ScaledDecodeError('trap', `the decoder called exit(${code})`);
    },
  };
  const instance = new WebAssembly.Instance(scaledWasm, { env, wasi_snapshot_preview1: wasi });
  const exports = instance.exports as unknown as ScaledExports;
  memory = exports.memory;
  exports._initialize();
  return exports;
}

/**
 * Runs one decode in a fresh instance. The pixels are a view into that instance's memory rather than a copy
 * (a copy would briefly double the peak); the instance is otherwise unreachable, so its memory goes when the
 * pixels do.
 */
function run(input: Uint8Array, decode: (wasm: ScaledExports) => number): ScaledPixels {
  let wasm: ScaledExports;
  let result: number;
  try {
    wasm = instantiate(input);
    result = decode(wasm);
  } catch (error) {
    if (error instanceof ScaledDecodeError) throw error;
    // A WebAssembly.RuntimeError (a trap) or a RangeError (stack overflow): this instance is dead, the next is new.
    throw new ScaledDecodeError('trap', `the scaled decoder trapped: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  const view = new DataView(wasm.memory.buffer, result, 32);
  const word = (index: number) => view.getUint32(index * 4, true);
  const width = word(0);
  const height = word(1);
  const pointer = word(2);
  const data = new Uint8ClampedArray(wasm.memory.buffer, pointer, width * height * 4);
  return {
    data,
    width,
    height,
    stats: {
      peakMemoryBytes: wasm.memory.buffer.byteLength,
      inputBytesInHeap: word(7),
      sourceWidth: word(3),
      sourceHeight: word(4),
      progressive: (word(6) & 1) !== 0,
    },
  };
}

function byteLimit(value: number | undefined, fallback: number, name: string): number {
  const limit = value ?? fallback;
  if (!Number.isInteger(limit) || limit < 0 || limit > UINT32_MAX) throw new RangeError(`${name} must be an integer in 0..2^32-1`);
  return limit;
}

/**
 * Decodes a JPEG to RGBA at 1/`denom` of its size: exactly ceil(width / denom) × ceil(height / denom), libjpeg's
 * rounding. Baseline, progressive and arithmetic-coded; greyscale, YCbCr at any subsampling, and CMYK/YCCK (converted
 * to RGB as inverted ink, as libvips does; no ICC). Pixels stay in stored orientation. A corrupt or truncated file throws a
 * ScaledDecodeError (with `strict`, the default, libjpeg's warnings included).
 */
export function decodeJpegScaled(bytes: Uint8Array, denom: JpegScale, options: ScaledDecodeOptions = {}): ScaledPixels {
  if (denom !== 1 && denom !== 2 && denom !== 4 && denom !== 8) throw new RangeError(`denom must be 1, 2, 4 or 8, not ${denom}`);
  const maxOutput = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  const maxWork = byteLimit(options.maxWorkBytes, DEFAULT_MAX_WORK_BYTES, 'maxWorkBytes');
  const strict = options.strict ?? true;
  return run(bytes, (wasm) => wasm.decode_jpeg(denom, maxOutput, maxWork, strict ? 1 : 0));
}

/**
 * Decodes a WebP (lossy, lossless, with or without alpha; not animated) to exactly `width` × `height` RGBA with
 * straight alpha, using libwebp's own rescaler (area averaging when shrinking) row by row as it decodes, so the
 * full-size image never exists for lossy files. The whole file is copied into the instance's memory.
 */
export function decodeWebpScaled(bytes: Uint8Array, width: number, height: number, options: ScaledDecodeOptions = {}): ScaledPixels {
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 16383) throw new RangeError(`${name} must be an integer in 1..16383, not ${value}`);
  }
  const maxOutput = byteLimit(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes');
  return run(bytes, (wasm) => {
    const input = wasm.alloc_input(bytes.length);
    new Uint8Array(wasm.memory.buffer).set(bytes, input);
    return wasm.decode_webp(input, bytes.length, width, height, maxOutput);
  });
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
  run(new Uint8Array(0), (wasm) => {
    wasm.debug_trap();
    return 0;
  });
  throw new Error('unreachable');
}
