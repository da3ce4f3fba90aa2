/** The transform pipeline: an ordered list of steps over one image state, timed, with a deadline between steps. */
import { ImageError } from '../http/problem.js';
import { canvas } from './canvas.js';
import { color } from './color.js';
import { decode } from './decode.js';
import { effects } from './effects.js';
import { encode } from './encode.js';
import { metadata } from './metadata.js';
import { orient } from './orient.js';
import { prepare } from './prepare.js';
import { resize } from './resize.js';
import type { ImageState, Step, TransformInput } from './state.js';

/** Each step with the Server-Timing phase its time counts towards. */
export const steps: ReadonlyArray<readonly [string, Step]> = [
  ['decode', decode],
  ['resize', resize],
  ['color', color],
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

/** Runs every step; `deadline` (ms since epoch) is checked between steps, since a WASM call cannot be interrupted. */
export async function transform(input: TransformInput, deadline = Infinity): Promise<TransformResult> {
  const state: ImageState = prepare(input);
  let sessionBytes = 0;
  try {
    for (const [phase, step] of steps) {
      // A transform is seconds of CPU that never awaits I/O: yield between steps so cache hits on this isolate
      // are answered in between instead of queueing behind it.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (Date.now() > deadline) throw new ImageError(503, 'deadline', 'the transform ran out of time; try again later');
      const started = performance.now();
      await step(state);
      state.timings[phase] = (state.timings[phase] ?? 0) + performance.now() - started;
    }
  } finally {
    sessionBytes = state.session?.memoryBytes ?? 0;
    state.session?.recycle();
    state.session = undefined;
  }
  return { bytes: state.output!, width: state.image!.width, height: state.image!.height, timings: state.timings, sessionBytes };
}
