/**
 * A box-filter shrink for previews: each output pixel is the alpha-weighted mean of the source pixels it covers. Far
 * cheaper than the resampler's windowed filter (one add per source channel), and plenty for saliency. Takes the
 * source's rows one at a time, in order (pushed by the caller, so the source can be a decoder's stream). Pure.
 */
import type { RowSource } from './resample.js';
import type { Pixels } from './rgba.js';

/**
 * A `sourceWidth × sourceHeight` image shrunk to `width × height` (each at most the source's) as its rows arrive.
 * Colour is averaged weighted by alpha, so the RGB of transparent pixels does not bleed into their neighbours.
 */
export class BoxShrink {
  readonly #column: Int32Array;
  readonly #sums: Float64Array;
  readonly #counts: Float64Array;
  readonly #data: Uint8ClampedArray;
  #outY = 0;
  #rows = 0;

  constructor(
    readonly sourceWidth: number,
    readonly sourceHeight: number,
    readonly width: number,
    readonly height: number,
  ) {
    if (width > sourceWidth || height > sourceHeight || width < 1 || height < 1) {
      throw new RangeError(`a box shrink of ${sourceWidth}×${sourceHeight} to ${width}×${height} does not shrink`);
    }
    this.#column = new Int32Array(sourceWidth);
    for (let x = 0; x < sourceWidth; x++) this.#column[x] = Math.min(width - 1, Math.floor((x * width) / sourceWidth));
    this.#sums = new Float64Array(width * 4);
    this.#counts = new Float64Array(width);
    this.#data = new Uint8ClampedArray(width * height * 4);
  }

  /** Row `y` (RGBA, `sourceWidth` × 4 bytes); rows come in order, each once. */
  add(row: Uint8ClampedArray, y: number): void {
    if (y !== this.#rows) throw new RangeError(`box shrink expected row ${this.#rows}, got ${y}`);
    this.#rows++;
    const sums = this.#sums;
    const counts = this.#counts;
    for (let x = 0; x < this.sourceWidth; x++) {
      const c = this.#column[x]!;
      const o = c * 4;
      const a = row[x * 4 + 3]!;
      sums[o] = sums[o]! + row[x * 4]! * a;
      sums[o + 1] = sums[o + 1]! + row[x * 4 + 1]! * a;
      sums[o + 2] = sums[o + 2]! + row[x * 4 + 2]! * a;
      sums[o + 3] = sums[o + 3]! + a;
      counts[c] = counts[c]! + 1;
    }
    // The last source row of output row #outY (or of several, when shrinking less than 2×): write it out.
    const { width, height, sourceHeight } = this;
    const next = y + 1 === sourceHeight ? height : Math.min(height, Math.floor(((y + 1) * height) / sourceHeight));
    if (next <= this.#outY) return;
    const data = this.#data;
    const at0 = this.#outY * width * 4;
    for (let x = 0; x < width; x++) {
      const alpha = sums[x * 4 + 3]!;
      const at = at0 + x * 4;
      if (alpha > 0) {
        data[at] = sums[x * 4]! / alpha;
        data[at + 1] = sums[x * 4 + 1]! / alpha;
        data[at + 2] = sums[x * 4 + 2]! / alpha;
      }
      data[at + 3] = alpha / counts[x]!;
    }
    for (let extra = this.#outY + 1; extra < next; extra++) data.copyWithin(extra * width * 4, at0, at0 + width * 4);
    this.#outY = next;
    sums.fill(0);
    counts.fill(0);
  }

  /** The shrunk image, once every row has been added. */
  result(): Pixels {
    if (this.#rows !== this.sourceHeight) throw new RangeError(`box shrink read ${this.#rows} of ${this.sourceHeight} rows`);
    return { data: this.#data, width: this.width, height: this.height };
  }
}

/**
 * `source` shrunk to `width × height`, reading its rows in order.
 *
 * @example
 * boxShrink(rowsOf(image4000x3000), 256, 192) // → 256×192, each pixel the mean of a ~15.6×15.6 box
 */
export function boxShrink(source: RowSource, width: number, height: number): Pixels {
  const shrink = new BoxShrink(source.width, source.height, width, height);
  for (let y = 0; y < source.height; y++) shrink.add(source.row(y), y);
  return shrink.result();
}
