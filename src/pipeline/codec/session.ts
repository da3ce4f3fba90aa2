/**
 * One instance of our native codec module (native/src/scaled.c) for one transform. The decoder's rows, the pixels the
 * resizer writes and the encoder's buffers all live in its linear memory, so nothing is copied from heap to heap,
 * and a block freed in it (the decoder's state, the RGBA once the encoder has it as YUV) is reused by the next
 * allocation instead of growing memory that never shrinks.
 *
 * After a transform the session is recycled: the isolate keeps one idle instance whose memory is at most
 * POOL_LIMIT_BYTES, everything in it freed, for the next transform. WebAssembly memory can only be given back by
 * dropping its instance and waiting for V8 to collect it, and a fresh instance per transform left ~25 MB of such
 * garbage each time (measured: RSS swinging between 35 and 260 MB over 100 transforms); reusing one bounded instance
 * keeps the isolate flat. Larger sessions (a huge progressive JPEG, a big output) are dropped, not kept.
 *
 * Any failure leaves the instance half-way (the C side unwinds by throwing through its frames): the session is then
 * dead, every later call throws, and it is never recycled.
 */
import type { Rect } from '../../options/types.js';
import type { ResampleOptions } from '../pixels/resample.js';
import type { Pixels } from '../pixels/rgba.js';
import { type ByteFeed, FeedError } from './byte-feed.js';
import scaledWasm from './module.js';

/**
 * JavaScript-Promise Integration (JSPI), which workerd has: an import wrapped in `WebAssembly.Suspending` may return a
 * promise, and the module's stack is suspended until it settles, if the export was entered through
 * `WebAssembly.promising`. That lets the C decoders pull a master's bytes from R2 chunk by chunk (streaming sessions,
 * `setFeed`) without changing them. Where it is missing (Node without the flag), sessions are synchronous only.
 */
const jspi = WebAssembly as unknown as {
  Suspending?: new (fn: (...args: never[]) => unknown) => unknown;
  promising?: (fn: (...args: number[]) => number | void) => (...args: number[]) => Promise<number>;
};
export const JSPI = typeof jspi.Suspending === 'function' && typeof jspi.promising === 'function';

/**
 * Options of CodecSession.resample(): the TypeScript resampler's, and the arithmetic. 'fixed' (the default,
 * native/src/resample-i16.c) is int16 fixed point, within 2 per channel of 'float' (native/src/resample.c), which
 * follows src/pipeline/pixels/resample.ts within 1 and is kept for comparisons and as the reference.
 */
/**
 * `opaque`: the source's alpha is 255 everywhere (so only its colour is filtered, and the output's alpha is 255); the
 * fixed-point resampler then filters three channels instead of four, with the same bytes.
 */
export type NativeResampleOptions = ResampleOptions & { arithmetic?: 'fixed' | 'float'; opaque?: boolean };

/** The exports that can read input (through scaled_read / scaled_skip): entered with `callInput` in a streaming session. */
export type InputExport = 'decode_jpeg' | 'jpeg_begin' | 'jpeg_read_strip' | 'jpeg_end' | 'png_begin' | 'png_read_strip' | 'png_end' | 'resample' | 'resample_i16';

export type CodecErrorCode = 'invalid' | 'corrupt' | 'too-large' | 'out-of-memory' | 'unsupported' | 'trap';

/** Why a native decode or encode failed; `code` says whether it is the file ('invalid', 'corrupt', 'unsupported') or a limit. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly code: CodecErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// The codes native/scaled.c passes to scaled_fail().
const FAIL_CODES: Record<number, CodecErrorCode> = {
  1: 'invalid',
  2: 'corrupt',
  3: 'too-large',
  4: 'out-of-memory',
  5: 'invalid',
  6: 'unsupported',
  7: 'trap',
  8: 'invalid',
  9: 'invalid',
};

interface NativeExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  decode_jpeg(denom: number, maxOutputBytes: number, maxWorkBytes: number, strict: number): number;
  jpeg_begin(denom: number, rows: number, maxStripBytes: number, maxWorkBytes: number, strict: number): number;
  jpeg_read_strip(): number;
  jpeg_end(): void;
  png_begin(rows: number, maxStripBytes: number): number;
  png_read_strip(): number;
  png_end(): void;
  avif_begin(input: number, size: number, rows: number, maxStripBytes: number, maxPixels: number): number;
  avif_read_strip(): number;
  avif_end(): void;
  alloc(size: number): number;
  release(pointer: number): void;
  decode_webp(input: number, size: number, width: number, height: number, maxOutputBytes: number): number;
  encode_webp(rgba: number, width: number, height: number, quality: number, method: number, alphaQuality: number, takeInput: number): number;
  encode_avif(rgba: number, width: number, height: number, quality: number, speed: number, hasAlpha: number, takeInput: number): number;
  encode_jpeg(rgba: number, width: number, height: number, quality: number, progressive: number, takeInput: number): number;
  resample(
    src: number,
    srcWidth: number,
    cropX: number,
    cropY: number,
    cropWidth: number,
    cropHeight: number,
    dst: number,
    dstWidth: number,
    dstHeight: number,
    flags: number,
  ): void;
  /** resample() in 16-bit fixed point (native/src/resample-i16.c): the same arguments. */
  resample_i16(...args: Parameters<NativeExports['resample']>): void;
  icc_transform(profile: number, size: number, rgba: number, width: number, height: number): number;
  icc_forget(): void;
  icc_bytes_in_use(): number;
  debug_trap(): void;
  // Animated WebP (native/src/anim.c; used by webp-animation.ts).
  anim_encoder_new(width: number, height: number, quality: number, method: number, alphaQuality: number, loopCount: number): void;
  anim_encoder_add(rgba: number, timestampMs: number): void;
  anim_encoder_finish(endMs: number): number;
  anim_reader_new(input: number, size: number): number;
  anim_reader_next(canvas: number): number;
  anim_reader_end(): void;
}

/** What a decode reports (eight little-endian uint32s in the module's memory). */
export interface DecodeReport {
  width: number;
  height: number;
  pointer: number;
  sourceWidth: number;
  sourceHeight: number;
  progressive: boolean;
  inputBytesInHeap: number;
}

const utf8 = new TextDecoder();

/**
 * The largest idle session an isolate keeps for the next transform: a 1600 px WebP transform needs ~19 MiB, a
 * 1600×1200 AVIF ~49 MiB, a 2.56 MP one (near AVIF_LIMIT_PIXELS, the largest AVIF we encode by default) ~62 MiB
 * opaque (with alpha ~64.4 MiB, just past this, so that one is dropped).
 * Transforms run one at a time per isolate (limits/transform-gate.ts), so the idle session is the one the next
 * transform grows into, not a second copy: keeping it does not raise a transform's peak, and a dropped one costs its
 * garbage (until V8 collects it) plus, for its successor, the first touch of fresh linear memory — measured at about
 * half of a 1600 px AVIF transform's CPU (bench/README.md). Sessions past this (huge progressive JPEGs, big AVIF
 * decodes) are still dropped.
 */
export const POOL_LIMIT_BYTES = 64 * 1024 * 1024;
let idle: CodecSession | undefined;

/**
 * RGBA pixels that live in a session's memory. `data` is re-viewed whenever the memory has grown (growing detaches
 * the old ArrayBuffer), so holding the object across calls into the module is safe; holding `data` is not.
 */
export class SessionPixels implements Pixels {
  #view: Uint8ClampedArray | undefined;
  #released = false;
  constructor(
    readonly session: CodecSession,
    readonly pointer: number,
    readonly width: number,
    readonly height: number,
  ) {}

  get data(): Uint8ClampedArray {
    if (this.#released) throw new Error('these pixels were released');
    const buffer = this.session.buffer;
    if (this.#view?.buffer !== buffer) this.#view = new Uint8ClampedArray(buffer, this.pointer, this.width * this.height * 4);
    return this.#view;
  }

  /** Marks the pixels gone once the module has freed them (reading them afterwards is a bug, and throws). */
  markReleased(): void {
    this.#released = true;
    this.#view = undefined;
  }

  get released(): boolean {
    return this.#released;
  }
}

export class CodecSession {
  readonly #wasm: NativeExports;
  #input: Uint8Array = new Uint8Array(0);
  #offset = 0;
  /** A streamed input (streaming sessions only): read instead of `#input` while set. */
  #feed: ByteFeed | undefined;
  /** The input exports wrapped by WebAssembly.promising, made on first use. */
  readonly #promised = new Map<InputExport, (...args: number[]) => Promise<number>>();
  #dead: CodecError | undefined;
  /** Pixels handed out and not yet released. */
  readonly #live = new Set<SessionPixels>();
  /**
   * The open JPEG stream's size (set by streamJpegScaled), and whether the native resampler has read rows of it. A
   * session with a stream open holds libjpeg's state in the module, so it is not recycled.
   */
  #stream: { width: number; height: number; taken: boolean } | undefined;

  private constructor(readonly streaming: boolean) {
    const env = {
      scaled_fail: (code: number, message: number, length: number): never => {
        const text = utf8.decode(new Uint8Array(this.buffer, message, length));
        throw new CodecError(FAIL_CODES[code] ?? 'invalid', text);
      },
      scaled_read: (buffer: number, capacity: number): number | Promise<number> => {
        // The memory is re-viewed when the bytes arrive: it may have grown (and the old view detached) meanwhile.
        if (this.#feed) return this.#feed.read(capacity, (bytes, offset) => new Uint8Array(this.buffer).set(bytes, buffer + offset));
        const chunk = this.#input.subarray(this.#offset, this.#offset + capacity);
        new Uint8Array(this.buffer).set(chunk, buffer);
        this.#offset += chunk.length;
        return chunk.length;
      },
      scaled_skip: (count: number): void => {
        if (this.#feed) return this.#feed.skip(count);
        this.#offset = Math.min(this.#input.length, this.#offset + count);
      },
    };
    // wasi-libc's stdio is linked (libjpeg's default message handlers) but never called: stub it.
    const EBADF = 8;
    const wasi = {
      fd_close: () => EBADF,
      fd_seek: () => EBADF,
      fd_write: () => EBADF,
      proc_exit(code: number): never {
        throw new CodecError('trap', `the native module called exit(${code})`);
      },
    };
    const imports = streaming ? { ...env, scaled_read: new jspi.Suspending!(env.scaled_read) } : env;
    const instance = new WebAssembly.Instance(scaledWasm, { env: imports as WebAssembly.ModuleImports, wasi_snapshot_preview1: wasi });
    this.#wasm = instance.exports as unknown as NativeExports;
    this.#wasm._initialize();
  }

  /**
   * A fresh instance (compiling is done once per isolate; instantiating costs well under a millisecond). A streaming
   * one (only where JSPI exists) can be given a ByteFeed, and its input exports must be entered with `callInput`.
   */
  static open(options: { streaming?: boolean } = {}): CodecSession {
    if (options.streaming && !JSPI) throw new CodecError('unsupported', 'streaming sessions need WebAssembly JSPI (Suspending and promising)');
    try {
      return new CodecSession(options.streaming ?? false);
    } catch (error) {
      throw asCodecError(error);
    }
  }

  /**
   * The isolate's idle session if there is one, else a fresh one; give it back with recycle(). Streaming where JSPI
   * exists (workerd), so its input exports must be entered with `callInput`.
   */
  static acquire(): CodecSession {
    const session = idle;
    idle = undefined;
    return session ?? CodecSession.open({ streaming: JSPI });
  }

  /**
   * Frees everything this session still holds and keeps it as the isolate's idle session if it is healthy and
   * small enough; otherwise lets it go. The session must not be used after this.
   */
  recycle(): void {
    this.#feed?.cancel();
    this.#feed = undefined;
    if (this.#dead || this.#stream || idle || this.streaming !== JSPI) return;
    try {
      for (const pixels of [...this.#live]) this.release(pixels);
    } catch {
      return;
    }
    // The master's bytes must not outlive the transform in an idle session.
    this.setInput(new Uint8Array(0));
    if (this.memoryBytes <= POOL_LIMIT_BYTES) idle = this;
  }

  /** For tests: forgets the idle session, so the next acquire() opens a fresh one. */
  static dropIdleForTesting(): void {
    idle = undefined;
  }

  get buffer(): ArrayBuffer {
    return this.#wasm.memory.buffer;
  }

  /** The instance's linear memory: it only grows, so this is the session's peak so far. */
  get memoryBytes(): number {
    return this.#wasm.memory.buffer.byteLength;
  }

  /** Runs a call into the module; a failure kills the session. */
  call<T>(body: (wasm: NativeExports) => T): T {
    if (this.#dead) throw new CodecError(this.#dead.code, `this codec session already failed: ${this.#dead.message}`);
    try {
      return body(this.#wasm);
    } catch (error) {
      const failure = asCodecError(error);
      this.#dead = failure;
      throw failure;
    }
  }

  /** Sets the bytes that the JPEG decoder's reads deliver, from the start. */
  setInput(bytes: Uint8Array): void {
    this.#feed = undefined;
    this.#input = bytes;
    this.#offset = 0;
  }

  /** Sets a streamed input (a streaming session only): the decoders' reads await its chunks. */
  setFeed(feed: ByteFeed): void {
    if (!this.streaming) throw new Error('setFeed: this codec session is not a streaming one');
    this.setInput(new Uint8Array(0));
    this.#feed = feed;
  }

  /**
   * Runs an export that can read input: through WebAssembly.promising in a streaming session (its reads may await
   * the next chunk of a feed), directly otherwise. A failure kills the session, as `call` does.
   */
  async callInput(name: InputExport, ...args: number[]): Promise<number> {
    if (!this.streaming) return this.call((wasm) => (wasm[name] as (...args: number[]) => number | void)(...args) ?? 0);
    if (this.#dead) throw new CodecError(this.#dead.code, `this codec session already failed: ${this.#dead.message}`);
    let entry = this.#promised.get(name);
    if (!entry) {
      entry = jspi.promising!(this.#wasm[name] as (...args: number[]) => number | void);
      this.#promised.set(name, entry);
    }
    try {
      return (await entry(...args)) ?? 0;
    } catch (error) {
      const failure = asCodecError(error);
      this.#dead = failure;
      this.#feed?.cancel();
      // The feed's own failure (storage, not the file) is thrown as it is, for a 503.
      throw error instanceof FeedError ? error : failure;
    }
  }

  report(pointer: number): DecodeReport {
    const view = new DataView(this.buffer, pointer, 32);
    const word = (index: number) => view.getUint32(index * 4, true);
    return {
      width: word(0),
      height: word(1),
      pointer: word(2),
      sourceWidth: word(3),
      sourceHeight: word(4),
      progressive: (word(6) & 1) !== 0,
      inputBytesInHeap: word(7),
    };
  }

  /** Pixels already in the module's memory (a decoder's output), tracked like allocated ones. */
  adopt(pointer: number, width: number, height: number): SessionPixels {
    const pixels = new SessionPixels(this, pointer, width, height);
    this.#live.add(pixels);
    return pixels;
  }

  /** Uninitialised RGBA pixels in the module's memory. */
  allocate(width: number, height: number): SessionPixels {
    const pointer = this.call((wasm) => wasm.alloc(width * height * 4));
    return this.adopt(pointer, width, height);
  }

  /**
   * Notes the JPEG stream that streamJpegScaled has opened in this session (its decoded size), or that it was
   * finished (undefined).
   */
  setStream(size: { width: number; height: number } | undefined): void {
    this.#stream = size && { ...size, taken: false };
  }

  /** The native resampler has read rows of the open JPEG stream (so a JavaScript reader's strip is stale). */
  get streamTaken(): boolean {
    return this.#stream?.taken ?? false;
  }

  /**
   * Lanczos-3 resampling in the module of the `crop` region of `source` to the size of `target`: by default in int16
   * fixed point (native/resample-i16.c, within 2 per channel of the float path); with `arithmetic: 'float'`
   * native/resample.c, the algorithm of ../resample.ts (same windows, tables and rounding; within ±1 per channel of
   * it, nearly always equal). The source is pixels of this session, or `'jpeg-stream'`: the JPEG that streamJpegScaled opened here,
   * read row by row in the module (rows above the crop are decoded and dropped; rows below are left for finish()).
   * A stream's rows can be resampled only once, and its JavaScript row() reader cannot be used afterwards.
   */
  resample(source: SessionPixels | 'jpeg-stream', crop: Rect, target: SessionPixels, options: NativeResampleOptions): SessionPixels {
    const args = this.#resampleArgs(source, crop, target, options);
    this.call((wasm) => (options.arithmetic === 'float' ? wasm.resample(...args) : wasm.resample_i16(...args)));
    return target;
  }

  /** resample() for a streaming session: the stream's rows are read (and its input awaited) as they are resampled. */
  async resampleInput(source: SessionPixels | 'jpeg-stream', crop: Rect, target: SessionPixels, options: NativeResampleOptions): Promise<SessionPixels> {
    await this.callInput(options.arithmetic === 'float' ? 'resample' : 'resample_i16', ...this.#resampleArgs(source, crop, target, options));
    return target;
  }

  #resampleArgs(source: SessionPixels | 'jpeg-stream', crop: Rect, target: SessionPixels, options: NativeResampleOptions): Parameters<NativeExports['resample']> {
    this.#own(target, 'the target');
    let pointer = 0;
    let size: { width: number; height: number };
    if (source === 'jpeg-stream') {
      if (!this.#stream) throw new Error('no JPEG stream is open in this session');
      if (this.#stream.taken) throw new Error('the JPEG stream has already been resampled');
      size = this.#stream;
    } else {
      this.#own(source, 'the source');
      if (source === target) throw new Error('resample: the target must not be the source');
      pointer = source.pointer;
      size = source;
    }
    const { x, y, width, height } = crop;
    for (const value of [x, y, width, height, target.width, target.height]) {
      if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError('resample: sizes must be integers in 0..2^32-1');
    }
    if (width < 1 || height < 1 || x + width > size.width || y + height > size.height) {
      throw new RangeError(`resample: the crop ${width}×${height}+${x}+${y} is not inside the ${size.width}×${size.height} source`);
    }
    if (target.width < 1 || target.height < 1) throw new RangeError('resample: the target is empty');
    if (this.#stream && source === 'jpeg-stream') this.#stream.taken = true;
    const flags = (options.premultiply ? 1 : 0) | (options.linear ? 2 : 0) | (options.opaque ? 4 : 0);
    return [pointer, size.width, x, y, width, height, target.pointer, target.width, target.height, flags];
  }

  /** Throws unless `pixels` are live pixels of this session. */
  #own(pixels: SessionPixels, what: string): void {
    if (!(pixels instanceof SessionPixels) || pixels.session !== this || pixels.released) throw new Error(`${what} must be live pixels of this session`);
  }

  /** Frees pixels (a no-op for pixels of another session or already released). */
  release(pixels: Pixels): void {
    if (!(pixels instanceof SessionPixels) || pixels.session !== this || pixels.released) return;
    this.#live.delete(pixels);
    pixels.markReleased();
    this.call((wasm) => wasm.release(pixels.pointer));
  }

  /** Frees every pixel buffer except `keep`: before an encode, nothing else is needed. */
  releaseAllExcept(keep: Pixels): void {
    for (const pixels of [...this.#live]) if (pixels !== keep) this.release(pixels);
  }

  /** Copies `image` into this session unless it is already here. */
  hold(image: Pixels): SessionPixels {
    if (image instanceof SessionPixels && image.session === this && !image.released) return image;
    const pixels = this.allocate(image.width, image.height);
    try {
      pixels.data.set(image.data);
    } catch (error) {
      this.release(pixels);
      throw error;
    }
    return pixels;
  }

  /**
   * Encodes pixels held in this session as lossy WebP (libwebp, its default settings but these). The pixels are
   * consumed: the module frees them once it has converted them to YUV, so its buffers reuse their memory.
   */
  encodeWebp(pixels: SessionPixels, options: { quality: number; method: number; alphaQuality: number }): Uint8Array<ArrayBuffer> {
    this.#consume(pixels);
    return this.#encoded(this.call((wasm) => wasm.encode_webp(pixels.pointer, pixels.width, pixels.height, options.quality, options.method, options.alphaQuality, 1)));
  }

  /**
   * Encodes pixels held in this session as AVIF (libavif + libaom, all-intra, 4:2:0, one thread). `quality` is
   * 0–100 as libavif ≥ 1.0 (and jSquash) take it, `speed` 0–10; `alpha: false` drops the alpha channel. The pixels
   * are consumed: freed once converted to YUV, so libaom's buffers reuse their memory.
   */
  encodeAvif(pixels: SessionPixels, options: { quality: number; speed: number; alpha: boolean }): Uint8Array<ArrayBuffer> {
    this.#consume(pixels);
    return this.#encoded(this.call((wasm) => wasm.encode_avif(pixels.pointer, pixels.width, pixels.height, options.quality, options.speed, options.alpha ? 1 : 0, 1)));
  }

  /**
   * Encodes pixels held in this session as JPEG (libjpeg-turbo: YCbCr 4:2:0, its standard tables scaled to `quality`
   * 1–100, optimised Huffman tables, progressive scans by jpeg_simple_progression or one baseline scan). Alpha is
   * ignored (flatten first). The pixels are consumed: freed once libjpeg has read the last row into its coefficient
   * buffers, so its Huffman passes and the output reuse their memory.
   */
  encodeJpeg(pixels: SessionPixels, options: { quality: number; progressive: boolean }): Uint8Array<ArrayBuffer> {
    if (!Number.isInteger(options.quality) || options.quality < 1 || options.quality > 100) throw new RangeError(`JPEG quality must be an integer in 1..100, not ${options.quality}`);
    this.#consume(pixels);
    return this.#encoded(this.call((wasm) => wasm.encode_jpeg(pixels.pointer, pixels.width, pixels.height, options.quality, options.progressive ? 1 : 0, 1)));
  }

  /** Takes live pixels of this session out of its hands: the encoder they go to frees them. */
  #consume(pixels: SessionPixels): void {
    if (pixels.session !== this || pixels.released) throw new Error('an encoder takes live pixels of its own session');
    this.#live.delete(pixels);
    pixels.markReleased();
  }

  /** Copies an encoder's {size, data} result out of the module and frees it there. */
  #encoded(result: number): Uint8Array<ArrayBuffer> {
    const view = new DataView(this.buffer, result, 8);
    const size = view.getUint32(0, true);
    const data = view.getUint32(4, true);
    const bytes = new Uint8Array(this.buffer, data, size).slice();
    this.call((wasm) => wasm.release(data));
    return bytes;
  }

  /** For tests only: makes the instance trap (`unreachable`), as a bug in the C code would. */
  trapForTesting(): never {
    this.call((wasm) => wasm.debug_trap());
    throw new Error('unreachable');
  }
}

/** A WebAssembly.RuntimeError (a trap) or a RangeError (stack overflow) means the instance is dead; the next is new. */
function asCodecError(error: unknown): CodecError {
  if (error instanceof CodecError) return error;
  return new CodecError('trap', `the native codec trapped: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/** For tests only: makes an instance trap (`unreachable`), as a bug in the C code would. */
export function trapForTesting(): never {
  return CodecSession.open().trapForTesting();
}
