/** Colour on pixels: reading ICC profiles and converting matrix/TRC RGB to sRGB, against references and lcms. */
import { describe, expect, it } from 'vitest';
import { applyColourTransform, parseIccProfile, srgbTransform } from '../../../src/pipeline/pixels/colour.js';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import adobeJpeg from '../../fixtures/adobergb-quadrants-64x48.jpg?bytes';
import p3Png from '../../fixtures/p3-quadrants-64x48.png?bytes';
import { PROPHOTO_COLORANTS, SRGB_COLORANTS, SRGB_PARA, buildProfile, deltaE76, profileOf } from '../../helpers/colour.js';

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
