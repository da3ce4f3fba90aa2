import { describe, expect, it } from 'vitest';
import { orientedSize, outputPixels, planResize } from '../../src/options/geometry';
import type { Fit, Gravity, ResizePlan, Rotation, Size } from '../../src/options/types';

type Pair = [number, number];

/** A plan written compactly: crop [x, y, w, h], resize [w, h], canvas [w, h] (default: resize), offset [x, y]. */
function expected(crop: [number, number, number, number], resize: Pair, canvas: Pair = resize, offset: Pair = [0, 0]): ResizePlan {
  return {
    crop: { x: crop[0], y: crop[1], width: crop[2], height: crop[3] },
    resize: { width: resize[0], height: resize[1] },
    canvas: { width: canvas[0], height: canvas[1] },
    offset: { x: offset[0], y: offset[1] },
  };
}

function size([width, height]: Pair): Size {
  return { width, height };
}

function plan(source: Pair, width: number | undefined, height: number | undefined, fit: Fit, gravity: Gravity = 'auto', dpr = 1) {
  return planResize(size(source), { width, height, dpr, fit, gravity });
}

const landscape: Pair = [1200, 800];
const portrait: Pair = [800, 1200];
const small: Pair = [300, 200];

describe('orientedSize', () => {
  it.each<[number, Rotation, Pair]>([
    [1, 0, [1200, 800]],
    [2, 0, [1200, 800]],
    [3, 0, [1200, 800]],
    [4, 0, [1200, 800]],
    [5, 0, [800, 1200]],
    [6, 0, [800, 1200]],
    [7, 0, [800, 1200]],
    [8, 0, [800, 1200]],
    [1, 90, [800, 1200]],
    [1, 180, [1200, 800]],
    [1, 270, [800, 1200]],
    [6, 90, [1200, 800]],
    [8, 270, [1200, 800]],
    [5, 180, [800, 1200]],
    [4, 180, [1200, 800]],
    [3, 90, [800, 1200]],
    [0, 0, [1200, 800]],
    [9, 0, [1200, 800]],
  ])('orientation %i, rotate %i → %j', (orientation, rotate, result) => {
    expect(orientedSize(1200, 800, orientation, rotate)).toStrictEqual(size(result));
  });
});

describe('planResize: both sides, 400×400', () => {
  it.each<[Fit, Pair, ResizePlan]>([
    ['scale-down', landscape, expected([0, 0, 1200, 800], [400, 267])],
    ['scale-down', portrait, expected([0, 0, 800, 1200], [267, 400])],
    ['scale-down', small, expected([0, 0, 300, 200], [300, 200])],
    ['contain', landscape, expected([0, 0, 1200, 800], [400, 267])],
    ['contain', portrait, expected([0, 0, 800, 1200], [267, 400])],
    ['contain', small, expected([0, 0, 300, 200], [400, 267])],
    ['cover', landscape, expected([200, 0, 800, 800], [400, 400])],
    ['cover', portrait, expected([0, 200, 800, 800], [400, 400])],
    ['cover', small, expected([50, 0, 200, 200], [400, 400])],
    ['crop', landscape, expected([200, 0, 800, 800], [400, 400])],
    ['crop', portrait, expected([0, 200, 800, 800], [400, 400])],
    ['crop', small, expected([0, 0, 300, 200], [300, 200])],
    ['pad', landscape, expected([0, 0, 1200, 800], [400, 267], [400, 400], [0, 66])],
    ['pad', portrait, expected([0, 0, 800, 1200], [267, 400], [400, 400], [66, 0])],
    ['pad', small, expected([0, 0, 300, 200], [400, 267], [400, 400], [0, 66])],
  ])('%s of %j', (fit, source, result) => {
    expect(plan(source, 400, 400, fit)).toStrictEqual(result);
  });

  it.each<[Fit, Pair, number, number, ResizePlan]>([
    // exactly the source size: nothing to scale or crop
    ['scale-down', landscape, 1200, 800, expected([0, 0, 1200, 800], [1200, 800])],
    ['cover', landscape, 1200, 800, expected([0, 0, 1200, 800], [1200, 800])],
    // scale-down with one side larger than the source still shrinks by the other
    ['scale-down', landscape, 2000, 400, expected([0, 0, 1200, 800], [600, 400])],
    // crop: the cover scale would be ≥ 1, so no enlarging: keep min(target, source) on each axis, centred
    ['crop', small, 400, 100, expected([0, 50, 300, 100], [300, 100])],
    // crop: the cover scale is < 1, so it behaves as cover
    ['crop', landscape, 600, 100, expected([0, 300, 1200, 200], [600, 100])],
    ['cover', landscape, 600, 100, expected([0, 300, 1200, 200], [600, 100])],
    // cover enlarging a thin strip
    ['cover', small, 600, 100, expected([0, 75, 300, 50], [600, 100])],
  ])('%s of %j into %i×%i', (fit, source, width, height, result) => {
    expect(plan(source, width, height, fit)).toStrictEqual(result);
  });
});

describe('planResize: one side', () => {
  const fits: Fit[] = ['scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze'];

  it.each(fits)('%s: width 600 of a 1200×800 source follows the aspect ratio', (fit) => {
    expect(plan(landscape, 600, undefined, fit)).toStrictEqual(expected([0, 0, 1200, 800], [600, 400]));
  });

  it.each(fits)('%s: height 600 of an 800×1200 source follows the aspect ratio', (fit) => {
    expect(plan(portrait, undefined, 600, fit)).toStrictEqual(expected([0, 0, 800, 1200], [400, 600]));
  });

  it.each<[Fit, Pair]>([
    ['scale-down', [300, 200]],
    ['crop', [300, 200]],
    ['contain', [600, 400]],
    ['cover', [600, 400]],
    ['pad', [600, 400]],
    ['squeeze', [600, 400]],
  ])('%s: width 600 of a 300×200 source gives %j', (fit, resize) => {
    expect(plan(small, 600, undefined, fit)).toStrictEqual(expected([0, 0, 300, 200], resize));
  });

  it.each<[Fit, Pair]>([
    ['scale-down', [300, 200]],
    ['contain', [600, 400]],
  ])('%s: height 400 of a 300×200 source gives %j', (fit, resize) => {
    expect(plan(small, undefined, 400, fit)).toStrictEqual(expected([0, 0, 300, 200], resize));
  });

  it.each(fits)('%s: neither side keeps the source, even with dpr', (fit) => {
    expect(plan(landscape, undefined, undefined, fit, 'left', 2)).toStrictEqual(expected([0, 0, 1200, 800], [1200, 800]));
  });
});

describe('planResize: squeeze', () => {
  it.each<[Pair, number, number, Pair]>([
    [landscape, 400, 400, [400, 400]],
    [portrait, 300, 100, [300, 100]],
    [small, 600, 100, [600, 100]],
    [small, 1000, 1000, [1000, 1000]],
    [[1, 10000], 100, 7, [100, 7]],
  ])('%j to %i×%i stretches the whole source to exactly %j, enlarging too', (source, width, height, resize) => {
    expect(plan(source, width, height, 'squeeze', 'left')).toStrictEqual(expected([0, 0, source[0], source[1]], resize));
  });

  it('multiplies both sides by dpr', () => {
    expect(plan(landscape, 200, 50, 'squeeze', 'auto', 2)).toStrictEqual(expected([0, 0, 1200, 800], [400, 100]));
  });

  it('with height only follows the aspect ratio and may enlarge, like contain', () => {
    expect(plan(small, undefined, 400, 'squeeze')).toStrictEqual(expected([0, 0, 300, 200], [600, 400]));
  });
});

describe('planResize: dpr', () => {
  it('multiplies both sides before planning', () => {
    expect(plan(landscape, 400, 400, 'cover', 'auto', 1.5)).toStrictEqual(expected([200, 0, 800, 800], [600, 600]));
  });

  it('rounds the product', () => {
    expect(plan(landscape, 333, undefined, 'scale-down', 'auto', 1.5)).toStrictEqual(expected([0, 0, 1200, 800], [500, 333]));
  });

  it('still never enlarges with scale-down', () => {
    expect(plan(small, 200, undefined, 'scale-down', 'auto', 2)).toStrictEqual(expected([0, 0, 300, 200], [300, 200]));
  });
});

describe('planResize: gravity picks the crop window', () => {
  // cover 400×400: a landscape 1200×800 keeps an 800×800 window (400 px free on x),
  // a portrait 800×1200 keeps 800×800 (400 px free on y).
  it.each<[Gravity, Pair, Pair]>([
    ['auto', [200, 0], [0, 200]],
    ['center', [200, 0], [0, 200]],
    ['left', [0, 0], [0, 200]],
    ['right', [400, 0], [0, 200]],
    ['top', [200, 0], [0, 0]],
    ['bottom', [200, 0], [0, 400]],
    [{ x: 0.5, y: 0.5 }, [200, 0], [0, 200]],
    [{ x: 0, y: 0 }, [0, 0], [0, 0]],
    [{ x: 1, y: 1 }, [400, 0], [0, 400]],
    [{ x: 0.25, y: 0.3 }, [0, 0], [0, 0]],
    [{ x: 0.4, y: 0.4 }, [80, 0], [0, 80]],
    [{ x: 0.6, y: 0.6 }, [320, 0], [0, 320]],
    [{ x: 0.75, y: 0.9 }, [400, 0], [0, 400]],
  ])('%j → landscape at %j, portrait at %j', (gravity, landscapeAt, portraitAt) => {
    for (const fit of ['cover', 'crop'] as const) {
      expect(plan(landscape, 400, 400, fit, gravity).crop).toStrictEqual({ x: landscapeAt[0], y: landscapeAt[1], width: 800, height: 800 });
      expect(plan(portrait, 400, 400, fit, gravity).crop).toStrictEqual({ x: portraitAt[0], y: portraitAt[1], width: 800, height: 800 });
    }
  });

  it.each<Gravity>(['left', 'bottom', { x: 0, y: 1 }])('pad ignores gravity %j and centres', (gravity) => {
    expect(plan(landscape, 400, 400, 'pad', gravity)).toStrictEqual(plan(landscape, 400, 400, 'pad', 'auto'));
  });

  it('crop without enlarging honours gravity too', () => {
    expect(plan(small, 400, 100, 'crop', 'bottom').crop).toStrictEqual({ x: 0, y: 100, width: 300, height: 100 });
    expect(plan(small, 400, 100, 'crop', 'top').crop).toStrictEqual({ x: 0, y: 0, width: 300, height: 100 });
  });
});

describe('planResize: tiny and extreme shapes', () => {
  it.each<[Pair, number | undefined, number | undefined, Fit, ResizePlan]>([
    [[1, 1], 100, 100, 'scale-down', expected([0, 0, 1, 1], [1, 1])],
    [[1, 1], 100, 100, 'contain', expected([0, 0, 1, 1], [100, 100])],
    [[1, 1], 100, 100, 'cover', expected([0, 0, 1, 1], [100, 100])],
    [[1, 1], 100, 100, 'crop', expected([0, 0, 1, 1], [1, 1])],
    [[1, 1], 100, 100, 'pad', expected([0, 0, 1, 1], [100, 100], [100, 100])],
    [[1, 1], 1, 1, 'cover', expected([0, 0, 1, 1], [1, 1])],
    [[10000, 1], 100, undefined, 'scale-down', expected([0, 0, 10000, 1], [100, 1])],
    [[1, 10000], undefined, 100, 'scale-down', expected([0, 0, 1, 10000], [1, 100])],
    [[1, 10000], 100, undefined, 'scale-down', expected([0, 0, 1, 10000], [1, 10000])],
    [[1, 10000], 100, 100, 'scale-down', expected([0, 0, 1, 10000], [1, 100])],
    [[10000, 1], 100, 100, 'contain', expected([0, 0, 10000, 1], [100, 1])],
    [[10000, 1], 100, 100, 'pad', expected([0, 0, 10000, 1], [100, 1], [100, 100], [0, 49])],
    [[10000, 1], 100, 100, 'cover', expected([5000, 0, 1, 1], [100, 100])],
    [[1, 10000], 100, 100, 'cover', expected([0, 5000, 1, 1], [100, 100])],
    [[10000, 1], 100, 50, 'crop', expected([4950, 0, 100, 1], [100, 1])],
    // contain may enlarge without bound: callers check the plan against their output limit
    [[1, 10000], 100, undefined, 'contain', expected([0, 0, 1, 10000], [100, 1000000])],
  ])('%j to %s×%s, %s', (source, width, height, fit, result) => {
    expect(plan(source, width, height, fit)).toStrictEqual(result);
  });

  it('keeps every plan whole, positive and inside the source', () => {
    const sources: Pair[] = [[1, 1], [1, 10000], [10000, 1], [3, 7], [1200, 800], [800, 1200], [300, 200], [4001, 2999]];
    const targets: Array<[number | undefined, number | undefined]> = [
      [1, 1], [1, undefined], [undefined, 1], [7, 3], [100, 100], [640, undefined], [undefined, 480], [1999, 1001], [8192, 8192],
    ];
    const fits: Fit[] = ['scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze'];
    const gravities: Gravity[] = ['auto', 'left', 'right', 'top', 'bottom', { x: 0.13, y: 0.87 }];
    const whole = (...values: number[]) => values.every((value) => Number.isInteger(value) && value >= 0);
    const broken: string[] = [];
    let checked = 0;
    for (const source of sources) {
      for (const [width, height] of targets) {
        for (const fit of fits) {
          for (const gravity of gravities) {
            for (const dpr of [1, 1.5, 3]) {
              const { crop, resize, canvas, offset } = plan(source, width, height, fit, gravity, dpr);
              const sides = [crop.width, crop.height, resize.width, resize.height, canvas.width, canvas.height];
              const ok =
                whole(...sides, crop.x, crop.y, offset.x, offset.y) &&
                sides.every((side) => side >= 1) &&
                crop.x + crop.width <= source[0] &&
                crop.y + crop.height <= source[1] &&
                offset.x + resize.width <= canvas.width &&
                offset.y + resize.height <= canvas.height &&
                (fit === 'contain' || fit === 'cover' || fit === 'pad' || fit === 'squeeze' || (resize.width <= source[0] && resize.height <= source[1]));
              if (!ok) broken.push(JSON.stringify({ source, width, height, fit, gravity, dpr }));
              checked++;
            }
          }
        }
      }
    }
    expect(broken).toStrictEqual([]);
    expect(checked).toBe(8 * 9 * 6 * 6 * 3);
  });
});

describe('outputPixels', () => {
  it('counts the canvas, padding included', () => {
    expect(outputPixels(plan(landscape, 400, 400, 'pad'))).toBe(160_000);
    expect(outputPixels(plan(landscape, 400, 400, 'scale-down'))).toBe(400 * 267);
    expect(outputPixels(plan([1, 1], undefined, undefined, 'scale-down'))).toBe(1);
  });
});

describe('planResize: aspect-crop', () => {
  it('is cover when the source is larger than the box', () => {
    expect(plan(landscape, 400, 400, 'aspect-crop')).toEqual(plan(landscape, 400, 400, 'cover'));
  });

  it('never enlarges, but still cuts to the asked aspect ratio (Cloudflare: 612×613 at 1920×1120 → 612×357)', () => {
    expect(plan([612, 613], 1920, 1120, 'aspect-crop')).toEqual(expected([0, 128, 612, 357], [612, 357]));
    // crop keeps a small source whole; aspect-crop does not.
    expect(plan([612, 613], 1920, 1120, 'crop')).toEqual(expected([0, 0, 612, 613], [612, 613]));
  });

  it('takes gravity for where the window sits, and with one side scales down only', () => {
    expect(plan(small, 600, 100, 'aspect-crop', 'top')).toEqual(expected([0, 0, 300, 50], [300, 50]));
    expect(plan(small, 600, undefined, 'aspect-crop')).toEqual(expected([0, 0, 300, 200], [300, 200]));
    expect(plan(small, 150, undefined, 'aspect-crop')).toEqual(expected([0, 0, 300, 200], [150, 100]));
  });
});
