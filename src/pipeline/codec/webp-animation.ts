/**
 * Animated WebP in the codec session (native/src/anim.c over libwebp's WebPAnimEncoder and WebPAnimDecoder): an
 * encoder fed one full canvas at a time with its timestamp, and a reader giving an animated WebP's frames as full,
 * composited canvases one at a time.
 *
 * @example
 * const encoder = new AnimatedWebpEncoder(session, 320, 240, { quality: 80, method: 4, loopCount: 0 });
 * encoder.add(frame, 0); encoder.add(next, 100);
 * const bytes = encoder.finish(200);
 */
import { type CodecSession, SessionPixels } from './session.js';

export interface AnimatedWebpOptions {
  quality: number;
  method: number;
  /** As WebP stores it: 0 plays forever, n plays n times. */
  loopCount: number;
}

export class AnimatedWebpEncoder {
  #frames = 0;
  #last = -1;

  constructor(
    private readonly session: CodecSession,
    readonly width: number,
    readonly height: number,
    options: AnimatedWebpOptions,
  ) {
    const loop = Math.max(0, Math.min(0xffff, Math.round(options.loopCount)));
    session.call((wasm) => wasm.anim_encoder_new(width, height, options.quality, options.method, 100, loop));
  }

  /** Adds a full canvas (this session's pixels, the encoder's size) shown from `timestampMs`; the pixels stay the caller's. */
  add(pixels: SessionPixels, timestampMs: number): void {
    if (!(pixels instanceof SessionPixels) || pixels.session !== this.session || pixels.released) throw new Error('a frame must be live pixels of the encoder\'s session');
    if (pixels.width !== this.width || pixels.height !== this.height) throw new Error(`a ${pixels.width}×${pixels.height} frame for a ${this.width}×${this.height} animation`);
    if (!Number.isInteger(timestampMs) || timestampMs <= this.#last) throw new RangeError(`frame timestamps must be increasing integers (${timestampMs} after ${this.#last})`);
    this.session.call((wasm) => wasm.anim_encoder_add(pixels.pointer, timestampMs));
    this.#last = timestampMs;
    this.#frames++;
  }

  /** Ends the last frame at `endMs` and returns the animated WebP. */
  finish(endMs: number): Uint8Array<ArrayBuffer> {
    if (this.#frames === 0) throw new Error('an animation needs at least one frame');
    const result = this.session.call((wasm) => wasm.anim_encoder_finish(Math.max(endMs, this.#last + 1)));
    const view = new DataView(this.session.buffer, result, 8);
    const size = view.getUint32(0, true);
    const data = view.getUint32(4, true);
    const bytes = new Uint8Array(this.session.buffer, data, size).slice();
    this.session.call((wasm) => wasm.release(data));
    return bytes;
  }
}

/** An animated WebP's frames as composited RGBA canvases (libwebp's WebPAnimDecoder), one at a time. */
export class AnimatedWebpReader {
  readonly width: number;
  readonly height: number;
  readonly loopCount: number;
  readonly frameCount: number;
  #input: number;
  #read = 0;

  /** Copies the file into the session (the decoder reads it in place) and reads its header. */
  constructor(
    private readonly session: CodecSession,
    bytes: Uint8Array,
  ) {
    this.#input = session.call((wasm) => wasm.alloc(Math.max(1, bytes.length)));
    new Uint8Array(session.buffer, this.#input, bytes.length).set(bytes);
    const info = session.call((wasm) => wasm.anim_reader_new(this.#input, bytes.length));
    const words = new Uint32Array(session.buffer, info, 4);
    [this.width, this.height, this.loopCount, this.frameCount] = [words[0]!, words[1]!, words[2]!, words[3]!];
  }

  /** Decodes the next frame into `canvas` (this session's pixels, the canvas size); returns when the frame ends, in ms. */
  next(canvas: SessionPixels): number {
    if (this.#read >= this.frameCount) throw new Error('no more frames');
    if (canvas.width !== this.width || canvas.height !== this.height || canvas.session !== this.session) throw new Error('the canvas must be this session\'s pixels of the animation\'s size');
    this.#read++;
    return this.session.call((wasm) => wasm.anim_reader_next(canvas.pointer));
  }

  /** Frees the decoder and the copy of the file. */
  close(): void {
    if (this.#input === 0) return;
    this.session.call((wasm) => wasm.anim_reader_end());
    this.session.call((wasm) => wasm.release(this.#input));
    this.#input = 0;
  }
}
