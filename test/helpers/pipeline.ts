/** Pipeline states for step tests: from a real master, its header and an option string, planned as the route plans. */
import { inputLimits, readConfig } from '../../src/config.js';
import { readImageHeader } from '../../src/formats/header.js';
import { planDecode } from '../../src/options/decode-plan.js';
import { parseOptions } from '../../src/options/parse.js';
import { planTransform } from '../../src/options/plan.js';
import type { OutputFormat } from '../../src/options/types.js';
import { type ImageState, initialState, type TransformInput } from '../../src/pipeline/state.js';

/** The default [vars], as a worker without any would read them. */
export const defaults = readConfig({});

/** The input `produce()` in src/routes/image.ts would build for this master, options string and format. */
export function inputFor(master: Uint8Array, options: string, format: OutputFormat, quality = 80): TransformInput {
  const info = readImageHeader(master);
  const parsed = parseOptions(options, defaults);
  const plan = planTransform(info, parsed, defaults);
  return {
    bytes: master.slice().buffer,
    info,
    options: parsed,
    plan,
    decode: planDecode(info, plan.storedCrop, plan.storedResize, inputLimits(defaults)),
    format,
    quality,
    avifSpeed: defaults.avifSpeed,
  };
}

const made = new Set<ImageState>();

/** The state a step receives first, for `inputFor(…)`; its codec session is given back by `releaseStates`. */
export function stateFor(master: Uint8Array, options: string, format: OutputFormat, quality?: number): ImageState {
  const state = initialState(inputFor(master, options, format, quality));
  made.add(state);
  return state;
}

/**
 * A state with only what one step reads, for steps tested on hand-made pixels or bytes (the rest is left out, and
 * a step that reads it fails loudly).
 */
export function partialState(input: Record<string, unknown>, fields: Partial<ImageState> = {}): ImageState {
  return { input, timings: {}, ...fields } as unknown as ImageState;
}

/** Runs `steps` on `state` in order, as run.ts does (without its timing), and gives the state back. */
export async function runSteps(state: ImageState, ...steps: Array<(state: ImageState) => void | Promise<void>>): Promise<ImageState> {
  for (const step of steps) await step(state);
  return state;
}

/** Gives back the codec sessions of every state `stateFor` made, as run.ts does when a transform ends: `afterEach(releaseStates)`. */
export function releaseStates(): void {
  for (const state of made) {
    state.session?.recycle();
    state.session = undefined;
  }
  made.clear();
}
