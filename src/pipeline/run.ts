/**
 * The transform pipeline: an ordered list of steps over one image state, each timed for Server-Timing. Nothing here
 * bounds a transform's time: in production `Date.now()` and `performance.now()` only advance across I/O, and a step
 * is pure CPU, so a wall-clock deadline between steps could not fire. The platform's CPU limit does it instead
 * (`[limits] cpu_ms` in wrangler.toml; see the README's "Limits and memory").
 */
import { canvas } from './steps/canvas.js';
import { color } from './steps/color.js';
import { decode, readSourceWhole } from './steps/decode.js';
import { effects } from './steps/effects.js';
import { encode } from './steps/encode.js';
import { metadata } from './steps/metadata.js';
import { orient } from './steps/orient.js';
import { resize } from './steps/resize.js';
import { tone } from './steps/tone.js';
import { type ImageState, initialState, type Step, type TransformInput } from './state.js';
import { keepsAnimation, readAnimationInfo, transformAnimation } from './animate.js';
import { GifTooLarge } from './codec/gif-encode.js';
import { releaseBuffer } from './codec/release.js';

/** Each step with the Server-Timing phase its time counts towards. */
export const steps: ReadonlyArray<readonly [string, Step]> = [
  ['decode', decode],
  ['resize', resize],
  ['color', color],
  ['resize', tone],
  ['resize', orient],
  ['resize', effects],
  ['resize', canvas],
  ['encode', encode],
  ['encode', metadata],
];

export interface TransformResult {
  bytes: ArrayBuffer;
  width: number;
  height: number;
  timings: Record<string, number>;
  /** The codec session's linear memory at the end (its peak), 0 if the transform needed none: for benchmarks. */
  sessionBytes: number;
}

/** Runs every step in order; the codec session, if one was taken, is recycled whatever happens. */
export async function transform(input: TransformInput): Promise<TransformResult> {
  const animationLimit = input.animation;
  if (animationLimit) {
    // GIF and animated WebP are decoded from the whole file anyway: read it once, before deciding.
    if (!input.bytes) input = { ...input, bytes: await readSourceWhole(input, `the animated ${input.info.format} decoder`) };
    const animation = readAnimationInfo(new Uint8Array(input.bytes!), input.info);
    if (keepsAnimation(animation, input.info, animationLimit.maxPixels)) {
      try {
        return await transformAnimation(input, animation, animationLimit.maxPixels);
      } catch (error) {
        // An animated GIF past its byte cap: the first frame, as for any animation over its limits.
        if (!(error instanceof GifTooLarge)) throw error;
      }
    }
  }
  const state: ImageState = initialState(input);
  // Bytes read from the source here (for a decoder that needs the whole file) belong to this transform alone.
  const ownsBytes = !input.bytes;
  let sessionBytes = 0;
  try {
    for (const [phase, step] of steps) {
      // A transform is seconds of CPU that never awaits I/O: yield between steps so cache hits on this isolate
      // are answered in between instead of queueing behind it.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const started = performance.now();
      await step(state);
      state.timings[phase] = (state.timings[phase] ?? 0) + performance.now() - started;
    }
  } finally {
    // The feed's head and buffers, and the master's bytes if read here, are given back now rather than left to V8.
    state.feed?.dispose();
    if (ownsBytes) releaseBuffer(state.bytes?.buffer);
    state.bytes = undefined;
    sessionBytes = state.session?.memoryBytes ?? 0;
    state.session?.recycle();
    state.session = undefined;
  }
  return { bytes: state.output!, width: state.image!.width, height: state.image!.height, timings: state.timings, sessionBytes };
}
