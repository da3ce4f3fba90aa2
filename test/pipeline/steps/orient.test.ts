/** The orient step: EXIF orientation, flip and rotate applied once, on the resized pixels. */
import { afterEach, describe, expect, it } from 'vitest';
import { decode } from '../../../src/pipeline/steps/decode.js';
import { orient } from '../../../src/pipeline/steps/orient.js';
import { resize } from '../../../src/pipeline/steps/resize.js';
import orientation6 from '../../fixtures/exif-orientation-6-48x32.jpg?bytes';
import png from '../../fixtures/quadrants-64x48.png?bytes';
import { meanColour } from '../../helpers/images.js';
import { releaseStates, runSteps, stateFor } from '../../helpers/pipeline.js';

afterEach(releaseStates);

/** The colour names of the four quadrant centres (TL, TR, BL, BR), by nearest primary. */
function quadrants(image: { width: number; height: number; data: Uint8ClampedArray }): string[] {
  const { width: w, height: h } = image;
  const name = ([r, g, b]: number[]) => (r! > 200 && g! > 200 && b! > 200 ? 'white' : r! > 200 ? 'red' : g! > 200 ? 'green' : b! > 200 ? 'blue' : '?');
  return [
    name(meanColour(image, w / 4 - 1, h / 4 - 1, 2, 2)),
    name(meanColour(image, (3 * w) / 4 - 1, h / 4 - 1, 2, 2)),
    name(meanColour(image, w / 4 - 1, (3 * h) / 4 - 1, 2, 2)),
    name(meanColour(image, (3 * w) / 4 - 1, (3 * h) / 4 - 1, 2, 2)),
  ];
}

describe('the orient step', () => {
  it('EXIF orientation 6: the stored 48×32 is shown 32×48, turned clockwise', async () => {
    const state = await runSteps(stateFor(orientation6, 'fit=scale-down', 'png'), decode, resize);
    expect(state.image).toMatchObject({ width: 48, height: 32 });
    await orient(state);
    expect(state.image).toMatchObject({ width: 32, height: 48 });
    expect(quadrants(state.image!)).toEqual(['blue', 'red', 'white', 'green']);
  });

  it('rotate=90 and flip=h compose with nothing else into one move', async () => {
    const rotated = await runSteps(stateFor(png, 'rotate=90', 'png'), decode, resize, orient);
    expect(rotated.image).toMatchObject({ width: 48, height: 64 });
    expect(quadrants(rotated.image!)).toEqual(['blue', 'red', 'white', 'green']);
    const flipped = await runSteps(stateFor(png, 'flip=h', 'png'), decode, resize, orient);
    expect(quadrants(flipped.image!)).toEqual(['green', 'red', 'white', 'blue']);
  });

  it('leaves unrotated pixels as they are (the same object)', async () => {
    const state = await runSteps(stateFor(png, 'width=32', 'png'), decode, resize);
    const before = state.image;
    await orient(state);
    expect(state.image).toBe(before);
  });
});
