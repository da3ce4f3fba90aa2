/**
 * What a page shows before an image arrives: its ThumbHash, mean and dominant colour, and a tiny
 * blurred rendering, all from pixels of at most 100 × 100 (the placeholder variant). Pure.
 */
import { rgbaToThumbHash, thumbHashToRGBA } from 'thumbhash';
import type { Pixels } from './rgba.js';

/** ThumbHash encodes images of at most this many pixels per side. */
export const PLACEHOLDER_SOURCE_SIZE = 100;

export interface PlaceholderSummary {
  /** The ThumbHash, base64 (decode with `thumbHashToRGBA` from the `thumbhash` package). */
  thumbhash: string;
  /** Mean colour, alpha-weighted, `#rrggbb`; `alpha` is the mean opacity 0..1. */
  averageColor: string;
  /** The most common colour (4 bits per channel buckets, then the mean of the biggest), `#rrggbb`. */
  dominantColor: string;
  alpha: number;
}

function hex(r: number, g: number, b: number): string {
  return '#' + [r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** ThumbHash and colours of a small image (≤ 100 × 100). */
export function summarize(image: Pixels): PlaceholderSummary {
  const { width, height, data } = image;
  if (width > PLACEHOLDER_SOURCE_SIZE || height > PLACEHOLDER_SOURCE_SIZE) throw new RangeError(`a placeholder is made from at most 100 × 100 pixels, got ${width} × ${height}`);
  const sum = [0, 0, 0];
  let alphaSum = 0;
  // 4096 buckets of 4 bits per channel: count, and the colour sums to average the winner with.
  const counts = new Float64Array(4096);
  const sums = new Float64Array(4096 * 3);
  for (let i = 0; i < width * height * 4; i += 4) {
    const a = data[i + 3]! / 255;
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    sum[0]! += r * a;
    sum[1]! += g * a;
    sum[2]! += b * a;
    alphaSum += a;
    const bucket = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    counts[bucket]! += a;
    sums[bucket * 3]! += r * a;
    sums[bucket * 3 + 1]! += g * a;
    sums[bucket * 3 + 2]! += b * a;
  }
  let top = 0;
  for (let bucket = 1; bucket < 4096; bucket++) if (counts[bucket]! > counts[top]!) top = bucket;
  const mean = (total: number, weight: number) => (weight > 0 ? total / weight : 0);
  return {
    thumbhash: base64(rgbaToThumbHash(width, height, data)),
    averageColor: hex(mean(sum[0]!, alphaSum), mean(sum[1]!, alphaSum), mean(sum[2]!, alphaSum)),
    dominantColor: hex(mean(sums[top * 3]!, counts[top]!), mean(sums[top * 3 + 1]!, counts[top]!), mean(sums[top * 3 + 2]!, counts[top]!)),
    alpha: Math.round((alphaSum / (width * height)) * 1000) / 1000,
  };
}

/** The ThumbHash rendered back (at most 32 px a side): the blurred placeholder image. */
export function renderThumbHash(thumbhash: string): Pixels {
  const binary = atob(thumbhash);
  const hash = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  const { w, h, rgba } = thumbHashToRGBA(hash);
  return { width: w, height: h, data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength) };
}
