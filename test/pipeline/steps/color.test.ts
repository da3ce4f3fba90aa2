/** The colour step: the master's embedded profile found, parsed and applied to the resized pixels, and said so. */
import { describe, expect, it } from 'vitest';
import { parseIccProfile, srgbTransform } from '../../../src/pipeline/pixels/colour.js';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import { color } from '../../../src/pipeline/steps/color.js';
import p3Png from '../../fixtures/p3-quadrants-64x48.png?bytes';
import plainPng from '../../fixtures/quadrants-64x48.png?bytes';
import { profileOf } from '../../helpers/colour.js';
import { corpusAvailable, corpusFile } from '../../helpers/corpus.js';
import { partialState } from '../../helpers/pipeline.js';

describe('the colour step', () => {
  const stateFor = (bytes: Uint8Array, format: 'jpeg' | 'png', image: Pixels) => partialState({ bytes: bytes.slice().buffer, info: { format } }, { image });

  it('says what it did', async () => {
    const tiny = (): Pixels => ({ data: new Uint8ClampedArray([200, 80, 60, 255]), width: 1, height: 1 });
    const p3 = stateFor(p3Png, 'png', tiny());
    await color(p3);
    expect(p3.colour).toMatchObject({ converted: true, profile: 'sP3C' });
    expect(Array.from(p3.image!.data)).toEqual([216, 69, 51, 255]);
    const plain = stateFor(plainPng, 'png', tiny());
    await color(plain);
    expect(plain.colour).toMatchObject({ converted: false, detail: expect.stringMatching(/no embedded profile/) });
    expect(Array.from(plain.image!.data)).toEqual([200, 80, 60, 255]);
  });

  it.skipIf(!corpusAvailable)('leaves the corpus sRGB-tagged photos alone (v2 curv table, v4 para): identity, no work', async () => {
    for (const [path, format] of [['edge/icc-profile.jpg', 'jpeg'], ['edge/icc-profile.png', 'png'], ['photos/colorfulcups-icc-progressive.jpg', 'jpeg'], ['alpha/flyingkonqui-2560x1600-alpha.png', 'png']] as const) {
      const reading = parseIccProfile(await profileOf(await corpusFile(path), format));
      expect(reading.ok && srgbTransform(reading.profile).identity, path).toBe(true);
    }
  });

  it('costs a few milliseconds per megapixel (measured, printed; bounded loosely)', async () => {
    const width = 1000;
    const height = 1000;
    const data = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const state = stateFor(p3Png, 'png', { data, width, height });
    await color(state); // warm-up: JIT, tables
    const states = Array.from({ length: 5 }, () => stateFor(p3Png, 'png', { data: data.slice(), width, height }));
    const started = performance.now();
    for (const each of states) await color(each);
    const perMegapixel = (performance.now() - started) / states.length;
    console.log(`colour step (Display P3 → sRGB, profile found and parsed each time): ${perMegapixel.toFixed(1)} ms per megapixel`);
    expect(perMegapixel).toBeLessThan(500);
  });
});
