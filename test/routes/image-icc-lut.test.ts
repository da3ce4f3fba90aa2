/**
 * Masters with LUT-based (v4 mAB) and grey ICC profiles through the worker's fetch (`/img/…`, masters in Miniflare's
 * R2): the output is in sRGB, within 1 level of what sharp (libvips' lcms2) and Debian's tificc -t0 make of the same
 * swatches (test/fixtures/icc-lcms.json), with no profile left in it. PNG outputs, so the encoder adds no error.
 */
import { describe, expect, it } from 'vitest';
import greyJpeg from '../fixtures/grey18-swatches-64x48.jpg?bytes';
import greyPng from '../fixtures/grey18-swatches-64x48.png?bytes';
import reference from '../fixtures/icc-lcms.json';
import lutJpeg from '../fixtures/lut-p3-swatches-64x48.jpg?bytes';
import lutPng from '../fixtures/lut-p3-swatches-64x48.png?bytes';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

describe('LUT-based and grey ICC profiles through the image route', () => {
  it.each([
    ['lut-p3-swatches-64x48.png', lutPng],
    ['lut-p3-swatches-64x48.jpg', lutJpeg],
    ['grey18-swatches-64x48.png', greyPng],
    ['grey18-swatches-64x48.jpg', greyJpeg],
  ] as const)('%s comes out in sRGB, within 1 level of sharp at every swatch, untagged', async (name, bytes) => {
    await putMaster(`icc-lut/${name}`, bytes);
    const response = await get(`/img/format=png/icc-lut/${name}`);
    const body = await bodyBytes(response);
    expect(response.status, new TextDecoder().decode(body.subarray(0, 300))).toBe(200);
    expect(magicOf(body)).toBe('png');
    expect(String.fromCharCode(...body)).not.toMatch(/iCCP/);
    const image = await decodeAny(body);
    expect([image.width, image.height]).toEqual([64, 48]);
    const { sharp, stored } = reference.fixtures[name];
    for (let i = 0; i < 8; i++) {
      const x = 16 * (i % 4) + 8;
      const y = 24 * Math.floor(i / 4) + 12;
      const got = Array.from(image.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 3));
      got.forEach((v, c) => expect(Math.abs(v - sharp[i]![c]!), `swatch ${i}: ${got} vs sharp ${sharp[i]}`).toBeLessThanOrEqual(1));
    }
    // Unconverted, some swatch would be far off (so this test can fail).
    const far = stored.some((s, i) => s.some((v, c) => Math.abs(v - sharp[i]![c]!) > 15));
    expect(far).toBe(true);
  });

  it('a master whose LUT profile lcms2 refuses (A2B0 outside the profile) is served unconverted: 200, stored colours', async () => {
    // lut-p3-swatches-64x48.png's iCCP holds the profile deflated; the JPEG's APP2 holds it as is: damage it there.
    const master = lutJpeg.slice();
    const icc = master.subarray(4 + 2 + 14); // SOI, APP2 marker and length, 'ICC_PROFILE\0', sequence, count
    const view = new DataView(icc.buffer, icc.byteOffset);
    const size = view.getUint32(0);
    for (let i = 0; i < view.getUint32(128); i++) {
      if (String.fromCharCode(...icc.subarray(132 + 12 * i, 136 + 12 * i)) === 'A2B0') view.setUint32(136 + 12 * i, size + 1000);
    }
    await putMaster('icc-lut/broken.jpg', master);
    const response = await get('/img/format=png/icc-lut/broken.jpg');
    const body = await bodyBytes(response);
    expect(response.status, new TextDecoder().decode(body.subarray(0, 300))).toBe(200);
    const image = await decodeAny(body);
    const { stored } = reference.fixtures['lut-p3-swatches-64x48.jpg'];
    for (let i = 0; i < 8; i++) {
      const x = 16 * (i % 4) + 8;
      const y = 24 * Math.floor(i / 4) + 12;
      const got = Array.from(image.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 3));
      got.forEach((v, c) => expect(Math.abs(v - stored[i]![c]!), `swatch ${i}: ${got} vs stored ${stored[i]}`).toBeLessThanOrEqual(1));
    }
  });
});
