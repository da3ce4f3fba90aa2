/** The decode step: each master decoded as its decode plan says, in stored orientation; the plan itself untouched. */
import { afterEach, describe, expect, it } from 'vitest';
import { SessionPixels } from '../../../src/pipeline/codec/index.js';
import { decode } from '../../../src/pipeline/steps/decode.js';
import animatedGif from '../../fixtures/animated-8-frames-32x32.gif?bytes';
import animatedWebp from '../../fixtures/animated-3-frames-32x32.webp?bytes';
import orientation6 from '../../fixtures/exif-orientation-6-48x32.jpg?bytes';
import lossyWebp from '../../fixtures/lossy-40x30.webp?bytes';
import bigAlphaAvif from '../../fixtures/avif/alpha-quadrants-2048x1700.avif?bytes';
import avif from '../../fixtures/quadrants-24x16.avif?bytes';
import jpeg from '../../fixtures/quadrants-64x48.jpg?bytes';
import interlacedPng from '../../fixtures/quadrants-interlaced-64x48.png?bytes';
import png from '../../fixtures/quadrants-64x48.png?bytes';
import { meanColour } from '../../helpers/images.js';
import { releaseStates, stateFor } from '../../helpers/pipeline.js';

afterEach(releaseStates);

describe('the decode step', () => {
  it('PNG: only started, streamed in the session; rows are read by the resize step, exact pixels', async () => {
    const state = stateFor(png, 'width=32', 'png');
    await decode(state);
    expect(state.image).toBeUndefined();
    expect(state.rows).toMatchObject({ width: 64, height: 48 });
    await state.rows!.ensure(10);
    expect(Array.from(state.rows!.row(10).subarray(14 * 4, 15 * 4))).toEqual([255, 0, 0, 255]);
    await state.rows!.ensure(34);
    expect(Array.from(state.rows!.row(34).subarray(46 * 4, 47 * 4))).toEqual([255, 255, 255, 255]);
    await state.rows!.finish();
  });

  it('interlaced PNG: decoded whole by jSquash, exact pixels', async () => {
    const state = stateFor(interlacedPng, 'width=32', 'png');
    await decode(state);
    expect(state.image).toMatchObject({ width: 64, height: 48 });
    expect(meanColour(state.image!, 14, 10, 4, 4)).toEqual([255, 0, 0, 255]);
    expect(meanColour(state.image!, 46, 34, 4, 4)).toEqual([255, 255, 255, 255]);
    expect(state.rows).toBeUndefined();
  });

  it('JPEG: only started, at the planned DCT reduction; rows are read by the resize step', async () => {
    const state = stateFor(jpeg, 'width=16', 'webp');
    expect(state.input.decode).toEqual({ kind: 'jpeg', denom: 4, width: 16, height: 12 });
    await decode(state);
    expect(state.image).toBeUndefined();
    expect(state.rows).toMatchObject({ width: 16, height: 12 });
    await state.rows!.ensure(2);
    const row = state.rows!.row(2);
    expect(row.length).toBe(16 * 4);
    expect(Array.from(row.subarray(4, 8))).toEqual([expect.closeTo(254, -1), expect.closeTo(0, -1), expect.closeTo(0, -1), 255]);
    await state.rows!.finish();
  });

  it('JPEG with EXIF orientation: pixels stay stored (the orient step turns them)', async () => {
    const state = stateFor(orientation6, 'fit=scale-down', 'png');
    await decode(state);
    expect(state.rows).toMatchObject({ width: 48, height: 32 });
    await state.rows!.finish();
  });

  it('WebP: decoded straight to the planned size, into the codec session', async () => {
    const state = stateFor(lossyWebp, 'width=20', 'webp');
    expect(state.input.decode).toEqual({ kind: 'webp', width: 20, height: 15 });
    await decode(state);
    expect(state.image).toBeInstanceOf(SessionPixels);
    expect(state.image).toMatchObject({ width: 20, height: 15 });
  });

  it('AVIF: only started, streamed in the session (YUV decoded, rows converted as the resize step reads them)', async () => {
    const avifState = stateFor(avif, 'fit=scale-down', 'png');
    expect(avifState.input.decode).toMatchObject({ kind: 'avif', width: 24, height: 16 });
    await decode(avifState);
    expect(avifState.image).toBeUndefined();
    expect(avifState.rows).toMatchObject({ width: 24, height: 16 });
    for (let y = 0; y < 16; y++) expect(avifState.rows!.row(y)).toHaveLength(24 * 4);
    avifState.rows!.finish();
  });

  it('AVIF with alpha at 3.5 MP: decoded in the session (dav1d keeps ~6 bytes per pixel, not libaom\'s ~19), streamed', async () => {
    const state = stateFor(bigAlphaAvif, 'width=100', 'png');
    expect(state.input.decode).toMatchObject({ kind: 'avif', width: 2048, height: 1700 });
    await decode(state);
    expect(state.image).toBeUndefined();
    expect(state.rows).toMatchObject({ width: 2048, height: 1700 });
    await state.rows!.ensure(1400);
    const row = state.rows!.row(1400);
    const alpha = Array.from({ length: 8 }, (_, i) => row[(1400 + i) * 4 + 3]!).reduce((a, b) => a + b, 0) / 8;
    expect(alpha).toBeGreaterThan(120);
    expect(alpha).toBeLessThan(136);
    await state.rows!.finish();
  });

  it('GIF and animated WebP: decoded whole, first frame', async () => {
    const gif = stateFor(animatedGif, 'fit=scale-down', 'png');
    await decode(gif);
    expect(meanColour(gif.image!, 0, 0, 32, 32)).toEqual([255, 0, 0, 255]);

    const webp = stateFor(animatedWebp, 'fit=scale-down', 'png');
    expect(webp.input.decode.kind).toBe('full');
    await decode(webp);
    expect(meanColour(webp.image!, 0, 0, 32, 32)).toEqual([255, 0, 0, 255]);
  });

  it('leaves the plan as the route made it: the decoded crop is known before decoding', async () => {
    const state = stateFor(jpeg, 'width=16,height=16,fit=cover', 'webp');
    const plan = structuredClone(state.input.plan);
    const decodedCrop = { ...state.decodedCrop };
    await decode(state);
    expect(state.input.plan).toEqual(plan);
    expect(state.decodedCrop).toEqual(decodedCrop);
    await state.rows!.finish();
  });

  it('a master its codec cannot read is a 422', async () => {
    const broken = png.slice(0, 60); // the header is whole, the pixels are not
    const state = stateFor(broken, 'fit=scale-down', 'png');
    await expect(decode(state)).rejects.toMatchObject({ status: 422, code: 'undecodable' });
  });
});
