import { describe, expect, it } from 'vitest';
import dune from '../../../samples/photos/dune.jpg?bytes';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';

import { contributions, resample } from '../../../src/pipeline/pixels/resample.js';
import { jsquashDecodeJpeg, jsquashResize } from '../../helpers/jsquash-reference.js';

function solid(width: number, height: number, rgba: number[]): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { data, width, height };
}

function meanAbsDiff(a: Pixels, b: Pixels): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

const plain = { premultiply: false, linear: false };

describe('contributions', () => {
  it.each([
    [100, 10],
    [10, 100],
    [7, 3],
    [1, 5],
    [5, 1],
  ])('weights sum to 1 and stay inside the source (%i → %i)', (inSize, outSize) => {
    const c = contributions(inSize, outSize);
    for (let i = 0; i < outSize; i++) {
      let total = 0;
      for (let k = 0; k < c.count[i]!; k++) total += c.weights[i * c.stride + k]!;
      expect(total).toBeCloseTo(1, 5);
      expect(c.start[i]).toBeGreaterThanOrEqual(0);
      expect(c.start[i]! + c.count[i]!).toBeLessThanOrEqual(inSize);
    }
  });
});

describe('resample', () => {
  it('keeps a flat colour flat at any scale', () => {
    const image = solid(37, 23, [200, 100, 50, 255]);
    for (const [w, h] of [[5, 3], [100, 80], [37, 1], [1, 1]] as const) {
      const out = resample(image, { x: 0, y: 0, width: 37, height: 23 }, w, h, plain);
      expect(out.width * out.height * 4).toBe(out.data.length);
      for (let i = 0; i < out.data.length; i += 4) expect(Array.from(out.data.subarray(i, i + 4))).toEqual([200, 100, 50, 255]);
    }
  });

  it('agrees with jSquash Lanczos-3 on a real photo', async () => {
    const photo = await jsquashDecodeJpeg(dune);
    const ours = resample(photo, { x: 0, y: 0, width: photo.width, height: photo.height }, 400, 250, plain);
    const theirs = await jsquashResize(photo, 400, 250);
    // Same filter, different edge handling and rounding: within a couple of levels on average.
    expect(meanAbsDiff(ours, theirs)).toBeLessThan(1.5);
  });

  it('reads a crop without copying it first', () => {
    const image = solid(20, 20, [0, 0, 255, 255]);
    for (let y = 5; y < 15; y++) for (let x = 5; x < 15; x++) image.data.set([255, 0, 0, 255], (y * 20 + x) * 4);
    const out = resample(image, { x: 5, y: 5, width: 10, height: 10 }, 4, 4, plain);
    for (let i = 0; i < out.data.length; i += 4) expect(Array.from(out.data.subarray(i, i + 4))).toEqual([255, 0, 0, 255]);
  });

  it('lends no colour from transparent pixels when premultiplied', () => {
    // Left half transparent black, right half opaque white: the edge must not turn grey.
    const image = solid(16, 4, [0, 0, 0, 0]);
    for (let y = 0; y < 4; y++) for (let x = 8; x < 16; x++) image.data.set([255, 255, 255, 255], (y * 16 + x) * 4);
    const premultiplied = resample(image, { x: 0, y: 0, width: 16, height: 4 }, 5, 2, { premultiply: true, linear: false });
    const naive = resample(image, { x: 0, y: 0, width: 16, height: 4 }, 5, 2, plain);
    const edge = 2 * 4; // the middle output column straddles the boundary
    expect(premultiplied.data[edge + 3]).toBeGreaterThan(0);
    expect(premultiplied.data[edge]).toBeGreaterThanOrEqual(250);
    expect(naive.data[edge]).toBeLessThan(200);
  });

  it('keeps the brightness of a fine black-and-white pattern in linear light', () => {
    // One-pixel stripes average to 50% light, which is sRGB 188, not 128.
    const image = solid(64, 64, [0, 0, 0, 255]);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x += 2) image.data.set([255, 255, 255, 255], (y * 64 + x) * 4);
    const linear = resample(image, { x: 0, y: 0, width: 64, height: 64 }, 8, 8, { premultiply: false, linear: true });
    const gamma = resample(image, { x: 0, y: 0, width: 64, height: 64 }, 8, 8, plain);
    expect(Math.abs(linear.data[4 * 27]! - 188)).toBeLessThanOrEqual(2);
    expect(Math.abs(gamma.data[4 * 27]! - 128)).toBeLessThanOrEqual(2);
  });
});
