/** ICC profiles: reading them, converting matrix/TRC RGB to sRGB on pixels, finding them in each container, cost. */
import { describe, expect, it } from 'vitest';
import type { Pixels } from '../../src/pipeline/codecs.js';
import { color } from '../../src/pipeline/color.js';
import { MAX_ICC_BYTES, extractIccProfile } from '../../src/pipeline/icc-extract.js';
import { applyColourTransform, parseIccProfile, srgbTransform } from '../../src/pipeline/icc.js';
import type { ImageState } from '../../src/pipeline/state.js';
import adobeJpeg from '../fixtures/adobergb-quadrants-64x48.jpg?bytes';
import cmyk from '../fixtures/cmyk-64x48.jpg?bytes';
import p3Avif from '../fixtures/p3-srgb-quadrants-24x16.avif?bytes';
import p3Webp from '../fixtures/p3-srgb-quadrants-40x30.webp?bytes';
import p3Jpeg from '../fixtures/p3-quadrants-64x48.jpg?bytes';
import p3Png from '../fixtures/p3-quadrants-64x48.png?bytes';
import plainJpeg from '../fixtures/quadrants-64x48.jpg?bytes';
import plainPng from '../fixtures/quadrants-64x48.png?bytes';
import { PROPHOTO_COLORANTS, SRGB_COLORANTS, SRGB_PARA, buildProfile, deltaE76 } from '../helpers/colour.js';
import { corpusAvailable, corpusFile } from '../helpers/corpus.js';

/** Converts a list of colours through a profile, as the colour step would. */
function convert(icc: Uint8Array, colours: number[][]): number[][] {
  const reading = parseIccProfile(icc);
  if (!reading.ok) throw new Error(reading.reason);
  const image: Pixels = { data: Uint8ClampedArray.from(colours.flatMap((c) => [...c, 255])), width: colours.length, height: 1 };
  applyColourTransform(image, srgbTransform(reading.profile));
  return colours.map((_, i) => Array.from(image.data.subarray(i * 4, i * 4 + 3)));
}

const srgbLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const srgbEncode = (v: number) => Math.round(255 * (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055));
const greys = Array.from({ length: 256 }, (_, i) => [i, i, i]);

async function profileOf(bytes: Uint8Array, format: 'jpeg' | 'png' | 'webp' | 'avif'): Promise<Uint8Array> {
  const icc = await extractIccProfile(bytes, format);
  if (!icc) throw new Error(`no profile in the ${format}`);
  return icc;
}

describe('parseIccProfile and the sRGB transform', () => {
  it('an sRGB profile (para type 3, or a 1024-point curv table) is recognised as sRGB: no work at all', () => {
    const table = Array.from({ length: 1024 }, (_, i) => Math.round(srgbLinear(i / 1023) * 65535));
    for (const curve of [SRGB_PARA, { table }]) {
      const reading = parseIccProfile(buildProfile({ colorants: SRGB_COLORANTS, curve, description: 'sRGB test' }));
      expect(reading.ok && reading.profile.description).toBe('sRGB test');
      if (reading.ok) expect(srgbTransform(reading.profile).identity).toBe(true);
    }
  });

  it('Display P3 (the profile sharp attaches) converts as sharp/lcms does: out-of-gamut primaries clip, in-gamut colours match exactly', async () => {
    const p3 = await profileOf(p3Png, 'png');
    const reference = [[255, 0, 0], [0, 255, 0], [216, 69, 51], [128, 128, 128]]; // sharp toColourspace('srgb'), test/fixtures/README.md
    const out = convert(p3, [[255, 0, 0], [0, 255, 0], [200, 80, 60], [128, 128, 128]]);
    out.forEach((c, i) => expect(deltaE76(c, reference[i]!)).toBeLessThan(0.5));
    // Without the transform the in-gamut colour would be ΔE ≈ 10 away: visibly desaturated.
    expect(deltaE76([200, 80, 60], reference[2]!)).toBeGreaterThan(8);
    const reading = parseIccProfile(p3);
    expect(reading.ok && srgbTransform(reading.profile).identity).toBe(false);
  });

  it('Adobe RGB (1998) (gamma 563/256 as curv) matches sharp within one step', async () => {
    // The fixture's BL quadrant decodes to (201, 80, 61) before any profile; sharp gives (231, 79, 57) for it.
    const out = convert(await profileOf(adobeJpeg, 'jpeg'), [[201, 80, 61], [128, 128, 128], [255, 255, 255], [0, 0, 0]]);
    const reference = [[231, 79, 57], [129, 129, 129], [255, 255, 255], [0, 0, 0]];
    out.forEach((c, i) => c.forEach((v, k) => expect(Math.abs(v - reference[i]![k]!)).toBeLessThanOrEqual(1)));
  });

  it('ProPhoto (D50 primaries, gamma 1.8): neutrals stay neutral, on the analytic curve', () => {
    const icc = buildProfile({ colorants: PROPHOTO_COLORANTS, curve: { gamma: 1.8 } });
    const out = convert(icc, greys);
    for (const [i, [r, g, b]] of out.entries()) {
      const expected = srgbEncode((i / 255) ** 1.8);
      expect(Math.abs(r! - expected)).toBeLessThanOrEqual(1);
      expect(Math.max(Math.abs(r! - g!), Math.abs(g! - b!))).toBeLessThanOrEqual(1);
    }
    // Its colorants add up to the D50 white, so white stays white; its red primary is far outside sRGB and clips.
    expect(convert(icc, [[255, 255, 255], [255, 0, 0]])).toEqual([[255, 255, 255], [255, 0, 0]]);
  });

  it('every para function type evaluates as ICC.1 table 68 says', () => {
    const g = 2.2;
    const gamma = convert(buildProfile({ colorants: SRGB_COLORANTS, curve: { para: 0, params: [g] } }), greys);
    // Types 1, 2 and 4 reduce to the same pure power with these parameters; type 3 with d = 0 too.
    const same = [
      { para: 1, params: [g, 1, 0] },
      { para: 2, params: [g, 1, 0, 0] },
      { para: 3, params: [g, 1, 0, 0, 0] },
      { para: 4, params: [g, 1, 0, 0, 0, 0, 0] },
    ];
    for (const curve of same) expect(convert(buildProfile({ colorants: SRGB_COLORANTS, curve }), greys)).toEqual(gamma);
    // Type 4 with sRGB's parameters (e = f = 0) is sRGB itself.
    const type4 = parseIccProfile(buildProfile({ colorants: SRGB_COLORANTS, curve: { para: 4, params: [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045, 0, 0] } }));
    expect(type4.ok && srgbTransform(type4.profile).identity).toBe(true);
    // Type 2's offset c lifts the blacks: c = 0.05 linear is sRGB 63.
    expect(convert(buildProfile({ colorants: SRGB_COLORANTS, curve: { para: 2, params: [g, 1, 0, 0.05] } }), [[0, 0, 0]])[0]).toEqual([63, 63, 63]);
  });

  it('what it does not convert, it says why: CMYK, grey, LUT-based, device links, garbage', () => {
    const cases: [Uint8Array, RegExp][] = [
      [buildProfile({ space: 'CMYK', pcs: 'Lab ', deviceClass: 'prtr' }), /CMYK/],
      [buildProfile({ space: 'GRAY', extra: [['kTRC', 'curv', [0, 0, 0, 0]]] }), /GRAY/],
      [buildProfile({ pcs: 'Lab ', extra: [['A2B0', 'mft2', new Array(64).fill(0)]] }), /LUT-based/],
      [buildProfile({ colorants: SRGB_COLORANTS, extra: [['A2B0', 'mAB ', new Array(32).fill(0)]] }), /LUT-based/],
      [buildProfile({ deviceClass: 'link', colorants: SRGB_COLORANTS, curve: SRGB_PARA }), /link/],
      [buildProfile({ colorants: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], curve: SRGB_PARA }), /implausible/],
      [new Uint8Array(100), /not an ICC profile/],
    ];
    for (const [icc, reason] of cases) {
      const reading = parseIccProfile(icc);
      expect(reading.ok).toBe(false);
      if (!reading.ok) expect(reading.reason).toMatch(reason);
    }
  });

  it('never throws on a damaged profile: truncated, tags outside it, huge counts, random bytes', async () => {
    const good = await profileOf(p3Png, 'png');
    for (let cut = 0; cut < good.length; cut += 7) expect(() => parseIccProfile(good.subarray(0, cut))).not.toThrow();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (let round = 0; round < 500; round++) {
      const damaged = good.slice();
      for (let k = 0; k < 8; k++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      expect(() => {
        const reading = parseIccProfile(damaged);
        if (reading.ok) convert(damaged, [[200, 80, 60]]);
      }).not.toThrow();
    }
    const hugeCurve = buildProfile({ colorants: SRGB_COLORANTS, curve: { table: [0, 65535] } });
    hugeCurve.set([0xff, 0xff, 0xff, 0xff], hugeCurve.length - 8); // the last curv (bTRC) claims 4 G points
    expect(parseIccProfile(hugeCurve).ok).toBe(false);
  });
});

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

describe('the colour step', () => {
  function stateFor(bytes: Uint8Array, format: 'jpeg' | 'png', image: Pixels): ImageState {
    return { input: { bytes: bytes.slice().buffer, info: { format } }, image } as unknown as ImageState;
  }

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
