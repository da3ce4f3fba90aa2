/**
 * The colour step's lcms2 path (native/src/icc.c through src/pipeline/codec/icc.ts): LUT-based RGB profiles (v4 mAB)
 * and grey profiles converted to sRGB as sharp/libvips and Debian's tificc convert them (test/fixtures/icc-lcms.json,
 * scripts/icc-lcms-reference.mjs); profiles lcms2 refuses leave the pixels alone with the reason, never an error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CodecSession } from '../../../src/pipeline/codec/index.js';
import { iccBytesInUse, iccForget, iccToSrgb } from '../../../src/pipeline/codec/icc.js';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import { color } from '../../../src/pipeline/steps/color.js';
import { decode } from '../../../src/pipeline/steps/decode.js';
import { resize } from '../../../src/pipeline/steps/resize.js';
import greyIcc from '../../fixtures/grey-gamma18.icc?bytes';
import greyJpeg from '../../fixtures/grey18-swatches-64x48.jpg?bytes';
import greyPng from '../../fixtures/grey18-swatches-64x48.png?bytes';
import reference from '../../fixtures/icc-lcms.json';
import bothIcc from '../../fixtures/lut-and-matrix-p3-v4.icc?bytes';
import lutIcc from '../../fixtures/lut-p3-v4.icc?bytes';
import lutJpeg from '../../fixtures/lut-p3-swatches-64x48.jpg?bytes';
import lutPng from '../../fixtures/lut-p3-swatches-64x48.png?bytes';
import p3Jpeg from '../../fixtures/p3-quadrants-64x48.jpg?bytes';
import plainJpeg from '../../fixtures/quadrants-64x48.jpg?bytes';
import { partialState, releaseStates, runSteps, stateFor } from '../../helpers/pipeline.js';

afterEach(releaseStates);

type Fixture = Exclude<keyof typeof reference.fixtures, 'lut-and-matrix-swatches-64x48.jpg'>;
const files: Record<Fixture, Uint8Array> = {
  'lut-p3-swatches-64x48.png': lutPng,
  'lut-p3-swatches-64x48.jpg': lutJpeg,
  'grey18-swatches-64x48.png': greyPng,
  'grey18-swatches-64x48.jpg': greyJpeg,
};
/** Swatch i's centre (scripts/icc-lcms-reference.mjs). */
const centre = (i: number) => [16 * (i % 4) + 8, 24 * Math.floor(i / 4) + 12] as const;
const swatches = (image: Pixels) =>
  Array.from({ length: 8 }, (_, i) => {
    const [x, y] = centre(i);
    return Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
  });
const maxDifference = (a: number[][], b: number[][]) => Math.max(...a.flatMap((p, i) => p.slice(0, 3).map((v, c) => Math.abs(v - b[i]![c]!))));

describe('the colour step with lcms2', () => {
  it.each(Object.keys(files) as Fixture[])('%s: within 1 level of sharp and of tificc (perceptual) at every swatch', async (name) => {
    const state = await runSteps(stateFor(files[name], 'format=png', 'png'), decode, resize);
    const before = swatches(state.image!);
    await color(state);
    const after = swatches(state.image!);
    const want = reference.fixtures[name];
    expect(state.colour).toMatchObject({ converted: true, detail: expect.stringMatching(/lcms2, perceptual/) });
    expect(state.colour!.profile).toBe(name.startsWith('lut') ? 'LUT Display P3 (A2B0 muted, A2B1 exact)' : 'Grey gamma 1.8');
    // The decoded pixels are the stored ones (JPEG: within a level of sharp's libjpeg-turbo), and they did change.
    expect(maxDifference(before, want.stored)).toBeLessThanOrEqual(1);
    expect(maxDifference(before, want.sharp)).toBeGreaterThanOrEqual(name.startsWith('lut') ? 40 : 18);
    expect(maxDifference(after, want.sharp), `${JSON.stringify(after)}`).toBeLessThanOrEqual(1);
    expect(maxDifference(after, want.tificcPerceptual)).toBeLessThanOrEqual(1);
    for (const pixel of after) expect(pixel[3]).toBe(255);
    if (name.startsWith('grey')) for (const [r, g, b] of after) expect([g, b]).toEqual([r, r]);
  });

  it("uses the profile's A2B0 (perceptual) table, not A2B1 (colorimetric), as browsers do", async () => {
    const state = await runSteps(stateFor(lutPng, 'format=png', 'png'), decode, resize);
    await color(state);
    const after = swatches(state.image!);
    const { sharp, tificcColorimetric } = reference.fixtures['lut-p3-swatches-64x48.png'];
    // The stored red: A2B0 gives (255, 44, 0), A2B1 (255, 0, 0).
    expect(maxDifference(after, tificcColorimetric)).toBeGreaterThan(30);
    expect(maxDifference(after, sharp)).toBeLessThanOrEqual(1);
  });

  it('a profile with both LUT and matrix/TRC tags is converted through its A2B0, as skcms does, not its matrix', async () => {
    // lut-p3-swatches-64x48.jpg with its APP2 (right after SOI) swapped for the LUT-and-matrix profile.
    const app2End = 4 + ((lutJpeg[4]! << 8) | lutJpeg[5]!);
    const master = withJpegIcc(new Uint8Array([0xff, 0xd8, ...lutJpeg.subarray(app2End)]), bothIcc);
    const state = await runSteps(stateFor(master, 'format=png', 'png'), decode, resize);
    await color(state);
    expect(state.colour).toMatchObject({ converted: true, profile: 'LUT and matrix Display P3 (A2B0 muted)', detail: expect.stringMatching(/lcms2/) });
    const after = swatches(state.image!);
    const { sharp, tificcColorimetric } = reference.fixtures['lut-and-matrix-swatches-64x48.jpg'];
    expect(maxDifference(after, sharp)).toBeLessThanOrEqual(1);
    // Its matrix (exact Display P3) would give the colorimetric answer: the red swatch 47 levels of green away.
    expect(maxDifference(after, tificcColorimetric)).toBeGreaterThan(30);
  });

  it('a matrix/TRC profile without LUT tags stays on the TypeScript path', async () => {
    const state = await runSteps(stateFor(p3Jpeg, 'format=png', 'png'), decode, resize);
    await color(state);
    expect(state.colour).toMatchObject({ converted: true, profile: 'sP3C' });
    expect(state.colour!.detail).not.toMatch(/lcms2/);
  });

  it('keeps alpha as it is and frees what lcms2 allocated', () => {
    const session = CodecSession.open();
    const image = session.allocate(3, 1);
    image.data.set([200, 80, 60, 0, 30, 30, 30, 17, 255, 0, 0, 128]);
    const grown = session.memoryBytes;
    expect(iccToSrgb(session, lutIcc, image).refused).toBeUndefined();
    expect(Array.from(image.data).filter((_, i) => i % 4 === 3)).toEqual([0, 17, 128]);
    expect(Array.from(image.data.subarray(0, 3))).toEqual(reference.fixtures['lut-p3-swatches-64x48.png'].sharp[3]);
    // The LUT transform (profile read, pipeline optimised into a CLUT) fits in what the instance had, or little more;
    // the kept transform holds under 1 MiB, and nothing once forgotten.
    expect(session.memoryBytes - grown).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(iccBytesInUse(session)).toBeGreaterThan(0);
    expect(iccBytesInUse(session)).toBeLessThan(1024 * 1024);
    iccForget(session);
    expect(iccBytesInUse(session)).toBe(0);
    session.recycle();
  });

  it('the kept transform serves only the same profile: LUT, grey, LUT, a refused one, LUT again all come out right', () => {
    const session = CodecSession.open();
    const rgbWant = reference.fixtures['lut-p3-swatches-64x48.png'].sharp[3]!;
    for (const [icc, input, want] of [
      [lutIcc, [200, 80, 60], rgbWant],
      [lutIcc, [200, 80, 60], rgbWant],
      [greyIcc, [128, 128, 128], [146, 146, 146]],
      [lutIcc, [200, 80, 60], rgbWant],
      [withHeader(lutIcc, 16, 'CMYK'), [200, 80, 60], [200, 80, 60]],
      [lutIcc, [200, 80, 60], rgbWant],
      [greyIcc, [200, 80, 60], [200, 80, 60]],
    ] as ReadonlyArray<readonly [Uint8Array, readonly number[], readonly number[]]>) {
      const image = session.allocate(1, 1);
      image.data.set([...input, 255]);
      iccToSrgb(session, icc, image);
      expect(Array.from(image.data)).toEqual([...want, 255]);
      session.release(image);
    }
    iccForget(session);
    expect(iccBytesInUse(session)).toBe(0);
    session.recycle();
  });

  it.each([
    ['a CMYK profile (on pixels a CMYK JPEG decoded naively)', () => withHeader(lutIcc, 16, 'CMYK'), /not an RGB or grey profile/],
    ['a LUT profile whose A2B0 tag points outside it', () => brokenLut(), /lcms2/],
    ['bytes that are no profile', () => new Uint8Array(400).fill(7), /lcms2|unreadable/],
    ['a device link', () => withHeader(lutIcc, 12, 'link'), /device-link/],
  ])('%s: the pixels are left alone, the reason said, the session still works', async (_, make, reason) => {
    const bytes = make();
    const session = CodecSession.open();
    const image = session.allocate(2, 1);
    image.data.set([200, 80, 60, 255, 10, 20, 30, 255]);
    const { pixels, refused } = iccToSrgb(session, bytes, image);
    expect(refused).toMatch(reason);
    expect(Array.from(pixels.data)).toEqual([200, 80, 60, 255, 10, 20, 30, 255]);
    expect(iccBytesInUse(session)).toBe(0);
    expect(iccToSrgb(session, lutIcc, image).refused).toBeUndefined();
    expect(Array.from(image.data.subarray(0, 3))).toEqual(reference.fixtures['lut-p3-swatches-64x48.png'].sharp[3]);
    session.recycle();
  });

  it('40 damaged copies of the LUT profile (bytes changed, tags moved, cut short): each converts or is refused, none throws or leaks', () => {
    const session = CodecSession.open();
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const outcomes = { converted: 0, refused: 0 };
    for (let k = 0; k < 40; k++) {
      let icc = lutIcc.slice();
      const kind = k % 4;
      if (kind === 0) for (let i = 0; i < 20; i++) icc[128 + random(icc.length - 128)] = random(256);
      if (kind === 1) for (let i = 0; i < 4; i++) icc[132 + random(12 * 5)] = random(256); // the tag table
      if (kind === 2) icc = icc.subarray(0, 132 + random(icc.length - 132));
      if (kind === 3) for (let i = 0; i < 8; i++) icc[random(128)] = random(256); // the header
      const image = session.allocate(4, 1);
      image.data.set([200, 80, 60, 255, 0, 0, 0, 9, 255, 255, 255, 255, 30, 30, 30, 128]);
      const { refused } = iccToSrgb(session, icc, image);
      outcomes[refused === undefined ? 'converted' : 'refused']++;
      if (refused !== undefined) expect(Array.from(image.data)).toEqual([200, 80, 60, 255, 0, 0, 0, 9, 255, 255, 255, 255, 30, 30, 30, 128]);
      expect(Array.from(image.data).filter((_, i) => i % 4 === 3)).toEqual([255, 9, 255, 128]);
      session.release(image);
      iccForget(session);
      expect(iccBytesInUse(session)).toBe(0);
    }
    console.log(`damaged LUT profiles: ${outcomes.converted} converted, ${outcomes.refused} refused`);
    expect(outcomes.refused).toBeGreaterThan(0);
    session.recycle();
  });

  it('a grey profile on colour pixels is refused (reading red alone would grey the image)', () => {
    const session = CodecSession.open();
    const image = session.allocate(2, 1);
    image.data.set([128, 128, 128, 255, 200, 80, 60, 255]);
    expect(iccToSrgb(session, greyIcc, image).refused).toMatch(/grey profile on colour pixels/);
    expect(Array.from(image.data)).toEqual([128, 128, 128, 255, 200, 80, 60, 255]);
    image.data.set([128, 128, 128, 255, 96, 96, 96, 255]);
    expect(iccToSrgb(session, greyIcc, image).refused).toBeUndefined();
    expect(Array.from(image.data)).toEqual([146, 146, 146, 255, 115, 115, 115, 255]);
    session.recycle();
  });

  it('a refused profile reaches state.colour and the image goes on unconverted', async () => {
    const master = withJpegIcc(plainJpeg, withHeader(lutIcc, 16, 'CMYK'));
    const state = partialState({ bytes: master.slice().buffer, info: { format: 'jpeg' } }, { image: { data: new Uint8ClampedArray([200, 80, 60, 255]), width: 1, height: 1 } });
    await color(state);
    // A CMYK profile never reaches lcms2 (the colour space in its header says it cannot describe RGBA pixels).
    expect(state.colour).toMatchObject({ converted: false, profile: 'LUT Display P3 (A2B0 muted, A2B1 exact)', detail: "profile not converted: a 'CMYK' profile (only RGB profiles are converted)" });
    expect(Array.from(state.image!.data)).toEqual([200, 80, 60, 255]);
    expect(state.session).toBeUndefined();
    // A broken RGB LUT profile does, and lcms2's reason is said.
    const broken = partialState({ bytes: withJpegIcc(plainJpeg, brokenLut()).slice().buffer, info: { format: 'jpeg' } }, { image: { data: new Uint8ClampedArray([200, 80, 60, 255]), width: 1, height: 1 } });
    await color(broken);
    expect(broken.colour).toMatchObject({ converted: false, detail: expect.stringMatching(/^profile not converted: lcms2: /) });
    expect(Array.from(broken.image!.data)).toEqual([200, 80, 60, 255]);
    broken.session?.recycle();
  });
});

/** A copy of `icc` with four header bytes at `at` replaced (12: device class, 16: colour space). */
function withHeader(icc: Uint8Array, at: number, text: string): Uint8Array {
  const copy = icc.slice();
  for (let i = 0; i < 4; i++) copy[at + i] = text.charCodeAt(i);
  return copy;
}

/** The LUT profile with its A2B0 tag's offset moved past the end of the file. */
function brokenLut(): Uint8Array {
  const copy = lutIcc.slice();
  const view = new DataView(copy.buffer);
  for (let i = 0; i < view.getUint32(128); i++) {
    const entry = 132 + 12 * i;
    if (String.fromCharCode(...copy.subarray(entry, entry + 4)) === 'A2B0') view.setUint32(entry + 4, copy.length + 1000);
  }
  return copy;
}

/** The JPEG with an APP2 ICC_PROFILE segment (one chunk) inserted after SOI. */
function withJpegIcc(jpeg: Uint8Array, icc: Uint8Array): Uint8Array {
  const length = 2 + 14 + icc.length;
  const segment = new Uint8Array([0xff, 0xe2, length >> 8, length & 255, ...new TextEncoder().encode('ICC_PROFILE\0'), 1, 1, ...icc]);
  return new Uint8Array([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}
