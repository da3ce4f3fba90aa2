/** The effects step: `blur` and `sharpen` on the resized pixels, and nothing when neither is asked for. */
import { describe, expect, it } from 'vitest';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import { effects } from '../../../src/pipeline/steps/effects.js';
import { partialState } from '../../helpers/pipeline.js';

/** 16×1: eight black pixels, then eight white. */
function edge(): Pixels {
  const data = new Uint8ClampedArray(16 * 4);
  for (let x = 0; x < 16; x++) data.set(x < 8 ? [0, 0, 0, 255] : [255, 255, 255, 255], x * 4);
  return { data, width: 16, height: 1 };
}

const red = (image: Pixels, x: number) => image.data[x * 4]!;

describe('the effects step', () => {
  it('does nothing without blur or sharpen', () => {
    const image = edge();
    const state = partialState({ options: {} }, { image });
    effects(state);
    expect(state.image).toBe(image);
  });

  it('blur softens the edge and keeps the ends and alpha', () => {
    const state = partialState({ options: { blur: 4 } }, { image: edge() });
    effects(state);
    expect(red(state.image!, 7)).toBeGreaterThan(0);
    expect(red(state.image!, 8)).toBeLessThan(255);
    expect(red(state.image!, 0)).toBeLessThan(red(state.image!, 15));
    expect(state.image!.data[7 * 4 + 3]).toBe(255);
  });

  it('sharpen steepens the edge (overshoot clips at 0 and 255)', () => {
    const soft = edge();
    soft.data.set([64, 64, 64, 255], 7 * 4);
    soft.data.set([192, 192, 192, 255], 8 * 4);
    const state = partialState({ options: { sharpen: 10 } }, { image: soft });
    effects(state);
    expect(red(state.image!, 7)).toBeLessThan(64);
    expect(red(state.image!, 8)).toBeGreaterThan(192);
  });
});
