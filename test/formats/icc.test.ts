/** Finding the ICC profile in each container: JPEG APP2 chunks, PNG iCCP, WebP ICCP, AVIF colr; bounded, never throwing. */
import { describe, expect, it } from 'vitest';
import { MAX_ICC_BYTES, extractIccProfile } from '../../src/formats/icc.js';
import { parseIccProfile } from '../../src/pipeline/pixels/colour.js';
import cmyk from '../fixtures/cmyk-64x48.jpg?bytes';
import p3Avif from '../fixtures/p3-srgb-quadrants-24x16.avif?bytes';
import p3Webp from '../fixtures/p3-srgb-quadrants-40x30.webp?bytes';
import p3Jpeg from '../fixtures/p3-quadrants-64x48.jpg?bytes';
import p3Png from '../fixtures/p3-quadrants-64x48.png?bytes';
import plainJpeg from '../fixtures/quadrants-64x48.jpg?bytes';
import plainPng from '../fixtures/quadrants-64x48.png?bytes';
import { profileOf } from '../helpers/colour.js';

describe('extractIccProfile', () => {
  it('finds the same Display P3 profile in a PNG iCCP and a JPEG APP2; WebP ICCP and AVIF colr carry one too', async () => {
    const fromPng = await profileOf(p3Png, 'png');
    expect(fromPng.length).toBe(480);
    expect(await profileOf(p3Jpeg, 'jpeg')).toEqual(fromPng);
    expect(await profileOf(p3Webp, 'webp')).toEqual(fromPng);
    expect(parseIccProfile(await profileOf(p3Avif, 'avif')).ok).toBe(true);
  });

  it('gives nothing for untagged files, GIF, and a CMYK JPEG without a profile', async () => {
    expect(await extractIccProfile(plainJpeg, 'jpeg')).toBeUndefined();
    expect(await extractIccProfile(plainPng, 'png')).toBeUndefined();
    expect(await extractIccProfile(cmyk, 'jpeg')).toBeUndefined();
    expect(await extractIccProfile(new Uint8Array([0x47, 0x49, 0x46]), 'gif')).toBeUndefined();
  });

  /** A JPEG whose APP2 chunks carry `icc` split into `pieces`, in the order given by `order` (1-based). */
  function jpegWithChunks(icc: Uint8Array, pieces: number, order: number[]): Uint8Array {
    const size = Math.ceil(icc.length / pieces);
    const segments = order.map((sequence) => {
      const body = icc.subarray((sequence - 1) * size, sequence * size);
      const length = 2 + 14 + body.length;
      return [0xff, 0xe2, length >> 8, length & 255, ...Array.from('ICC_PROFILE\0', (c) => c.charCodeAt(0)), sequence, pieces, ...body];
    });
    return Uint8Array.from([0xff, 0xd8, ...segments.flat(), ...plainJpeg.subarray(2)]);
  }

  it('reassembles JPEG chunks by sequence number, and refuses a set with a chunk missing or repeated', async () => {
    const icc = await profileOf(p3Png, 'png');
    expect(await extractIccProfile(jpegWithChunks(icc, 3, [2, 3, 1]), 'jpeg')).toEqual(icc);
    expect(await extractIccProfile(jpegWithChunks(icc, 3, [1, 3]), 'jpeg')).toBeUndefined();
    expect(await extractIccProfile(jpegWithChunks(icc, 3, [1, 2, 2, 3]), 'jpeg')).toBeUndefined();
  });

  it(`ignores a profile over ${MAX_ICC_BYTES} bytes, and a PNG iCCP that inflates past it (a zlib bomb)`, async () => {
    const big = new Uint8Array(MAX_ICC_BYTES + 1);
    expect(await extractIccProfile(jpegWithChunks(big, 17, Array.from({ length: 17 }, (_, i) => i + 1)), 'jpeg')).toBeUndefined();

    const zeros = new Uint8Array(8 * MAX_ICC_BYTES);
    const bomb = new Uint8Array(await new Response(new Blob([zeros]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
    expect(bomb.length).toBeLessThan(20_000);
    const body = [...Array.from('x\0\0', (c) => c.charCodeAt(0)), ...bomb];
    const chunk = [body.length >>> 24, (body.length >>> 16) & 255, (body.length >>> 8) & 255, body.length & 255, ...Array.from('iCCP', (c) => c.charCodeAt(0)), ...body, 0, 0, 0, 0];
    const png = Uint8Array.from([...plainPng.subarray(0, 33), ...chunk, ...plainPng.subarray(33)]);
    expect(await extractIccProfile(png, 'png')).toBeUndefined();
    // And a corrupt stream is no profile, not an exception.
    const corrupt = png.slice();
    corrupt.fill(0x55, 33 + 8 + 3, 33 + 8 + 40);
    expect(await extractIccProfile(corrupt, 'png')).toBeUndefined();
  });
});
