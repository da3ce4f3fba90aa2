/** The decode plan (pure): how far each master shrinks on load, and which limits apply before anything is read. */
import { describe, expect, it } from 'vitest';
import { checkSourceSize, cropOnDecoded, planDecode } from '../../src/options/decode-plan.js';
import type { MasterInfo } from '../../src/options/types.js';

const limits = { maxDecodedPixels: 5_000_000, maxJpegPixels: 100_000_000, maxWebpPixels: 17_000_000, maxPngPixels: 50_000_000, maxAvifPixels: 6_000_000 };

function master(format: MasterInfo['format'], width: number, height: number, animated = false): MasterInfo {
  return { format, width, height, hasAlpha: false, animated, orientation: 1 };
}

const whole = (info: MasterInfo) => ({ x: 0, y: 0, width: info.width, height: info.height });

describe('JPEG: the largest DCT reduction that leaves the pixels the output needs', () => {
  it.each([
    // [source, output, denom]: libjpeg rounds up, ceil(4032 / 2) = 2016 ≥ 1600 but 1008 < 1600
    [[4032, 3024], [1600, 1200], 2],
    [[4032, 3024], [1008, 756], 4],
    [[4032, 3024], [1009, 757], 2],
    [[4032, 3024], [504, 378], 8],
    [[4032, 3024], [100, 75], 8],
    [[3120, 4208], [1600, 2158], 1], // the portrait phone photo: 1560 < 1600, so no reduction
    [[8000, 6000], [1600, 1200], 4],
    [[11547, 8660], [1600, 1200], 4],
    [[4032, 3024], [5000, 3750], 1], // an enlargement
  ] as const)('%j → %j decodes at 1/%i', ([w, h], [ow, oh], denom) => {
    const info = master('jpeg', w, h);
    const plan = planDecode(info, whole(info), { width: ow, height: oh }, limits);
    expect(plan).toEqual({ kind: 'jpeg', denom, width: Math.ceil(w / denom), height: Math.ceil(h / denom) });
  });

  it('a decode larger than maxDecodedPixels is fine: JPEG is streamed, so no further reduction (and no upscale)', () => {
    const info = master('jpeg', 8000, 6000);
    const plan = planDecode(info, whole(info), { width: 2500, height: 1875 }, limits);
    expect(plan).toMatchObject({ kind: 'jpeg', denom: 2, width: 4000, height: 3000 });
    expect(plan.width * plan.height).toBeGreaterThan(limits.maxDecodedPixels);
  });

  it('plans from the crop: a small crop of a big photo keeps its resolution', () => {
    const info = master('jpeg', 8000, 6000);
    const plan = planDecode(info, { x: 4000, y: 3000, width: 1000, height: 1000 }, { width: 500, height: 500 }, limits);
    expect(plan).toMatchObject({ denom: 2 });
  });
});

describe('WebP: straight to the size the output needs', () => {
  it('scales to the output, keeping the aspect ratio of the whole file', () => {
    const info = master('webp', 4096, 4096);
    expect(planDecode(info, whole(info), { width: 1600, height: 1600 }, limits)).toEqual({ kind: 'webp', width: 1600, height: 1600 });
  });

  it('never enlarges on load', () => {
    const info = master('webp', 400, 300);
    expect(planDecode(info, whole(info), { width: 800, height: 600 }, limits)).toEqual({ kind: 'webp', width: 400, height: 300 });
  });

  it('a decode over maxDecodedPixels is made smaller (then upscaled by the resize) rather than refused', () => {
    const info = master('webp', 4096, 4096);
    const plan = planDecode(info, { x: 0, y: 0, width: 2048, height: 2048 }, { width: 2000, height: 2000 }, limits);
    expect(plan.kind).toBe('webp');
    expect(plan.width * plan.height).toBeLessThanOrEqual(limits.maxDecodedPixels);
  });

  it('animated WebP is decoded whole (its first frame)', () => {
    const info = master('webp', 400, 300, true);
    expect(planDecode(info, whole(info), { width: 100, height: 75 }, limits)).toEqual({ kind: 'full', width: 400, height: 300, maxWorkPixels: limits.maxDecodedPixels });
  });
});

describe('GIF: whole, within maxDecodedPixels; PNG and AVIF streamed', () => {
  it('gif over maxDecodedPixels is a 413', () => {
    const info = master('gif', 3000, 2000);
    expect(() => planDecode(info, whole(info), { width: 300, height: 200 }, limits)).toThrow(expect.objectContaining({ status: 413 }));
  });

  it('plans an AVIF over maxDecodedPixels as a stream, up to maxAvifPixels; over it is a 413', () => {
    const info = master('avif', 3000, 2000);
    expect(planDecode(info, whole(info), { width: 300, height: 200 }, limits)).toEqual({ kind: 'avif', width: 3000, height: 2000, maxPixels: limits.maxAvifPixels });
    const over = master('avif', 3000, 2001);
    expect(() => planDecode(over, whole(over), { width: 400, height: 400 }, limits)).toThrow(expect.objectContaining({ status: 413 }));
  });

  it('plans a PNG over maxDecodedPixels as a stream (an interlaced one is checked against it when decoded)', () => {
    const info = master('png', 3000, 2000);
    expect(planDecode(info, whole(info), { width: 300, height: 200 }, limits)).toEqual({ kind: 'png', width: 3000, height: 2000, maxDecodedPixels: limits.maxDecodedPixels });
  });
});

describe('source limits, before anything is read', () => {
  it.each([
    ['jpeg', 10_000, 10_000, true],
    ['jpeg', 10_001, 10_000, false],
    ['webp', 4123, 4123, true],
    ['webp', 4124, 4124, false],
    ['png', 10_000, 5000, true],
    ['png', 10_001, 5000, false],
    ['gif', 2500, 2000, true],
    ['gif', 2501, 2000, false],
    ['avif', 3000, 2000, true],
    ['avif', 3000, 2001, false],
  ] as const)('%s %i×%i accepted: %s', (format, width, height, ok) => {
    const check = () => checkSourceSize(master(format, width, height), limits);
    if (ok) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ status: 413 }));
  });
});

describe('cropOnDecoded', () => {
  it('moves a crop onto a decode at half size, staying inside it', () => {
    expect(cropOnDecoded({ x: 101, y: 51, width: 1000, height: 999 }, { width: 4032, height: 3024 }, { width: 2016, height: 1512 })).toEqual({ x: 50, y: 25, width: 500, height: 500 });
    expect(cropOnDecoded({ x: 4031, y: 3023, width: 1, height: 1 }, { width: 4032, height: 3024 }, { width: 504, height: 378 })).toEqual({ x: 503, y: 377, width: 1, height: 1 });
  });
});
