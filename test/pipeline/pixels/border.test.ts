/** trim=border's scan on hand-made rows: the box of what is not border, exactly. */
import { describe, expect, it } from 'vitest';
import { BorderScan, sameColour } from '../../../src/pipeline/pixels/border.js';

type RGBA = [number, number, number, number];

/** Scans a width×height image given by `at`, row by row. */
function scan(width: number, height: number, at: (x: number, y: number) => RGBA, options: ConstructorParameters<typeof BorderScan>[2], keep = 0) {
  const border = new BorderScan(width, height, options);
  for (let y = 0; y < height; y++) {
    const row = new Uint8ClampedArray(width * 4);
    for (let x = 0; x < width; x++) row.set(at(x, y), x * 4);
    border.add(row, y);
  }
  return border.result(keep);
}

const white: RGBA = [255, 255, 255, 255];
const inBox = (x: number, y: number) => x >= 5 && x < 17 && y >= 3 && y < 9;
const framed = (outside: RGBA) => (x: number, y: number): RGBA => (inBox(x, y) ? [200, 20, 20, 255] : outside);

describe('BorderScan', () => {
  it('finds the box exactly with the colour given, and with it detected from the corners', () => {
    expect(scan(24, 12, framed(white), { colour: { r: 255, g: 255, b: 255, a: 255 }, tolerance: 255 })).toEqual({ x: 5, y: 3, width: 12, height: 6 });
    expect(scan(24, 12, framed(white), { tolerance: 255 })).toEqual({ x: 5, y: 3, width: 12, height: 6 });
  });

  it('tolerance is Cloudflare’s scale: 255 must match exactly, lower lets near colours pass', () => {
    const noisy = (x: number, y: number): RGBA => (inBox(x, y) ? [200, 20, 20, 255] : (x + y) % 2 ? [250, 250, 250, 255] : white);
    expect(scan(24, 12, noisy, { colour: { r: 255, g: 255, b: 255, a: 255 }, tolerance: 255 })).toEqual({ x: 0, y: 0, width: 24, height: 12 });
    expect(scan(24, 12, noisy, { colour: { r: 255, g: 255, b: 255, a: 255 }, tolerance: 250 })).toEqual({ x: 5, y: 3, width: 12, height: 6 });
    // 0 matches anything: all is border, and the whole image is kept.
    expect(scan(24, 12, noisy, { tolerance: 0 })).toEqual({ x: 0, y: 0, width: 24, height: 12 });
  });

  it('keeps `keep` pixels of border on each side, within the image', () => {
    expect(scan(24, 12, framed(white), { tolerance: 255 }, 2)).toEqual({ x: 3, y: 1, width: 16, height: 10 });
    expect(scan(24, 12, framed(white), { tolerance: 255 }, 50)).toEqual({ x: 0, y: 0, width: 24, height: 12 });
  });

  it('takes the colour most corners share: a top-right border colour wins over a stray top-left pixel', () => {
    const stray = (x: number, y: number): RGBA => (x === 0 && y === 0 ? [0, 0, 0, 255] : framed(white)(x, y));
    // White is the border (three corners), so the stray black pixel is content and kept; black would keep it all.
    expect(scan(24, 12, stray, { tolerance: 255 })).toEqual({ x: 0, y: 0, width: 17, height: 9 });
  });

  it('a transparent border matches whatever RGB its pixels carry', () => {
    const clear = (x: number, y: number): RGBA => (inBox(x, y) ? [200, 20, 20, 255] : [x * 10, y * 20, 7, 0]);
    expect(scan(24, 12, clear, { tolerance: 255 })).toEqual({ x: 5, y: 3, width: 12, height: 6 });
    expect(sameColour(1, 2, 3, 0, { r: 200, g: 100, b: 50, a: 0 }, 0)).toBe(true);
  });

  it('refuses rows out of order and a result before the last row', () => {
    const border = new BorderScan(4, 2, { tolerance: 255 });
    expect(() => border.add(new Uint8ClampedArray(16), 1)).toThrow(RangeError);
    border.add(new Uint8ClampedArray(16), 0);
    expect(() => border.result(0)).toThrow(RangeError);
  });
});
