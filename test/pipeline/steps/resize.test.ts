/** The resize step: the planned crop cut out of the decoded image (or the JPEG stream) and scaled to the planned size. */
import { afterEach, describe, expect, it } from 'vitest';
import { SessionPixels } from '../../../src/pipeline/codec/index.js';
import { decode } from '../../../src/pipeline/steps/decode.js';
import { resize } from '../../../src/pipeline/steps/resize.js';
import jpeg from '../../fixtures/quadrants-64x48.jpg?bytes';
import interlacedPng from '../../fixtures/quadrants-interlaced-64x48.png?bytes';
import png from '../../fixtures/quadrants-64x48.png?bytes';
import truncated from '../../fixtures/truncated-128x96.jpg?bytes';
import { meanColour } from '../../helpers/images.js';
import { releaseStates, runSteps, stateFor } from '../../helpers/pipeline.js';

afterEach(releaseStates);

const near = (rgba: number[], expected: number[], tolerance = 8) => rgba.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tolerance));

describe('the resize step', () => {
  it('JPEG: reads the stream into the session, to the planned size, and ends the stream', async () => {
    const state = await runSteps(stateFor(jpeg, 'width=24', 'webp'), decode, resize);
    expect(state.image).toBeInstanceOf(SessionPixels);
    expect(state.image).toMatchObject({ width: 24, height: 18 });
    expect(state.rows).toBeUndefined();
    near(meanColour(state.image!, 4, 3, 3, 3), [255, 0, 0, 255]);
    near(meanColour(state.image!, 17, 12, 3, 3), [255, 255, 255, 255]);
  });

  it('interlaced PNG to PNG (decoded whole in JavaScript): resampled in TypeScript, outside the session', async () => {
    const state = await runSteps(stateFor(interlacedPng, 'width=32', 'png'), decode, resize);
    expect(state.image).not.toBeInstanceOf(SessionPixels);
    expect(state.image).toMatchObject({ width: 32, height: 24 });
    expect(meanColour(state.image!, 6, 4, 4, 4)).toEqual([255, 0, 0, 255]);
    expect(meanColour(state.image!, 22, 4, 4, 4)).toEqual([0, 255, 0, 255]);
  });

  it('PNG (streamed) to PNG: resampled in the session from the stream', async () => {
    const state = await runSteps(stateFor(png, 'width=32', 'png'), decode, resize);
    expect(state.image).toMatchObject({ width: 32, height: 24 });
    expect(state.rows).toBeUndefined();
    near(meanColour(state.image!, 6, 4, 4, 4), [255, 0, 0, 255], 1);
    near(meanColour(state.image!, 22, 4, 4, 4), [0, 255, 0, 255], 1);
  });

  it('PNG to WebP: resampled into the session, where the encoder reads it', async () => {
    const state = await runSteps(stateFor(png, 'width=32', 'webp'), decode, resize);
    expect(state.image).toBeInstanceOf(SessionPixels);
  });

  it('nothing to scale: the crop alone (fit=cover at the master height)', async () => {
    const state = await runSteps(stateFor(png, 'width=32,height=48,fit=cover', 'png'), decode, resize);
    expect(state.image).toMatchObject({ width: 32, height: 48 });
    // The centre 32 columns: red then green on top, blue then white below.
    expect(meanColour(state.image!, 0, 0, 16, 24)).toEqual([255, 0, 0, 255]);
    expect(meanColour(state.image!, 16, 0, 16, 24)).toEqual([0, 255, 0, 255]);
    expect(meanColour(state.image!, 0, 24, 16, 24)).toEqual([0, 0, 255, 255]);
  });

  it('a JPEG whose scan is cut short fails here, where its rows are read: 422', async () => {
    const state = await runSteps(stateFor(truncated, 'width=64', 'webp'), decode);
    await expect(Promise.resolve().then(() => resize(state))).rejects.toMatchObject({ status: 422 });
  });
});
