/**
 * AVIF masters through the worker: uploads of every bit depth and layout the codec session decodes are accepted
 * (decoded end to end first), truncated ones are a 422, and transforms serve them in the orientation `irot`/`imir`
 * declare, with the colours an independent decoder (sharp) shows.
 */
import { describe, expect, it } from 'vitest';
import d10Alpha from '../fixtures/avif/d10-420-alpha.avif?bytes';
import d10AlphaLarge from '../fixtures/avif/alpha-ramp-d10-3264x2448.avif?bytes';
import d12AlphaTooBig from '../fixtures/avif/alpha-ramp-d12-444-4000x3000.avif?bytes';
import d12Premultiplied from '../fixtures/avif/d12-420-alpha-premultiplied.avif?bytes';
import grid from '../fixtures/avif/d8-420-grid-128x128.avif?bytes';
import irot1 from '../fixtures/avif/d8-420-irot1.avif?bytes';
import irot1Expected from '../fixtures/avif/d8-420-irot1.sharp.png?bytes';
import d8Mono from '../fixtures/avif/d8-400.avif?bytes';
import { decodePng } from '../../src/pipeline/codec/png.js';
import { decodeAny, magicOf, meanColour } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';
import { withIspe } from '../helpers/avif-writer.js';
import { expectProblem, r2Keys, upload } from './masters-client.js';

describe('AVIF uploads', () => {
  it.each([
    ['10-bit 4:2:0 with alpha', d10Alpha],
    ['12-bit 4:2:0 with premultiplied alpha', d12Premultiplied],
    ['8-bit grid of 2×2 tiles', grid],
    ['8-bit monochrome', d8Mono],
    ['8-bit with irot', irot1],
  ])('%s is decoded and stored', async (name, bytes) => {
    const response = await upload(`avif-masters/${name.replace(/\W+/g, '-')}.avif`, bytes);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ format: 'avif' });
  });

  it.each([0.8, 0.95])('a 10-bit AVIF with alpha cut to %s of its bytes (header whole, AV1 data not) is a 422 from the decoder', async (fraction) => {
    const bytes = d10Alpha.slice(0, Math.floor(d10Alpha.length * fraction));
    await expectProblem(await upload(`avif-masters/cut-${fraction}.avif`, bytes), 422, 'undecodable');
    expect((await r2Keys()).filter((key) => key.includes(`avif-masters/cut-${fraction}`))).toEqual([]);
  });

  it('one declaring more pixels than MAX_AVIF_INPUT_PIXELS is a 413, and nothing is stored', async () => {
    const huge = withIspe(d10AlphaLarge, 7000, 5000);
    await expectProblem(await upload('avif-masters/huge.avif', huge), 413, 'input-too-large', /7000×5000 \(35\.0 MP\), over the [\d.]+ MP limit for avif/);
    expect((await r2Keys()).filter((key) => key.includes('avif-masters/huge'))).toEqual([]);
  });

  it('one within the limit whose pictures do not fit the codec module (12 MP, 12-bit 4:4:4 with alpha) is a 413, not a 422', async () => {
    // dav1d's colour and alpha pictures alone would be 96 MB: its allocation fails as out of memory (dav1d-alloc.c),
    // which libavif would otherwise report as a failed (corrupt) decode.
    await expectProblem(await upload('avif-masters/d12-444-12mp.avif', d12AlphaTooBig), 413, 'input-too-large', /more memory to decode.*out of memory in the AV1 decoder/);
    expect((await r2Keys()).filter((key) => key.includes('avif-masters/d12-444-12mp'))).toEqual([]);
  });

  it('one cut to half its bytes (inside its boxes) is a 422 from the header reader', async () => {
    await expectProblem(await upload('avif-masters/cut-half.avif', d10Alpha.slice(0, d10Alpha.length >> 1)), 422, 'unreadable-header');
  });
});

describe('AVIF transforms', () => {
  it('serves an irot AVIF turned as declared (64×48 stored, 48×64 shown), with sharp\'s colours', async () => {
    await putMaster('avif-masters/irot1.avif', irot1);
    const response = await get('/cdn-cgi/image/width=48,format=png/avif-masters/irot1.avif');
    expect(response.status).toBe(200);
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe('png');
    const image = await decodeAny(bytes);
    expect([image.width, image.height]).toEqual([48, 64]);
    const expected = await decodePng(irot1Expected.slice().buffer);
    for (const [x, y] of [[12, 16], [36, 16], [12, 48], [36, 48]] as const) {
      const got = meanColour(image, x - 2, y - 2, 4, 4);
      const want = meanColour(expected, x - 2, y - 2, 4, 4);
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!)).toBeLessThanOrEqual(6);
    }
  });

  it('serves a 10-bit AVIF with alpha as a WebP that keeps its alpha ramp', async () => {
    await putMaster('avif-masters/d10-alpha.avif', d10Alpha);
    const response = await get('/cdn-cgi/image/width=32,format=png/avif-masters/d10-alpha.avif');
    expect(response.status).toBe(200);
    const image = await decodeAny(await bodyBytes(response));
    expect([image.width, image.height]).toEqual([32, 24]);
    const left = meanColour(image, 0, 8, 2, 8)[3];
    const right = meanColour(image, 30, 8, 2, 8)[3];
    expect(left).toBeLessThan(70);
    expect(right).toBeGreaterThan(230);
  });

  it('a stored one declaring more pixels than MAX_AVIF_INPUT_PIXELS is a 413 at transform time', async () => {
    await putMaster('avif-masters/huge.avif', withIspe(d10AlphaLarge, 7000, 5000));
    await expectProblem(await get('/cdn-cgi/image/width=1600,format=webp/avif-masters/huge.avif'), 413, 'input-too-large', /over the [\d.]+ MP limit for avif/);
  });

  // 3264×2448 (8.0 MP): over the 6 MP that fitted while libaom decoded; dav1d keeps ~5–6 bytes per pixel here.
  // Expected pixels: Debian's avifdec (dav1d) shows the quadrants as (219,40,29) (30,181,58) (42,62,213)
  // (234,225,123) and alpha 47 at x = 100, 244 at x = 3100 (scripts/make-large-avif-fixture.mjs makes the file).
  it('uploads and serves an 8 MP 10-bit AVIF with alpha as a 1600 px WebP with its colours and alpha ramp', async () => {
    const uploaded = await upload('avif-masters/large-d10-alpha.avif', d10AlphaLarge);
    expect(uploaded.status).toBe(201);
    expect(await uploaded.json()).toMatchObject({ format: 'avif', width: 3264, height: 2448 });
    const response = await get('/cdn-cgi/image/width=1600,format=webp/avif-masters/large-d10-alpha.avif');
    expect(response.status).toBe(200);
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe('webp');
    const image = await decodeAny(bytes);
    expect([image.width, image.height]).toEqual([1600, 1200]);
    const expected = [[219, 40, 29], [30, 181, 58], [42, 62, 213], [234, 225, 123]];
    for (const [i, [x, y]] of ([[400, 300], [1200, 300], [400, 900], [1200, 900]] as const).entries()) {
      const got = meanColour(image, x - 4, y - 4, 8, 8);
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - expected[i]![c]!)).toBeLessThanOrEqual(8);
    }
    // The ramp: 40 + 215·x/3263 at the master's x = 2.04·ours.
    for (const x of [50, 800, 1550]) {
      const alpha = meanColour(image, x - 4, 596, 8, 8)[3]!;
      expect(Math.abs(alpha - (40 + (215 * x * 2.04) / 3263))).toBeLessThanOrEqual(4);
    }
  });
});
