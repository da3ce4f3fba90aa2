/** The encode step: the finished pixels in the negotiated format, at the resolved quality. */
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../../src/options/types.js';
import { canvas } from '../../../src/pipeline/steps/canvas.js';
import { decode } from '../../../src/pipeline/steps/decode.js';
import { encode } from '../../../src/pipeline/steps/encode.js';
import { resize } from '../../../src/pipeline/steps/resize.js';
import alphaPng from '../../fixtures/alpha-left-half-32x32.png?bytes';
import jpeg from '../../fixtures/quadrants-64x48.jpg?bytes';
import { decodeAny, magicOf } from '../../helpers/images.js';
import { releaseStates, runSteps, stateFor } from '../../helpers/pipeline.js';

afterEach(releaseStates);

async function encoded(master: Uint8Array, options: string, format: OutputFormat, quality = 80): Promise<Uint8Array> {
  const state = await runSteps(stateFor(master, options, format, quality), decode, resize, canvas, encode);
  return new Uint8Array(state.output!);
}

describe('the encode step', () => {
  it.each([
    ['webp', 'webp'],
    ['avif', 'avif'],
    ['jpeg', 'jpeg'],
    ['baseline-jpeg', 'jpeg'],
    ['png', 'png'],
  ] as const)('%s: %s bytes of the planned size', async (format, magic) => {
    const bytes = await encoded(jpeg, 'width=32', format);
    expect(magicOf(bytes)).toBe(magic);
    expect(await decodeAny(bytes)).toMatchObject({ width: 32, height: 24 });
  });

  it('the quality it is given is the quality it encodes at', async () => {
    const low = await encoded(jpeg, 'width=32', 'jpeg', 10);
    const high = await encoded(jpeg, 'width=32', 'jpeg', 95);
    expect(low.length).toBeLessThan(high.length);
  });

  it('keeps alpha where the format does (WebP) and not where it cannot (JPEG)', async () => {
    const webp = await decodeAny(await encoded(alphaPng, 'fit=scale-down', 'webp'));
    expect(webp.data[3]).toBe(0);
    const flat = await decodeAny(await encoded(alphaPng, 'fit=scale-down', 'jpeg'));
    expect(flat.data[3]).toBe(255);
  });
});
