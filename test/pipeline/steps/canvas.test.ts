/** The canvas step: fit=pad letterboxes onto the background; transparency is flattened where the output cannot keep it. */
import { afterEach, describe, expect, it } from 'vitest';
import { canvas } from '../../../src/pipeline/steps/canvas.js';
import { decode } from '../../../src/pipeline/steps/decode.js';
import { resize } from '../../../src/pipeline/steps/resize.js';
import alphaPng from '../../fixtures/alpha-left-half-32x32.png?bytes';
import png from '../../fixtures/quadrants-64x48.png?bytes';
import { meanColour } from '../../helpers/images.js';
import { releaseStates, runSteps, stateFor } from '../../helpers/pipeline.js';

afterEach(releaseStates);

describe('the canvas step', () => {
  it('fit=pad: the image centred on a canvas of the asked size, filled with the background', async () => {
    const state = await runSteps(stateFor(png, 'width=64,height=64,fit=pad,background=%23ff8000', 'png'), decode, resize, canvas);
    expect(state.image).toMatchObject({ width: 64, height: 64 });
    expect(meanColour(state.image!, 0, 0, 64, 8)).toEqual([255, 128, 0, 255]);
    expect(meanColour(state.image!, 0, 56, 64, 8)).toEqual([255, 128, 0, 255]);
    expect(meanColour(state.image!, 8, 16, 8, 8)).toEqual([255, 0, 0, 255]);
  });

  it('JPEG output of a transparent master: flattened onto white by default', async () => {
    const state = await runSteps(stateFor(alphaPng, 'fit=scale-down', 'jpeg'), decode, resize, canvas);
    expect(meanColour(state.image!, 0, 0, 16, 32)).toEqual([255, 255, 255, 255]);
    expect(meanColour(state.image!, 16, 0, 16, 32)).toEqual([255, 0, 0, 255]);
  });

  it('PNG output keeps the transparency; nothing to pad leaves the pixels in place', async () => {
    const state = await runSteps(stateFor(alphaPng, 'fit=scale-down', 'png'), decode, resize);
    const before = state.image;
    canvas(state);
    expect(state.image).toBe(before);
    expect(meanColour(state.image!, 0, 0, 16, 32)).toEqual([0, 0, 0, 0]);
  });
});
