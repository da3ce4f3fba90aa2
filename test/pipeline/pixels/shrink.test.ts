/** The preview's box shrink on hand-made pixels: means of exact boxes, alpha-weighted colour, rows read once. */
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../../../src/pipeline/pixels/resample.js';
import { BoxShrink, boxShrink } from '../../../src/pipeline/pixels/shrink.js';

function image(width: number, height: number, at: (x: number, y: number) => [number, number, number, number]) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(at(x, y), (y * width + x) * 4);
  return { data, width, height };
}

describe('boxShrink', () => {
  it('averages exact boxes: quadrants of 4×4 stay their colour, a checkerboard goes grey', () => {
    const quads = image(8, 8, (x, y) => (x < 4 ? (y < 4 ? [255, 0, 0, 255] : [0, 0, 255, 255]) : y < 4 ? [0, 255, 0, 255] : [255, 255, 255, 255]));
    expect(Array.from(boxShrink(rowsOf(quads), 2, 2).data)).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    const checker = image(4, 4, (x, y) => ((x + y) % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    expect(Array.from(boxShrink(rowsOf(checker), 1, 1).data)).toEqual([128, 128, 128, 255]);
  });

  it('weights colour by alpha: transparent pixels do not tint their box', () => {
    const half = image(2, 1, (x) => (x === 0 ? [255, 0, 0, 255] : [0, 255, 0, 0]));
    expect(Array.from(boxShrink(rowsOf(half), 1, 1).data)).toEqual([255, 0, 0, 128]);
  });

  it('handles sizes that do not divide, and reads each row once, in order', () => {
    const source = image(7, 5, (x, y) => [x * 30, y * 50, 0, 255]);
    const asked: number[] = [];
    const rows = { width: 7, height: 5, row: (y: number) => (asked.push(y), rowsOf(source).row(y)) };
    const out = boxShrink(rows, 3, 2);
    expect(out).toMatchObject({ width: 3, height: 2 });
    expect(asked).toEqual([0, 1, 2, 3, 4]);
    expect(() => boxShrink(rowsOf(source), 8, 2)).toThrow(RangeError);
  });
});

describe('BoxShrink', () => {
  it('takes rows pushed one at a time, in order, and refuses a result before the last', () => {
    const shrink = new BoxShrink(2, 2, 1, 1);
    expect(() => shrink.add(new Uint8ClampedArray(8), 1)).toThrow(RangeError);
    shrink.add(new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255]), 0);
    expect(() => shrink.result()).toThrow(RangeError);
    shrink.add(new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255]), 1);
    expect(Array.from(shrink.result().data)).toEqual([128, 128, 128, 255]);
  });
});
