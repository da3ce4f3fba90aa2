/**
 * Orientation as one of the eight symmetries of a rectangle: EXIF orientation, `flip` and `rotate`
 * compose into a single operation, so pixels are moved once, after the resize, when there are fewest
 * (pipeline/pixels/orient.ts moves them). Pure geometry.
 */
import type { Flip, Rect, Rotation, Size } from './types.js';

/**
 * Maps a displayed pixel (x′, y′) to the stored pixel it shows: with `transpose` the axes swap first
 * (u = y′, v = x′, else u = x′, v = y′), then `flipX` mirrors u across the stored width and `flipY` v
 * across the stored height.
 */
export interface Orientation {
  transpose: boolean;
  flipX: boolean;
  flipY: boolean;
}

const exifTable: Record<number, Orientation> = {
  1: { transpose: false, flipX: false, flipY: false },
  2: { transpose: false, flipX: true, flipY: false },
  3: { transpose: false, flipX: true, flipY: true },
  4: { transpose: false, flipX: false, flipY: true },
  5: { transpose: true, flipX: false, flipY: false },
  6: { transpose: true, flipX: false, flipY: true },
  7: { transpose: true, flipX: true, flipY: true },
  8: { transpose: true, flipX: true, flipY: false },
};

export const identity: Orientation = exifTable[1]!;

export function fromExif(orientation: number): Orientation {
  return exifTable[orientation] ?? identity;
}

/** Clockwise rotation, as Cloudflare's `rotate`. */
export function fromRotation(degrees: Rotation): Orientation {
  return fromExif({ 0: 1, 90: 6, 180: 3, 270: 8 }[degrees]);
}

export function fromFlip(flip: Flip | undefined): Orientation {
  return fromExif(flip === 'h' ? 2 : flip === 'v' ? 4 : flip === 'hv' ? 3 : 1);
}

export function isIdentity(o: Orientation): boolean {
  return !o.transpose && !o.flipX && !o.flipY;
}

export function displayedSize(stored: Size, o: Orientation): Size {
  return o.transpose ? { width: stored.height, height: stored.width } : stored;
}

/** The stored coordinate that displayed pixel (x, y) shows. */
export function toStored(x: number, y: number, stored: Size, o: Orientation): [number, number] {
  const u = o.transpose ? y : x;
  const v = o.transpose ? x : y;
  return [o.flipX ? stored.width - 1 - u : u, o.flipY ? stored.height - 1 - v : v];
}

/** `first` applied to the stored image, then `second` to what `first` shows. */
export function compose(first: Orientation, second: Orientation): Orientation {
  // Found by probing: the composite is the one of the eight that maps corners the same way.
  const stored = { width: 2, height: 3 };
  const middle = displayedSize(stored, first);
  const final = displayedSize(middle, second);
  const probe = (o: Orientation, x: number, y: number) => toStored(x, y, stored, o).join();
  const expected = (x: number, y: number) => {
    const [mx, my] = toStored(x, y, middle, second);
    return toStored(mx, my, stored, first).join();
  };
  for (const candidate of Object.values(exifTable)) {
    if (displayedSize(stored, candidate).width !== final.width) continue;
    if (probe(candidate, 0, 0) === expected(0, 0) && probe(candidate, 1, 0) === expected(1, 0)) return candidate;
  }
  throw new Error('unreachable: the eight symmetries are closed under composition');
}

/** The stored rectangle that a displayed rectangle shows. */
export function rectToStored(rect: Rect, stored: Size, o: Orientation): Rect {
  const [x1, y1] = toStored(rect.x, rect.y, stored, o);
  const [x2, y2] = toStored(rect.x + rect.width - 1, rect.y + rect.height - 1, stored, o);
  const x = Math.min(x1, x2);
  const y = Math.min(y1, y2);
  return { x, y, width: Math.abs(x2 - x1) + 1, height: Math.abs(y2 - y1) + 1 };
}
