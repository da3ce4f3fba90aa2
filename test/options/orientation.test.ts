import { describe, expect, it } from 'vitest';
import {
  compose,
  displayedSize,
  fromExif,
  fromFlip,
  fromRotation,
  rectToStored,
} from '../../src/options/orientation.js';
import { applyOrientation } from '../../src/pipeline/pixels/orient.js';
import type { Pixels } from '../../src/pipeline/pixels/rgba.js';

/** A 3×2 image whose pixels are numbered 0..5 row by row (in the red channel). */
function numbered(width = 3, height = 2): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([i, 0, 0, 255], i * 4);
  return { data, width, height };
}

function grid(image: Pixels): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < image.height; y++) {
    rows.push(Array.from({ length: image.width }, (_, x) => image.data[(y * image.width + x) * 4]!));
  }
  return rows;
}

describe('EXIF orientations', () => {
  // Stored:  0 1 2      The displayed grids below are the EXIF specification's eight cases,
  //          3 4 5      worked out by hand from "row 0 / column 0" descriptions.
  it.each([
    [1, [[0, 1, 2], [3, 4, 5]]],
    [2, [[2, 1, 0], [5, 4, 3]]],
    [3, [[5, 4, 3], [2, 1, 0]]],
    [4, [[3, 4, 5], [0, 1, 2]]],
    [5, [[0, 3], [1, 4], [2, 5]]],
    [6, [[3, 0], [4, 1], [5, 2]]],
    [7, [[5, 2], [4, 1], [3, 0]]],
    [8, [[2, 5], [1, 4], [0, 3]]],
  ])('orientation %i displays the stored pixels correctly', (orientation, expected) => {
    expect(grid(applyOrientation(numbered(), fromExif(orientation)))).toEqual(expected);
  });

  it('treats unknown orientations as upright', () => {
    expect(fromExif(0)).toEqual(fromExif(1));
    expect(fromExif(9)).toEqual(fromExif(1));
  });
});

describe('rotate and flip', () => {
  it('rotates clockwise', () => {
    expect(grid(applyOrientation(numbered(), fromRotation(90)))).toEqual([[3, 0], [4, 1], [5, 2]]);
    expect(grid(applyOrientation(numbered(), fromRotation(270)))).toEqual([[2, 5], [1, 4], [0, 3]]);
  });
  it('flips horizontally, vertically and both', () => {
    expect(grid(applyOrientation(numbered(), fromFlip('h')))).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(grid(applyOrientation(numbered(), fromFlip('v')))).toEqual([[3, 4, 5], [0, 1, 2]]);
    expect(grid(applyOrientation(numbered(), fromFlip('hv')))).toEqual([[5, 4, 3], [2, 1, 0]]);
  });
});

describe('compose', () => {
  const all = [1, 2, 3, 4, 5, 6, 7, 8];
  it.each(all.flatMap((a) => all.map((b) => [a, b])))('orientation %i then %i equals one pass', (a, b) => {
    const image = numbered(3, 2);
    const twice = applyOrientation(applyOrientation(image, fromExif(a)), fromExif(b));
    const once = applyOrientation(image, compose(fromExif(a), fromExif(b)));
    expect(grid(once)).toEqual(grid(twice));
  });
});

describe('rectToStored', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('maps a displayed crop onto the stored pixels it shows (orientation %i)', (orientation) => {
    const stored = { width: 5, height: 4 };
    const image = numbered(stored.width, stored.height);
    const o = fromExif(orientation);
    const displayed = applyOrientation(image, o);
    const size = displayedSize(stored, o);
    const rect = { x: 1, y: 1, width: size.width - 2, height: size.height - 3 };
    const storedRect = rectToStored(rect, stored, o);
    // The pixels inside the displayed rect are exactly the pixels inside the stored rect.
    const shown = new Set<number>();
    for (let y = rect.y; y < rect.y + rect.height; y++) {
      for (let x = rect.x; x < rect.x + rect.width; x++) shown.add(displayed.data[(y * displayed.width + x) * 4]!);
    }
    const inStored = new Set<number>();
    for (let y = storedRect.y; y < storedRect.y + storedRect.height; y++) {
      for (let x = storedRect.x; x < storedRect.x + storedRect.width; x++) inStored.add(image.data[(y * image.width + x) * 4]!);
    }
    expect(inStored).toEqual(shown);
  });
});
