/**
 * A box-filter shrink for previews: each output pixel is the alpha-weighted mean of the source pixels it covers. Far
 * cheaper than the resampler's windowed filter (one add per source channel), and plenty for saliency and borders.
 * Reads each source row once, in order, so the source can be a decoder's stream. Pure.
 */
import type { RowSource } from './resample.js';
import type { Pixels } from './rgba.js';

/**
 * `source` shrunk to `width × height` (each at most the source's). Colour is averaged weighted by alpha, so the RGB
 * of transparent pixels does not bleed into their neighbours.
 *
 * @example
 * boxShrink(rowsOf(image4000x3000), 256, 192) // → 256×192, each pixel the mean of a ~15.6×15.6 box
 */
export function boxShrink(source: RowSource, width: number, height: number): Pixels {
  if (width > source.width || height > source.height || width < 1 || height < 1) {
    throw new RangeError(`a box shrink of ${source.width}×${source.height} to ${width}×${height} does not shrink`);
  }
  const column = new Int32Array(source.width);
  for (let x = 0; x < source.width; x++) column[x] = Math.min(width - 1, Math.floor((x * width) / source.width));
  const sums = new Float64Array(width * 4);
  const counts = new Float64Array(width);
  const data = new Uint8ClampedArray(width * height * 4);
  let outY = 0;
  for (let y = 0; y < source.height; y++) {
    const row = source.row(y);
    for (let x = 0; x < source.width; x++) {
      const c = column[x]!;
      const o = c * 4;
      const a = row[x * 4 + 3]!;
      sums[o] = sums[o]! + row[x * 4]! * a;
      sums[o + 1] = sums[o + 1]! + row[x * 4 + 1]! * a;
      sums[o + 2] = sums[o + 2]! + row[x * 4 + 2]! * a;
      sums[o + 3] = sums[o + 3]! + a;
      counts[c] = counts[c]! + 1;
    }
    // The last source row of output row outY: write it out.
    const next = y + 1 === source.height ? height : Math.min(height, Math.floor(((y + 1) * height) / source.height));
    if (next > outY) {
      for (let x = 0; x < width; x++) {
        const alpha = sums[x * 4 + 3]!;
        const at = (outY * width + x) * 4;
        if (alpha > 0) {
          data[at] = sums[x * 4]! / alpha;
          data[at + 1] = sums[x * 4 + 1]! / alpha;
          data[at + 2] = sums[x * 4 + 2]! / alpha;
        }
        data[at + 3] = alpha / counts[x]!;
      }
      // Rows a source row spans at once (only when shrinking less than 2×) repeat it.
      for (let extra = outY + 1; extra < next; extra++) data.copyWithin(extra * width * 4, outY * width * 4, (outY + 1) * width * 4);
      outY = next;
      sums.fill(0);
      counts.fill(0);
    }
  }
  return { data, width, height };
}
