/** The pipeline as a whole: the steps in order, each timed, the plan it was given left as it was, the session given back. */
import { describe, expect, it } from 'vitest';
import { transform, steps } from '../../src/pipeline/run.js';
import { canvas } from '../../src/pipeline/steps/canvas.js';
import { color } from '../../src/pipeline/steps/color.js';
import { decode } from '../../src/pipeline/steps/decode.js';
import { effects } from '../../src/pipeline/steps/effects.js';
import { encode } from '../../src/pipeline/steps/encode.js';
import { metadata } from '../../src/pipeline/steps/metadata.js';
import { orient } from '../../src/pipeline/steps/orient.js';
import { resize } from '../../src/pipeline/steps/resize.js';
import { tone } from '../../src/pipeline/steps/tone.js';
import jpeg from '../fixtures/quadrants-64x48.jpg?bytes';
import png from '../fixtures/quadrants-64x48.png?bytes';
import { decodeAny } from '../helpers/images.js';
import { inputFor } from '../helpers/pipeline.js';

describe('transform', () => {
  it('walks decode → resize → color → tone → orient → effects → canvas → encode → metadata', () => {
    expect(steps.map(([, step]) => step)).toEqual([decode, resize, color, tone, orient, effects, canvas, encode, metadata]);
    expect(steps.map(([phase]) => phase)).toEqual(['decode', 'resize', 'color', 'resize', 'resize', 'resize', 'resize', 'encode', 'encode']);
  });

  it('answers the encoded bytes, their size, the time per phase and the session it used', async () => {
    const result = await transform(inputFor(jpeg, 'width=32', 'webp'));
    expect(result).toMatchObject({ width: 32, height: 24 });
    expect(await decodeAny(new Uint8Array(result.bytes))).toMatchObject({ width: 32, height: 24 });
    expect(Object.keys(result.timings).sort()).toEqual(['color', 'decode', 'encode', 'resize']);
    expect(result.sessionBytes).toBeGreaterThan(0);
  });

  it('plans nothing itself: the plan and decode plan it was given are what it followed, unchanged', async () => {
    const input = inputFor(png, 'width=40,height=40,fit=cover,rotate=90', 'png');
    const before = structuredClone({ plan: input.plan, decode: input.decode });
    const result = await transform(input);
    expect({ plan: input.plan, decode: input.decode }).toEqual(before);
    expect(result).toMatchObject(input.plan.geometry.canvas);
  });

  it('a step that fails ends the transform with its error (and gives the session back)', async () => {
    await expect(transform(inputFor(png.slice(0, 60), 'fit=scale-down', 'webp'))).rejects.toMatchObject({ status: 422 });
    // The isolate's next transform still works.
    expect((await transform(inputFor(jpeg, 'width=16', 'webp'))).width).toBe(16);
  });
});
