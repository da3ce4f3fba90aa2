/**
 * brightness, contrast, gamma and saturation against references computed here from the documented formulas (float,
 * no tables: sRGB's transfer function, D65 CIELAB), and against sharp's `modulate` and `linear` on the same pixels
 * (test/fixtures/tone-sharp.json, made by scripts/tone-sharp-reference.mjs).
 */
import { describe, expect, it } from 'vitest';
import { adjustTone, isToneIdentity, type ToneAdjustments } from '../../../src/pipeline/pixels/tone.js';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import sharpReference from '../../fixtures/tone-sharp.json';

type RGB = [number, number, number];

/** Colours that cover the cube: primaries, secondaries, greys, skin, sky, dark and near-white. */
const swatches: RGB[] = [
  [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255], [255, 0, 255],
  [0, 0, 0], [255, 255, 255], [128, 128, 128], [30, 30, 30], [224, 172, 105], [135, 206, 235],
  [20, 60, 10], [250, 240, 230], [90, 40, 120], [200, 100, 50],
];

function image(colours: RGB[], alpha = 255): Pixels {
  const data = new Uint8ClampedArray(colours.length * 4);
  colours.forEach((c, i) => data.set([...c, alpha], i * 4));
  return { data, width: colours.length, height: 1 };
}

function rgbAt(pixels: Pixels, i: number): RGB {
  return [pixels.data[i * 4]!, pixels.data[i * 4 + 1]!, pixels.data[i * 4 + 2]!];
}

const toLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
const toEncoded = (v: number) => (v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055);
const clip = (v: number) => Math.min(1, Math.max(0, v));
const white = [0.95047, 1, 1.08883];
const f = (t: number) => (t > Math.pow(6 / 29, 3) ? Math.cbrt(t) : t / (3 * Math.pow(6 / 29, 2)) + 4 / 29);
const fInverse = (t: number) => (t > 6 / 29 ? t * t * t : 3 * Math.pow(6 / 29, 2) * (t - 4 / 29));

/** The documented formulas, in floats: L*·brightness, (a*, b*)·saturation, then (v − ½)·contrast + ½, then v^(1/γ). */
function reference([r8, g8, b8]: RGB, { brightness = 1, saturation = 1, contrast = 1, gamma = 1 }: ToneAdjustments): RGB {
  const [r, g, b] = [r8, g8, b8].map((v) => toLinear(v / 255)) as RGB;
  const xyz = [
    0.4124564 * r + 0.3575761 * g + 0.1804375 * b,
    0.2126729 * r + 0.7151522 * g + 0.072175 * b,
    0.0193339 * r + 0.119192 * g + 0.9503041 * b,
  ].map((v, k) => f(v / white[k]!));
  const L = (116 * xyz[1]! - 16) * brightness;
  const A = 500 * (xyz[0]! - xyz[1]!) * saturation;
  const B = 200 * (xyz[1]! - xyz[2]!) * saturation;
  const fy = (L + 16) / 116;
  const [x, y, z] = [fy + A / 500, fy, fy - B / 200].map((v, k) => fInverse(v) * white[k]!) as RGB;
  const linear = [
    3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
    -0.969266 * x + 1.8760108 * y + 0.041556 * z,
    0.0556434 * x - 0.2040259 * y + 1.0572252 * z,
  ];
  return linear.map((v) => {
    let e = clip(toEncoded(clip(v)));
    e = Math.round(e * 255) / 255; // the LCh result is 8-bit before the channel curves, as in the pipeline
    e = clip((e - 0.5) * contrast + 0.5);
    return Math.round(Math.pow(e, 1 / gamma) * 255);
  }) as RGB;
}

function maxDifference(adjustments: ToneAdjustments): number {
  const pixels = image(swatches);
  adjustTone(pixels, adjustments);
  let worst = 0;
  swatches.forEach((colour, i) => {
    const got = rgbAt(pixels, i);
    reference(colour, adjustments).forEach((want, k) => (worst = Math.max(worst, Math.abs(want - got[k]!))));
  });
  return worst;
}

describe('adjustTone against the documented formulas', () => {
  it.each<ToneAdjustments>([
    { brightness: 0.5 }, { brightness: 1.5 }, { brightness: 2 }, { brightness: 0.1 },
    { saturation: 0 }, { saturation: 0.5 }, { saturation: 2 }, { saturation: 10 },
    { contrast: 0.5 }, { contrast: 2 }, { contrast: 10 },
    { gamma: 0.5 }, { gamma: 2 }, { gamma: 2.2 },
  ])('%j within 1 of the float reference', (adjustments) => {
    expect(maxDifference(adjustments)).toBeLessThanOrEqual(1);
  });

  it('all four together within 2: the curves’ slope (1.1 × up to 1.3) can widen a 1-step LCh rounding difference', () => {
    expect(maxDifference({ brightness: 1.2, saturation: 0.8, contrast: 1.1, gamma: 0.9 })).toBeLessThanOrEqual(2);
  });
});

describe('adjustTone: what each factor means', () => {
  it('saturation=0 is a grey of the pixel’s own luminance (Rec. 709 Y in linear light)', () => {
    const pixels = image(swatches);
    adjustTone(pixels, { saturation: 0 });
    swatches.forEach((colour, i) => {
      const [r, g, b] = rgbAt(pixels, i);
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThanOrEqual(1);
      const [lr, lg, lb] = colour.map((v) => toLinear(v / 255));
      const y = Math.round(toEncoded(0.2126729 * lr! + 0.7151522 * lg! + 0.072175 * lb!) * 255);
      expect(Math.abs(g - y)).toBeLessThanOrEqual(1);
    });
  });

  it('black and white stay put under contrast and gamma; mid-grey stays put under contrast', () => {
    const pixels = image([[0, 0, 0], [255, 255, 255], [128, 128, 128]]);
    adjustTone(pixels, { gamma: 3 });
    expect([rgbAt(pixels, 0), rgbAt(pixels, 1)]).toEqual([[0, 0, 0], [255, 255, 255]]);
    const grey = image([[128, 128, 128]]);
    adjustTone(grey, { contrast: 4 });
    expect(rgbAt(grey, 0)).toEqual([130, 130, 130]); // 128/255 is a hair above the 0.5 pivot: (0.50196 − 0.5)·4 + 0.5
  });

  it('gamma 2 lightens and 0.5 darkens, as Cloudflare documents', () => {
    const light = image([[64, 64, 64]]);
    adjustTone(light, { gamma: 2 });
    expect(rgbAt(light, 0)).toEqual([128, 128, 128]); // √(64/255)·255 = 127.7
    const dark = image([[128, 128, 128]]);
    adjustTone(dark, { gamma: 0.5 });
    expect(rgbAt(dark, 0)).toEqual([64, 64, 64]); // (128/255)²·255 = 64.25
  });

  it('brightness=0.5 halves L*: white becomes the grey of L* 50', () => {
    const pixels = image([[255, 255, 255]]);
    adjustTone(pixels, { brightness: 0.5 });
    expect(rgbAt(pixels, 0)).toEqual([119, 119, 119]);
  });

  it('leaves alpha alone', () => {
    const pixels = image([[200, 100, 50]], 77);
    adjustTone(pixels, { brightness: 2, saturation: 0, contrast: 3, gamma: 0.3 });
    expect(pixels.data[3]).toBe(77);
  });

  it('0 and 1 change nothing (but saturation=0)', () => {
    expect(isToneIdentity({})).toBe(true);
    expect(isToneIdentity({ brightness: 1, contrast: 0, gamma: 1, saturation: 1 })).toBe(true);
    expect(isToneIdentity({ saturation: 0 })).toBe(false);
    expect(isToneIdentity({ gamma: 1.01 })).toBe(false);
    const pixels = image(swatches);
    adjustTone(pixels, { brightness: 0, contrast: 0, gamma: 0 });
    expect(Array.from(pixels.data)).toEqual(Array.from(image(swatches).data));
  });
});

describe('adjustTone against sharp', () => {
  const fixture = sharpReference as { input: number[]; cases: Array<{ adjustments: ToneAdjustments; tolerance: number; output: number[] }> };
  const input: RGB[] = [];
  for (let i = 0; i < fixture.input.length; i += 3) input.push(fixture.input.slice(i, i + 3) as RGB);

  it.each(fixture.cases.map((c) => [JSON.stringify(c.adjustments), c] as const))('%s', (_, { adjustments, tolerance, output }) => {
    const pixels = image(input);
    adjustTone(pixels, adjustments);
    let worst = 0;
    input.forEach((_, i) => rgbAt(pixels, i).forEach((v, k) => (worst = Math.max(worst, Math.abs(v - output[i * 3 + k]!)))));
    expect(worst).toBeLessThanOrEqual(tolerance);
  });
});
