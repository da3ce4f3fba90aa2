/**
 * The AVIF encoder converts RGBA to YUV 4:2:0 with native/src/avif-yuv.c (WebAssembly SIMD), which must give exactly
 * the planes libavif's own avifImageRGBToYUV gives. At quality 100 the AV1 coding is lossless, so equal files mean
 * equal planes: avif-yuv-exact.json holds the hashes of the files a module with libavif's own conversion and the
 * same libaom makes (scripts/avif-yuv-reference.mjs) for odd sizes that exercise the SIMD body, the scalar right and
 * bottom edges and the corner, opaque and with alpha. (The even-sized photos and texture of aom-simd-exact.test.ts
 * cover the rest.)
 */
import { describe, expect, it } from 'vitest';
import { CodecSession } from '../../../src/pipeline/codec/index.js';
import { AVIF_YUV_ENCODES, AVIF_YUV_SIZES, avifYuvTexture } from '../../helpers/avif-yuv-inputs.js';
import { magicOf } from '../../helpers/images.js';
import { jsquashDecodeAvif } from '../../helpers/jsquash-reference.js';
import table from './avif-yuv-exact.json';

const expected: Record<string, string> = table.outputs;

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, 32);
}

describe("the AVIF encoder's RGBA to YUV gives libavif's planes exactly", () => {
  it('the table covers every input', () => {
    expect(Object.keys(expected)).toHaveLength(AVIF_YUV_SIZES.length * AVIF_YUV_ENCODES.length);
  });

  it.each(AVIF_YUV_SIZES)('%i×%i, opaque and with alpha', async (width, height) => {
    const image = avifYuvTexture(width, height);
    for (const options of AVIF_YUV_ENCODES) {
      const key = `${width}x${height} q${options.quality} s${options.speed}${options.alpha ? ' alpha' : ''}`;
      const session = CodecSession.open();
      const file = session.encodeAvif(session.hold(image), options).slice();
      session.recycle();
      expect(magicOf(file), key).toBe('avif');
      expect(await sha256(file), key).toBe(expected[key]);
      const decoded = await jsquashDecodeAvif(file);
      expect([decoded.width, decoded.height], key).toEqual([width, height]);
    }
  });
});
