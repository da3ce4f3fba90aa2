/**
 * `trim=border`: the bounding box of everything that is not the border colour, found on rows read once, top to
 * bottom, so the image can be a decoder's stream (only the box and the current row are kept). Pure.
 */
import type { RGBA } from '../../options/types.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Whether two RGBA pixels are within `slack` of each other on every channel, colours compared premultiplied (so any
 * two fully transparent pixels match, whatever RGB they carry).
 */
export function sameColour(r: number, g: number, b: number, a: number, colour: RGBA, slack: number): boolean {
  if (Math.abs(a - colour.a) > slack) return false;
  const k = a / 255;
  const kc = colour.a / 255;
  return Math.abs(r * k - colour.r * kc) <= slack && Math.abs(g * k - colour.g * kc) <= slack && Math.abs(b * k - colour.b * kc) <= slack;
}

/** One colour's box as rows arrive. */
class Tracker {
  left = Infinity;
  right = -1;
  top = -1;
  bottom = -1;
  constructor(readonly colour: RGBA) {}

  add(row: Uint8ClampedArray, y: number, width: number, slack: number): void {
    const matches = (x: number) => sameColour(row[x * 4]!, row[x * 4 + 1]!, row[x * 4 + 2]!, row[x * 4 + 3]!, this.colour, slack);
    let first = 0;
    while (first < width && matches(first)) first++;
    if (first === width) return;
    let last = width - 1;
    while (last > first && matches(last)) last--;
    if (this.top < 0) this.top = y;
    this.bottom = y;
    this.left = Math.min(this.left, first);
    this.right = Math.max(this.right, last);
  }
}

function pixelAt(row: Uint8ClampedArray, x: number): RGBA {
  return { r: row[x * 4]!, g: row[x * 4 + 1]!, b: row[x * 4 + 2]!, a: row[x * 4 + 3]! };
}

/**
 * Scans an image row by row for its border. With a `colour`, that colour is the border; without, the colour of a
 * top corner: both top corners are tracked, and at the end the one most of the four corners share wins (the top-left
 * on a tie). A pixel is border when every channel is within `255 − tolerance` of the colour (Cloudflare's scale: 255
 * must match exactly, 0 matches anything).
 */
export class BorderScan {
  readonly #slack: number;
  #trackers: Tracker[] = [];
  #corners: RGBA[] = [];
  #rows = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly options: { colour?: RGBA; tolerance: number },
  ) {
    this.#slack = 255 - options.tolerance;
    if (options.colour) this.#trackers = [new Tracker(options.colour)];
  }

  /** Row `y` (RGBA, `width` × 4 bytes); rows come in order, each once. */
  add(row: Uint8ClampedArray, y: number): void {
    if (y !== this.#rows) throw new RangeError(`border scan expected row ${this.#rows}, got ${y}`);
    this.#rows++;
    if (y === 0 || y === this.height - 1) this.#corners.push(pixelAt(row, 0), pixelAt(row, this.width - 1));
    if (y === 0 && this.#trackers.length === 0) this.#trackers = [new Tracker(pixelAt(row, 0)), new Tracker(pixelAt(row, this.width - 1))];
    for (const tracker of this.#trackers) tracker.add(row, y, this.width, this.#slack);
  }

  /** The box of what is not border, grown by `keep` pixels a side within the image; the whole image when all is border. */
  result(keep: number): Box {
    if (this.#rows !== this.height) throw new RangeError(`border scan read ${this.#rows} of ${this.height} rows`);
    const votes = (t: Tracker) => this.#corners.filter((c) => sameColour(c.r, c.g, c.b, c.a, t.colour, this.#slack)).length;
    const tracker = this.#trackers.reduce((best, t) => (votes(t) > votes(best) ? t : best));
    if (tracker.top < 0) return { x: 0, y: 0, width: this.width, height: this.height };
    const x = Math.max(0, tracker.left - keep);
    const y = Math.max(0, tracker.top - keep);
    return {
      x,
      y,
      width: Math.min(this.width, tracker.right + 1 + keep) - x,
      height: Math.min(this.height, tracker.bottom + 1 + keep) - y,
    };
  }
}
