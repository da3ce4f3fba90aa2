/** The tone step: the options reach adjustTone (pixels/tone.ts has the numbers), and nothing happens without them. */
import { describe, expect, it } from 'vitest';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import { steps } from '../../../src/pipeline/run.js';
import { tone } from '../../../src/pipeline/steps/tone.js';
import { partialState } from '../../helpers/pipeline.js';

function orange(): Pixels {
  const data = new Uint8ClampedArray(4 * 4);
  for (let i = 0; i < 4; i++) data.set([200, 100, 50, 255], i * 4);
  return { data, width: 4, height: 1 };
}

describe('the tone step', () => {
  it('leaves the image (the same object, the same bytes) without tone options, or with factors of 1 and 0', () => {
    for (const options of [{}, { brightness: 1, contrast: 1, gamma: 1, saturation: 1 }]) {
      const image = orange();
      const state = partialState({ options }, { image });
      tone(state);
      expect(state.image).toBe(image);
      expect(Array.from(image.data.subarray(0, 4))).toEqual([200, 100, 50, 255]);
    }
  });

  it('saturation=0 makes the pixels grey', () => {
    const state = partialState({ options: { saturation: 0 } }, { image: orange() });
    tone(state);
    const [r, g, b] = state.image!.data;
    expect(r).toBe(g);
    expect(g).toBe(b);
  });

  it('runs after the colour step and before effects, orientation and the canvas', () => {
    const names = steps.map(([, step]) => step.name);
    expect(names.indexOf('tone')).toBe(names.indexOf('color') + 1);
    expect(names.indexOf('tone')).toBeLessThan(names.indexOf('effects'));
    expect(names.indexOf('tone')).toBeLessThan(names.indexOf('canvas'));
  });
});
