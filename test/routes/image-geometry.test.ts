/**
 * Fit modes, gravity, rotation, orientation, padding and flattening, checked on the pixels that come back.
 * The fixtures' known content is in test/fixtures/README.md; PNG output keeps the pixels exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import alphaHalf from '../fixtures/alpha-left-half-32x32.png?bytes';
import orientation6 from '../fixtures/exif-orientation-6-48x32.jpg?bytes';
import pixel from '../fixtures/pixel-1x1.png?bytes';
import quadrants from '../fixtures/quadrants-64x48.png?bytes';
import tall from '../fixtures/strip-1x300.png?bytes';
import wide from '../fixtures/strip-300x1.png?bytes';
import { type Decoded, decodeAny, meanColour } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

const red = [255, 0, 0, 255];
const green = [0, 255, 0, 255];
const blue = [0, 0, 255, 255];
const white = [255, 255, 255, 255];

beforeAll(async () => {
  await putMaster('q.png', quadrants);
  await putMaster('o6.jpg', orientation6);
  await putMaster('alpha.png', alphaHalf);
  await putMaster('pixel.png', pixel);
  await putMaster('tall.png', tall);
  await putMaster('wide.png', wide);
});

async function transform(options: string, key = 'q.png'): Promise<Decoded> {
  const response = await get(`/cdn-cgi/image/${options}/${key}`);
  if (response.status !== 200) expect.fail(`${response.status}: ${await response.text()}`);
  return decodeAny(await bodyBytes(response));
}

function at(image: Decoded, x: number, y: number): number[] {
  return Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
}

function size(image: Decoded) {
  return `${image.width}×${image.height}`;
}

describe('fit', () => {
  it.each([
    ['scale-down shrinks', 'width=32', '32×24'],
    ['scale-down never enlarges', 'width=128', '64×48'],
    ['scale-down fits both sides', 'width=32,height=12', '16×12'],
    ['contain enlarges', 'width=128,height=128,fit=contain', '128×96'],
    ['cover fills exactly', 'width=32,height=32,fit=cover', '32×32'],
    ['cover enlarges', 'width=128,height=128,fit=cover', '128×128'],
    ['crop never enlarges', 'width=128,height=32,fit=crop', '64×32'],
    ['crop shrinks like cover', 'width=16,height=16,fit=crop', '16×16'],
    ['pad makes the exact canvas', 'width=100,height=100,fit=pad', '100×100'],
    ['squeeze stretches to both sides', 'width=16,height=96,fit=squeeze', '16×96'],
    ['squeeze enlarges one axis and shrinks the other', 'width=128,height=24,fit=squeeze', '128×24'],
    ['squeeze with one side follows the aspect ratio', 'width=128,fit=squeeze', '128×96'],
    ['height alone follows the aspect ratio', 'height=24', '32×24'],
    ['dpr multiplies', 'width=16,dpr=2', '32×24'],
    ['no size keeps the master size', 'fit=scale-down', '64×48'],
  ])('%s (%s)', async (_, options, expected) => {
    expect(size(await transform(`${options},format=png`))).toBe(expected);
  });
});

describe('squeeze keeps the whole master, deformed', () => {
  it('every quadrant is still in its corner at 128×24', async () => {
    const image = await transform('width=128,height=24,fit=squeeze,format=png');
    expect(at(image, 4, 2)).toEqual(red);
    expect(at(image, 123, 2)).toEqual(green);
    expect(at(image, 4, 21)).toEqual(blue);
  });
});

describe('gravity picks what a crop keeps', () => {
  // cover to 16×48 keeps the scale (48/48) and cuts a 16-px column out of the 64-px width.
  it.each([
    ['left', red, red],
    ['right', green, green],
    ['center', red, green],
    ['0.9x0.5', green, green],
    ['0.1x0.5', red, red],
  ])('gravity=%s', async (gravity, left, right) => {
    const image = await transform(`width=16,height=48,fit=cover,gravity=${gravity},format=png`);
    expect(size(image)).toBe('16×48');
    expect(at(image, 1, 4)).toEqual(left);
    expect(at(image, 14, 4)).toEqual(right);
  });

  it.each([
    ['top', red],
    ['bottom', blue],
  ])('gravity=%s on a crop that cuts rows', async (gravity, colour) => {
    // crop to 64×32 from 64×48: top keeps rows 0–31, bottom rows 16–47; output row 20 is source row 20 or 36.
    const image = await transform(`width=128,height=32,fit=crop,gravity=${gravity},format=png`);
    expect(at(image, 4, 20)).toEqual(colour);
  });
});

describe('pad and background', () => {
  it('letterboxes onto white by default, centred', async () => {
    const image = await transform('width=100,height=100,fit=pad,format=png');
    // 64×48 → 100×75, placed at y = 12.
    expect(at(image, 50, 2)).toEqual(white);
    expect(at(image, 50, 97)).toEqual(white);
    expect(at(image, 10, 20)).toEqual(red);
    expect(at(image, 90, 80)).toEqual(white);
    expect(at(image, 10, 80)).toEqual(blue);
  });

  it('letterboxes onto the background colour', async () => {
    const image = await transform('width=100,height=100,fit=pad,background=%23ff00ff,format=png');
    expect(at(image, 50, 2)).toEqual([255, 0, 255, 255]);
  });

  it('keeps transparent padding around a transparent master', async () => {
    const image = await transform('width=64,height=32,fit=pad,format=png', 'alpha.png');
    expect(size(image)).toBe('64×32');
    expect(at(image, 2, 16)![3]).toBe(0);
    expect(at(image, 40, 16)).toEqual(red);
  });
});

describe('transparency', () => {
  it('keeps alpha in PNG and WebP', async () => {
    for (const format of ['png', 'webp']) {
      const image = await transform(`format=${format}`, 'alpha.png');
      expect(at(image, 4, 4)![3]).toBe(0);
      expect(at(image, 28, 4)![3]).toBe(255);
    }
  });

  it('flattens onto white for JPEG, and onto the background when given', async () => {
    const onWhite = await transform('format=jpeg', 'alpha.png');
    expect(meanColour(onWhite, 2, 2, 8, 28).slice(0, 3).every((c) => c > 245)).toBe(true);
    const onBlack = await transform('format=jpeg,background=%23000000', 'alpha.png');
    expect(meanColour(onBlack, 2, 2, 8, 28).slice(0, 3).every((c) => c < 10)).toBe(true);
    // The opaque half stays red either way.
    const [r, g, b] = meanColour(onBlack, 20, 2, 8, 28);
    expect(r).toBeGreaterThan(240);
    expect(g! + b!).toBeLessThan(20);
  });

  it('flattens for PNG too when the background is opaque', async () => {
    const image = await transform('format=png,background=rgb(0,0,255)', 'alpha.png');
    expect(at(image, 4, 4)).toEqual(blue);
  });
});

describe('rotate, flip and EXIF orientation', () => {
  it('rotates clockwise, with width and height meaning the rotated axes', async () => {
    const image = await transform('rotate=90,format=png');
    expect(size(image)).toBe('48×64');
    expect(at(image, 2, 2)).toEqual(blue);
    expect(at(image, 45, 2)).toEqual(red);
    expect(size(await transform('rotate=90,width=24,format=png'))).toBe('24×32');
  });

  it('flips before rotating', async () => {
    expect(at(await transform('flip=h,format=png'), 2, 2)).toEqual(green);
    expect(at(await transform('flip=v,format=png'), 2, 2)).toEqual(blue);
    // Flip h then rotate 90: green-red / white-blue → rotated clockwise, white comes to the top-left.
    expect(at(await transform('flip=h,rotate=90,format=png'), 2, 2)).toEqual(white);
  });

  it('applies EXIF orientation 6 (rotate clockwise) and sizes by the displayed axes', async () => {
    const image = await transform('format=png', 'o6.jpg');
    expect(size(image)).toBe('32×48');
    // Displayed: TL blue, TR red, BL white, BR green (stored TL red, TR green, BL blue, BR white).
    const near = (c: number[], e: number[]) => c.every((v, i) => Math.abs(v - e[i]!) <= 12);
    expect(near(meanColour(image, 4, 4, 8, 8), blue)).toBe(true);
    expect(near(meanColour(image, 20, 4, 8, 8), red)).toBe(true);
    expect(near(meanColour(image, 4, 36, 8, 8), white)).toBe(true);
    expect(near(meanColour(image, 20, 36, 8, 8), green)).toBe(true);
    expect(size(await transform('width=16,format=png', 'o6.jpg'))).toBe('16×24');
  });
});

describe('tiny and extreme shapes', () => {
  it.each([
    ['pixel.png', 'width=10', '1×1'],
    ['pixel.png', 'width=10,height=10,fit=contain', '10×10'],
    ['tall.png', 'height=100', '1×100'],
    ['tall.png', 'width=1,height=30,fit=cover', '1×30'],
    ['wide.png', 'width=100', '100×1'],
    ['wide.png', 'width=10,height=10,fit=pad', '10×10'],
  ])('%s with %s', async (key, options, expected) => {
    expect(size(await transform(`${options},format=png`, key))).toBe(expected);
  });

  it('keeps the colour of a 1×1 master when enlarging it', async () => {
    const image = await transform('width=10,height=10,fit=contain,format=png', 'pixel.png');
    expect(at(image, 5, 5)).toEqual([255, 128, 0, 255]);
  });
});

describe('effects', () => {
  it('blur mixes colours across the quadrant boundary', async () => {
    const sharp = await transform('format=png');
    const blurred = await transform('blur=4,format=png');
    expect(at(sharp, 31, 10)).toEqual(red);
    const [r, g] = at(blurred, 31, 10);
    expect(r).toBeLessThan(250);
    expect(g).toBeGreaterThan(5);
    // Far from any boundary the colour is unchanged.
    expect(at(blurred, 0, 0)).toEqual(red);
  });

  it('sharpen keeps flat areas flat', async () => {
    const image = await transform('sharpen=5,format=png');
    expect(at(image, 10, 10)).toEqual(red);
  });
});
