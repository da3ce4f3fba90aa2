/**
 * Animated output: an animated GIF or WebP master becomes an animated WebP (or GIF), a frame at a time. Each frame
 * is composited on one canvas (gif-frames.ts for GIF, libwebp's WebPAnimDecoder for WebP), then goes through the
 * same steps as a still, with the same plan (crop/resize, colour, tone, orientation, blur/sharpen, the pad canvas),
 * and into libwebp's WebPAnimEncoder, which finds what changed from frame to frame, or gifenc (codec/gif-encode.ts,
 * full frames with a palette each). Memory is the master's bytes, one canvas and one resized frame, plus the
 * encoder's state and its output so far. Metadata (`metadata=`) is not written into animations.
 *
 * An animation whose frames × width × height exceeds the limit (`ANIMATION_MAX_PIXELS`), or with more than
 * MAX_ANIMATION_FRAMES frames, is served as its first frame (the still pipeline); so is a one-frame "animation".
 */
import { ImageError } from '../http/problem.js';
import { extractIccProfile } from '../formats/icc.js';
import { riffChunks, riffEnd } from '../formats/riff.js';
import { u24le } from '../formats/bytes.js';
import type { MasterInfo } from '../options/types.js';
import { CodecSession, type SessionPixels } from './codec/session.js';
import { encodeFailure, decodeFailure } from './codec/failures.js';
import { GifFrames, gifAnimationInfo } from './codec/gif-frames.js';
import { WEBP_METHOD } from './codec/webp.js';
import { AnimatedWebpEncoder, AnimatedWebpReader } from './codec/webp-animation.js';
import { AnimatedGifEncoder, GifTooLarge } from './codec/gif-encode.js';
import { FAST_WEBP_METHOD } from '../options/compression.js';
import { applyColourTransform, parseIccProfile, srgbTransform } from './pixels/colour.js';
import type { Pixels } from './pixels/rgba.js';
import { canvas } from './steps/canvas.js';
import { effects } from './steps/effects.js';
import { orient } from './steps/orient.js';
import { resize } from './steps/resize.js';
import { tone } from './steps/tone.js';
import { type ImageState, initialState, type TransformInput } from './state.js';
import type { TransformResult } from './run.js';

/** Most frames kept animated (more: the first frame is served). */
export const MAX_ANIMATION_FRAMES = 1000;

/** What the block or chunk walk alone says of an animated master. */
export interface AnimationInfo {
  frames: number;
  /** As WebP stores it: 0 forever, n plays n times. */
  loopCount: number;
}

/**
 * Frames and loop count of an animated GIF or WebP, without decoding (frames counted up to MAX_ANIMATION_FRAMES + 1).
 * A GIF's NETSCAPE2.0 count n means n repetitions after the first play (browsers play it n + 1 times), no extension
 * means once; WebP's loop count is the number of plays: so n → n + 1 and none → 1.
 */
export function readAnimationInfo(bytes: Uint8Array, info: MasterInfo): AnimationInfo {
  if (info.format === 'gif') {
    const gif = gifAnimationInfo(bytes, MAX_ANIMATION_FRAMES);
    const loop = gif.loopCount;
    return { frames: gif.frames, loopCount: loop === undefined ? 1 : loop === 0 ? 0 : Math.min(0xffff, loop + 1) };
  }
  let frames = 0;
  let loopCount = 0;
  const limit = riffEnd(bytes);
  for (const chunk of riffChunks(bytes, 12, limit)) {
    if (chunk.end > limit) break;
    if (chunk.type === 'ANIM' && chunk.end - chunk.body >= 6) loopCount = u24le(bytes, chunk.body + 4) & 0xffff;
    if (chunk.type === 'ANMF' && ++frames > MAX_ANIMATION_FRAMES) break;
  }
  return { frames, loopCount };
}

/** An animation's master bytes: run.ts reads them whole before it hands an animation here. */
function wholeBytes(input: TransformInput): Uint8Array {
  if (!input.bytes) throw new Error('an animation is transformed from its whole file');
  return new Uint8Array(input.bytes);
}

/** Whether the animation is kept animated under `maxPixels` (frames × width × height). */
export function keepsAnimation(animation: AnimationInfo, info: MasterInfo, maxPixels: number): boolean {
  return animation.frames > 1 && animation.frames <= MAX_ANIMATION_FRAMES && animation.frames * info.width * info.height <= maxPixels;
}

/** A source of composited canvases in the session, each with the time it ends (ms from the start). */
interface FrameSource {
  next(): { pixels: SessionPixels; endMs: number } | undefined;
  close(): void;
}

function gifSource(state: ImageState, session: CodecSession, maxPixels: number): FrameSource {
  const input = state.input;
  const maxWorkPixels = input.decode.kind === 'full' ? input.decode.maxWorkPixels : undefined;
  const gif = new GifFrames(wholeBytes(input), { maxFrames: MAX_ANIMATION_FRAMES, maxTotalWorkPixels: 2 * maxPixels, maxWorkPixels });
  const frames = gif.frames();
  let end = 0;
  return {
    next() {
      const step = frames.next();
      if (step.done) return undefined;
      end += step.value.delayMs;
      const pixels = session.hold({ data: step.value.canvas, width: gif.width, height: gif.height });
      return { pixels, endMs: end };
    },
    close() {
      frames.return(undefined);
    },
  };
}

function webpSource(state: ImageState, session: CodecSession): FrameSource {
  const reader = new AnimatedWebpReader(session, wholeBytes(state.input));
  let read = 0;
  return {
    next() {
      if (read >= reader.frameCount) return undefined;
      read++;
      const pixels = session.allocate(reader.width, reader.height);
      return { pixels, endMs: reader.next(pixels) };
    },
    close() {
      reader.close();
    },
  };
}

/** The master's ICC profile as a transform to sRGB, found once for all frames (undefined: nothing to convert). */
async function colourTransform(input: TransformInput) {
  const icc = await extractIccProfile(wholeBytes(input), input.info.format);
  if (!icc) return undefined;
  const reading = parseIccProfile(icc);
  if (!reading.ok) return undefined;
  const transform = srgbTransform(reading.profile);
  return transform.identity ? undefined : transform;
}

/** Runs `body`, adding its time to the phase. */
function timed<T>(state: ImageState, phase: string, body: () => T): T {
  const started = performance.now();
  try {
    return body();
  } finally {
    state.timings[phase] = (state.timings[phase] ?? 0) + performance.now() - started;
  }
}

/** Where the transformed frames go: `add` gets a frame with its start and end (ms), `finish` the last end. */
interface FrameSink {
  add(pixels: SessionPixels, startMs: number, endMs: number): void;
  finish(endMs: number): Uint8Array<ArrayBuffer>;
}

function webpSink(session: CodecSession, input: TransformInput, animation: AnimationInfo): FrameSink {
  let encoder: AnimatedWebpEncoder | undefined;
  return {
    add(pixels, startMs) {
      encoder ??= new AnimatedWebpEncoder(session, pixels.width, pixels.height, {
        quality: input.quality,
        method: input.options.compression === 'fast' ? FAST_WEBP_METHOD : WEBP_METHOD,
        loopCount: animation.loopCount,
      });
      encoder.add(pixels, startMs);
    },
    finish(endMs) {
      return encoder!.finish(endMs);
    },
  };
}

function gifSink(alpha: boolean, animation: AnimationInfo, maxBytes: number | undefined): FrameSink {
  let encoder: AnimatedGifEncoder | undefined;
  return {
    add(pixels, startMs, endMs) {
      encoder ??= new AnimatedGifEncoder(pixels.width, pixels.height, { alpha, loopCount: animation.loopCount, maxBytes });
      encoder.add(pixels, endMs - startMs);
    },
    finish() {
      return encoder!.finish();
    },
  };
}

/**
 * Encodes the animated master as an animated WebP or GIF (the output format); `animation` is what
 * readAnimationInfo found (and keepsAnimation allowed).
 */
export async function transformAnimation(input: TransformInput, animation: AnimationInfo, maxPixels: number): Promise<TransformResult> {
  const state = initialState(input);
  const session = (state.session = CodecSession.acquire());
  const format = input.format === 'gif' ? 'gif' : 'webp';
  let source: FrameSource | undefined;
  let output: Uint8Array<ArrayBuffer>;
  let size = { width: 0, height: 0 };
  let sessionBytes = 0;
  let finished = false;
  try {
    const transform = await colourTransform(input);
    source = timed(state, 'decode', () => {
      try {
        return input.info.format === 'gif' ? gifSource(state, session, maxPixels) : webpSource(state, session);
      } catch (error) {
        throw decodeFailure(input.info.format, error);
      }
    });
    const sink = format === 'gif' ? gifSink(state.keepAlpha, animation, input.animation?.maxGifBytes) : webpSink(session, input, animation);
    let frames = 0;
    let start = 0;
    // Bounded by the source: GifFrames stops at MAX_ANIMATION_FRAMES, the WebP reader at its frame count (which
    // keepsAnimation held to it).
    for (;;) {
      // Seconds of CPU with no I/O: let cache hits on this isolate through between frames.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const frame = timed(state, 'decode', () => {
        try {
          return source!.next();
        } catch (error) {
          if (error instanceof ImageError) throw error;
          throw decodeFailure(input.info.format, error);
        }
      });
      if (!frame) break;
      state.image = frame.pixels;
      const image: Pixels = timed(state, 'resize', () => {
        resize(state);
        if (transform) applyColourTransform(state.image!, transform);
        tone(state);
        orient(state);
        effects(state);
        canvas(state);
        return state.image!;
      });
      // Frames may not share a timestamp: a zero duration becomes 1 ms.
      const end = Math.max(frame.endMs, start + 1);
      timed(state, 'encode', () => {
        const pixels = session.hold(image);
        try {
          sink.add(pixels, start, end);
        } catch (error) {
          if (error instanceof GifTooLarge) throw error;
          throw encodeFailure(format, error);
        }
        frames++;
        size = { width: pixels.width, height: pixels.height };
        // The frame is in the encoder now: every buffer of it goes (release ignores ones already gone).
        for (const done of [pixels, image, frame.pixels]) session.release(done);
      });
      start = end;
      state.image = undefined;
    }
    if (frames === 0) throw new ImageError(422, 'undecodable', `the animated ${input.info.format} master has no frame`);
    output = timed(state, 'encode', () => {
      try {
        return sink.finish(start);
      } catch (error) {
        if (error instanceof GifTooLarge) throw error;
        throw encodeFailure(format, error);
      }
    });
    finished = true;
  } finally {
    try {
      source?.close();
    } catch {
      // A failed session cannot close the reader.
    }
    sessionBytes = session.memoryBytes;
    state.session = undefined;
    // A transform that stopped half-way may leave the module's animation encoder or reader open: such a session is
    // dropped, never kept for the next transform.
    if (finished) session.recycle();
  }
  return { bytes: output.buffer, width: size.width, height: size.height, timings: state.timings, sessionBytes };
}
