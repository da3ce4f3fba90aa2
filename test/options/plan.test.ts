/** The transform plan (pure): orientation and geometry from the header and options alone, output limits before any work. */
import { describe, expect, it } from 'vitest';
import { canvasColour, outputHasAlpha, planTransform } from '../../src/options/plan.js';
import type { MasterInfo, TransformOptions } from '../../src/options/types.js';
import { parseOptions } from '../../src/options/parse.js';

const limits = { maxOutputDimension: 8192, maxOutputPixels: 5_000_000 };
const master = (width: number, height: number, orientation = 1, hasAlpha = false): MasterInfo => ({ format: 'jpeg', width, height, orientation, hasAlpha, animated: false });
const options = (segment: string): TransformOptions => parseOptions(segment, limits);

describe('planTransform', () => {
  it('plans in displayed coordinates and gives the stored crop and resize the decoder and resizer see', () => {
    // A 4000×3000 stored photo with EXIF orientation 6 is shown 3000×4000.
    const plan = planTransform(master(4000, 3000, 6), options('width=300'), limits);
    expect(plan.geometry.resize).toEqual({ width: 300, height: 400 });
    expect(plan.storedResize).toEqual({ width: 400, height: 300 });
    expect(plan.storedCrop).toEqual({ x: 0, y: 0, width: 4000, height: 3000 });
    expect(plan.orientation.transpose).toBe(true);
  });

  it('moves a crop into stored coordinates', () => {
    const plan = planTransform(master(400, 300), options('width=100,height=300,fit=cover,gravity=left,flip=h'), limits);
    expect(plan.geometry.crop).toEqual({ x: 0, y: 0, width: 100, height: 300 });
    // Flipped: the displayed left edge is the stored right edge.
    expect(plan.storedCrop).toEqual({ x: 300, y: 0, width: 100, height: 300 });
  });

  it('folds trim into the crop: geometry plans within what is left', () => {
    const plan = planTransform(master(400, 300), options('trim=10;20;30;40,width=170'), limits);
    expect(plan.geometry.crop).toEqual({ x: 40, y: 10, width: 340, height: 260 });
    expect(plan.geometry.resize).toEqual({ width: 170, height: 130 });
    expect(plan.storedCrop).toEqual({ x: 40, y: 10, width: 340, height: 260 });
  });

  it('crops with gravity inside the trim', () => {
    const plan = planTransform(master(400, 300), options('trim.left=100,trim.width=200,width=50,height=100,fit=cover,gravity=right'), limits);
    expect(plan.storedCrop).toEqual({ x: 150, y: 0, width: 150, height: 300 });
  });

  it('multiplies trim by dpr', () => {
    const plan = planTransform(master(400, 300), options('trim=10;0;0;20,dpr=2'), limits);
    expect(plan.storedCrop).toEqual({ x: 40, y: 20, width: 360, height: 280 });
  });

  it('trims before rotate and flip: the sides are those of the image as EXIF shows it', () => {
    // trim.left=100 cuts the left of the unrotated 400×300 image; after rotate=90 that strip is the top.
    const rotated = planTransform(master(400, 300), options('trim.left=100,rotate=90'), limits);
    expect(rotated.geometry.crop).toEqual({ x: 0, y: 100, width: 300, height: 300 });
    expect(rotated.storedCrop).toEqual({ x: 100, y: 0, width: 300, height: 300 });
    const flipped = planTransform(master(400, 300), options('trim.left=100,flip=h'), limits);
    expect(flipped.storedCrop).toEqual({ x: 100, y: 0, width: 300, height: 300 });
    expect(flipped.geometry.crop).toEqual({ x: 0, y: 0, width: 300, height: 300 });
  });

  it('trims the image as its EXIF orientation shows it', () => {
    // Stored 400×300 with orientation 6 is shown 300×400; trim.top=100 cuts the displayed top, the stored left.
    const plan = planTransform(master(400, 300, 6), options('trim.top=100'), limits);
    expect(plan.geometry.crop).toEqual({ x: 0, y: 100, width: 300, height: 300 });
    expect(plan.storedCrop).toEqual({ x: 100, y: 0, width: 300, height: 300 });
  });

  it('refuses an output over the limits (413) before anything is read', () => {
    expect(() => planTransform(master(100, 10000), options('width=1000,fit=contain'), limits)).toThrow(expect.objectContaining({ status: 413 }));
    expect(() => planTransform(master(4000, 3000), options('width=3000,height=3000,fit=pad'), limits)).toThrow(expect.objectContaining({ status: 413 }));
  });
});

describe('transparency and the canvas colour', () => {
  it('the output keeps alpha only when the master has it, the format keeps it and no opaque background hides it', () => {
    expect(outputHasAlpha(master(1, 1, 1, true), options('fit=scale-down'), 'png')).toBe(true);
    expect(outputHasAlpha(master(1, 1, 1, true), options('fit=scale-down'), 'jpeg')).toBe(false);
    expect(outputHasAlpha(master(1, 1, 1, false), options('fit=scale-down'), 'webp')).toBe(false);
    expect(outputHasAlpha(master(1, 1, 1, true), options('background=%23fff'), 'webp')).toBe(false);
  });

  it('transparent where alpha is kept, else white; a translucent background is put on white', () => {
    expect(canvasColour(undefined, true)).toEqual({ r: 0, g: 0, b: 0, a: 0 });
    expect(canvasColour(undefined, false)).toEqual({ r: 255, g: 255, b: 255, a: 255 });
    expect(canvasColour({ r: 0, g: 0, b: 0, a: 128 }, false)).toEqual({ r: 127, g: 127, b: 127, a: 255 });
  });
});

describe('planTransform with what the pre-pass found', () => {
  it('plans within the border found (stored coordinates), before rotate', () => {
    const plan = planTransform(master(100, 50), options('rotate=90'), limits, { border: { x: 10, y: 5, width: 60, height: 40 } });
    expect(plan.storedCrop).toEqual({ x: 10, y: 5, width: 60, height: 40 });
    expect(plan.geometry.canvas).toEqual({ width: 40, height: 60 });
    expect(plan.region).toEqual({ x: 5, y: 10, width: 40, height: 60 });
  });

  it('places the crop on the focal point, and zoom narrows the region around it', () => {
    const focused = planTransform(master(400, 100), options('width=100,height=100,fit=cover,gravity=auto'), limits, { focus: { x: 0.9, y: 0.5 } });
    expect(focused.geometry.crop).toEqual({ x: 300, y: 0, width: 100, height: 100 });
    // zoom=1: a quarter of each side (100×25) around x = 0.5 of 400, then the square crop of it (25×25), centred.
    const zoomed = planTransform(master(400, 100), options('width=100,height=100,fit=cover,gravity=face,zoom=1'), limits, { focus: { x: 0.5, y: 0.5 } });
    expect(zoomed.geometry.crop).toEqual({ x: 188, y: 38, width: 25, height: 25 });
    expect(zoomed.geometry.canvas).toEqual({ width: 100, height: 100 });
    // Without a focal point, auto and face are the centre crop.
    expect(planTransform(master(400, 100), options('width=100,height=100,fit=cover,gravity=face'), limits).geometry.crop.x).toBe(150);
  });
});
