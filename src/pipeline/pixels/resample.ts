/**
 * A separable Lanczos-3 resampler in plain TypeScript that streams: the vertical pass keeps only the few
 * horizontally resampled rows its window needs, so memory is the output plus a handful of rows, never a
 * second full-size copy (jSquash's resize copies its whole input into WASM memory that never shrinks).
 * It reads a crop of the source directly, works on premultiplied alpha so transparent pixels lend no colour
 * to their neighbours, and can filter in linear light.
 */
import type { Rect } from '../../options/types.js';
import type { Pixels } from './rgba.js';

/** Where each output sample reads from: `count` taps starting at `start`, weights summing to 1. */
interface Contributions {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  /** Weights per output sample in `weights` (the widest window). */
  stride: number;
}

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/** Filter windows for resampling `inSize` samples (starting at `offset`) to `outSize`, clamped at the edges. */
export function contributions(inSize: number, outSize: number, offset = 0): Contributions {
  const scale = inSize / outSize;
  // Downscaling widens the filter so every input sample contributes; upscaling keeps it at its own width.
  const support = 3 * Math.max(1, scale);
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * stride);
  const stretch = Math.max(1, scale);
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const first = Math.max(0, Math.floor(centre - support));
    const last = Math.min(inSize - 1, Math.ceil(centre + support) - 1);
    let total = 0;
    let n = 0;
    for (let j = first; j <= last && n < stride; j++, n++) {
      const w = lanczos3((j + 0.5 - centre) / stretch);
      weights[i * stride + n] = w;
      total += w;
    }
    for (let k = 0; k < n; k++) weights[i * stride + k]! /= total || 1;
    start[i] = first + offset;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

/** sRGB byte → linear light, and back (a 4096-step table is finer than 8-bit output can tell). */
const toLinear = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  toLinear[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
const fromLinear = new Uint8ClampedArray(4097);
for (let i = 0; i <= 4096; i++) {
  const c = i / 4096;
  fromLinear[i] = Math.round(255 * (c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055));
}

export interface ResampleOptions {
  /** Weight colour by alpha while filtering (needed whenever the image has transparency). */
  premultiply: boolean;
  /** Filter in linear light rather than on sRGB values (fine patterns keep their brightness). */
  linear: boolean;
}

/**
 * Rows of RGBA pixels, asked for in increasing order (a row may be asked for again while it is the latest): a
 * decoded image, or a decoder that produces them as it goes so that the whole image never exists.
 */
export interface RowSource {
  readonly width: number;
  readonly height: number;
  /** Row `y`, `width` × 4 bytes; valid until the next call. */
  row(y: number): Uint8ClampedArray;
}

/** The rows of an image already decoded whole. */
export function rowsOf(image: Pixels): RowSource {
  const rowBytes = image.width * 4;
  return {
    width: image.width,
    height: image.height,
    row: (y) => image.data.subarray(y * rowBytes, (y + 1) * rowBytes),
  };
}

/** Copies the `crop` region of `source` into `target` (its size), row by row. */
export function copyRows(source: RowSource, crop: Rect, target: Pixels): Pixels {
  const rowBytes = crop.width * 4;
  for (let y = 0; y < crop.height; y++) {
    const row = source.row(crop.y + y);
    target.data.set(row.subarray(crop.x * 4, crop.x * 4 + rowBytes), y * rowBytes);
  }
  return target;
}

/**
 * Resamples the `crop` region of `input` (an image, or a source of rows) to the size of `target` (by default a new image of `width`×`height`).
 * Each source row is read once, in order, so the source can be a decoder's stream.
 */
export function resample(input: RowSource | Pixels, crop: Rect, width: number, height: number, options: ResampleOptions, target?: Pixels): Pixels {
  const source = 'row' in input ? input : rowsOf(input);
  const horizontal = contributions(crop.width, width, crop.x);
  const vertical = contributions(crop.height, height, crop.y);
  const { premultiply, linear } = options;
  const rowLength = width * 4;

  // A ring of horizontally resampled rows, as many as the vertical window spans.
  const ringSize = vertical.stride + 1;
  const ring = Array.from({ length: ringSize }, () => new Float32Array(rowLength));
  const ringRow = new Int32Array(ringSize).fill(-1);

  // Each source row is converted once (to linear light, premultiplied) before the taps read it many times.
  const prepared = new Float32Array(crop.width * 4);
  const prepareRow = (y: number) => {
    const src = source.row(y);
    const base = crop.x * 4;
    for (let i = 0; i < prepared.length; i += 4) {
      const alpha = src[base + i + 3]!;
      const m = premultiply ? alpha / 255 : 1;
      if (linear) {
        prepared[i] = toLinear[src[base + i]!]! * m;
        prepared[i + 1] = toLinear[src[base + i + 1]!]! * m;
        prepared[i + 2] = toLinear[src[base + i + 2]!]! * m;
      } else {
        prepared[i] = src[base + i]! * m;
        prepared[i + 1] = src[base + i + 1]! * m;
        prepared[i + 2] = src[base + i + 2]! * m;
      }
      prepared[i + 3] = alpha;
    }
  };

  const resampleRow = (y: number): Float32Array => {
    const slot = y % ringSize;
    const out = ring[slot]!;
    if (ringRow[slot] === y) return out;
    ringRow[slot] = y;
    prepareRow(y);
    const { start, count, weights, stride } = horizontal;
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      const n = count[x]!;
      const wBase = x * stride;
      let p = (start[x]! - crop.x) * 4;
      for (let k = 0; k < n; k++, p += 4) {
        const w = weights[wBase + k]!;
        r += w * prepared[p]!;
        g += w * prepared[p + 1]!;
        b += w * prepared[p + 2]!;
        a += w * prepared[p + 3]!;
      }
      const q = x * 4;
      out[q] = r;
      out[q + 1] = g;
      out[q + 2] = b;
      out[q + 3] = a;
    }
    return out;
  };

  const output = target ?? { data: new Uint8ClampedArray(width * height * 4), width, height };
  if (output.width !== width || output.height !== height) throw new RangeError('the target is not the size asked for');
  const accumulator = new Float32Array(rowLength);
  for (let y = 0; y < height; y++) {
    accumulator.fill(0);
    const first = vertical.start[y]!;
    const n = vertical.count[y]!;
    for (let k = 0; k < n; k++) {
      const w = vertical.weights[y * vertical.stride + k]!;
      const row = resampleRow(first + k);
      for (let i = 0; i < rowLength; i++) accumulator[i]! += w * row[i]!;
    }
    // Fetched per row: a target in a codec session's memory is re-viewed should that memory have grown.
    const data = output.data;
    const at = y * rowLength;
    for (let i = 0; i < rowLength; i += 4) {
      const a = Math.min(255, Math.max(0, accumulator[i + 3]!));
      let r = accumulator[i]!;
      let g = accumulator[i + 1]!;
      let b = accumulator[i + 2]!;
      if (premultiply) {
        const m = a > 0 ? 255 / a : 0;
        r *= m;
        g *= m;
        b *= m;
      }
      if (linear) {
        data[at + i] = fromLinear[Math.round(Math.min(1, Math.max(0, r)) * 4096)]!;
        data[at + i + 1] = fromLinear[Math.round(Math.min(1, Math.max(0, g)) * 4096)]!;
        data[at + i + 2] = fromLinear[Math.round(Math.min(1, Math.max(0, b)) * 4096)]!;
      } else {
        data[at + i] = r;
        data[at + i + 1] = g;
        data[at + i + 2] = b;
      }
      data[at + i + 3] = a;
    }
  }
  return output;
}
