/** trim resolved against the master's size, and the displayed/stored mapping the plan uses to place it. Pure. */
import { describe, expect, it } from 'vitest';
import { fromExif, rectToStored } from '../../src/options/orientation.js';
import { rectFromStored, trimRect } from '../../src/options/trim.js';
import type { Rect, Trim } from '../../src/options/types.js';

const size = { width: 64, height: 48 };
const trim = (parts: Partial<Trim>): Trim => ({ top: 0, right: 0, bottom: 0, left: 0, ...parts });
const rect = (x: number, y: number, width: number, height: number): Rect => ({ x, y, width, height });

describe('trimRect', () => {
  it.each<[Partial<Trim>, number, Rect]>([
    [{}, 1, rect(0, 0, 64, 48)],
    [{ top: 2, right: 4, bottom: 6, left: 8 }, 1, rect(8, 2, 52, 40)],
    [{ top: 2, right: 4, bottom: 6, left: 8 }, 2, rect(16, 4, 40, 32)],
    [{ left: 10, width: 20 }, 1, rect(10, 0, 20, 48)],
    [{ top: 5, height: 10, bottom: 30 }, 1, rect(0, 5, 64, 10)], // height wins over bottom
    [{ left: 60, width: 20 }, 1, rect(60, 0, 4, 48)], // cut back to the image
    [{ width: 10, height: 10 }, 1.5, rect(0, 0, 15, 15)],
    [{ left: 0.4, right: 0.6 }, 1, rect(0, 0, 63, 48)], // decimals round, after dpr
  ])('%j at dpr %d keeps %j', (parts, dpr, expected) => {
    expect(trimRect(size, trim(parts), dpr)).toEqual(expected);
  });

  it.each<Partial<Trim>>([{ left: 64 }, { left: 30, right: 34 }, { top: 48 }, { top: 40, bottom: 8 }, { left: 100, width: 5 }])(
    '%j leaves nothing: 400 naming trim',
    (parts) => {
      expect(() => trimRect(size, trim(parts), 1)).toThrow(expect.objectContaining({ status: 400, detail: expect.stringContaining('trim') }));
    },
  );
});

describe('rectFromStored', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('undoes rectToStored under orientation %i', (exif) => {
    const o = fromExif(exif);
    const stored = { width: 7, height: 5 };
    const displayed = o.transpose ? { width: 5, height: 7 } : stored;
    for (const r of [rect(0, 0, 1, 1), rect(1, 2, 3, 2), rect(0, 0, displayed.width, displayed.height), rect(displayed.width - 2, 1, 2, 3)]) {
      expect(rectFromStored(rectToStored(r, stored, o), stored, o)).toEqual(r);
    }
  });
});
