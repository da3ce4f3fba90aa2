/**
 * Attention-based focus, after libvips' "attention" crop strategy: on a small preview, a map of what draws the eye
 * (edges of the luminance, skin tones, saturated colour), blurred, and the crop window that holds the most of it.
 * Pure pixel maths over RGBA; bounded by the preview's size (callers keep it ≤ ~256 px a side).
 */
import type { Pixels } from './rgba.js';

/**
 * How much each cue counts. Edges are 0..1020 (a 4-neighbour Laplacian), skin 0/1, saturation 0..1. The mix was tuned
 * on labelled corpus photos (bench/README.md, "gravity=auto"), not only taken from libvips.
 */
export interface SaliencyWeights {
  edges: number;
  skin: number;
  saturation: number;
}

/** `gravity=auto`: libvips' attention mix (edges, skin and saturation about equal once normalised). */
export const ATTENTION: SaliencyWeights = { edges: 0.03, skin: 2, saturation: 1 };

/** `gravity=face`: no face model here, so skin tones count four times as much as for `auto`. */
export const SKIN_FIRST: SaliencyWeights = { edges: 0.03, skin: 8, saturation: 0.5 };

/** Largest preview side the maths accepts: the maps are 4 bytes a pixel, so this bounds them to 1 MB each. */
export const MAX_PREVIEW_SIDE = 512;

/** The direction of skin in RGB, as libvips' attention strategy uses it (normalised here). */
const SKIN = (() => {
  const v = [0.78, 0.57, 0.44];
  const n = Math.hypot(v[0]!, v[1]!, v[2]!);
  return v.map((c) => c / n) as [number, number, number];
})();

/**
 * Whether an 8-bit sRGB colour is a skin tone: its direction in RGB within 0.05 of libvips' skin vector (about 3°),
 * neither near-black nor near-white. Narrow on purpose: a looser rule (Kovač's) took warm pavements and wood for skin.
 */
export function isSkin(r: number, g: number, b: number): boolean {
  const n = Math.hypot(r, g, b);
  if (n < 40) return false;
  const luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  if (luma <= 50 || luma >= 235) return false;
  return Math.hypot(r / n - SKIN[0], g / n - SKIN[1], b / n - SKIN[2]) < 0.05;
}

/**
 * The saliency of every pixel of `image` (row-major, one float per pixel): weighted edges + skin + saturation, each
 * scaled by the pixel's opacity (transparent pixels draw no eye), then a small box blur so that one noisy pixel does
 * not win, then squared, so a concentrated subject outweighs the same amount of saliency spread thin (grass, bokeh).
 */
export function saliencyMap(image: Pixels, weights: SaliencyWeights = ATTENTION): Float32Array {
  const { width, height, data } = image;
  if (width > MAX_PREVIEW_SIDE || height > MAX_PREVIEW_SIDE) {
    throw new RangeError(`a saliency preview is at most ${MAX_PREVIEW_SIDE} px a side, got ${width}×${height}`);
  }
  const count = width * height;
  const luma = new Float32Array(count);
  const cues = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const r = data[i * 4]!;
    const g = data[i * 4 + 1]!;
    const b = data[i * 4 + 2]!;
    const a = data[i * 4 + 3]! / 255;
    luma[i] = (0.2126 * r + 0.7152 * g + 0.0722 * b) * a;
    const saturation = (Math.max(r, g, b) - Math.min(r, g, b)) / 255;
    cues[i] = (weights.saturation * saturation + (isSkin(r, g, b) ? weights.skin : 0)) * a;
  }
  const map = new Float32Array(count);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // Edges repeat the border pixel, so the image's own frame is no edge.
      const left = luma[x > 0 ? i - 1 : i]!;
      const right = luma[x < width - 1 ? i + 1 : i]!;
      const up = luma[y > 0 ? i - width : i]!;
      const down = luma[y < height - 1 ? i + width : i]!;
      const laplacian = Math.abs(4 * luma[i]! - left - right - up - down);
      map[i] = weights.edges * laplacian + cues[i]!;
    }
  }
  const blurred = boxBlur(map, width, height, Math.max(1, Math.round(Math.max(width, height) / 64)));
  for (let i = 0; i < count; i++) blurred[i] = blurred[i]! * blurred[i]!;
  return blurred;
}

/** One separable box blur of radius `r` (edges clamped): O(pixels) whatever the radius. */
function boxBlur(map: Float32Array, width: number, height: number, r: number): Float32Array {
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const dst = new Float32Array(src.length);
    const lines = horizontal ? height : width;
    const length = horizontal ? width : height;
    const step = horizontal ? 1 : width;
    for (let line = 0; line < lines; line++) {
      const base = horizontal ? line * width : line;
      const at = (i: number) => src[base + Math.min(length - 1, Math.max(0, i)) * step]!;
      let sum = 0;
      for (let i = -r; i <= r; i++) sum += at(i);
      for (let i = 0; i < length; i++) {
        dst[base + i * step] = sum / (2 * r + 1);
        sum += at(i + r + 1) - at(i - r);
      }
    }
    return dst;
  };
  return pass(pass(map, true), false);
}

export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The `width × height` window of a `mapWidth × mapHeight` saliency map with the largest sum, searched at every
 * position (a summed-area table makes each one O(1)), then the middle of the windows within 0.5% of it: a subject
 * smaller than the window ends up centred, and a flat image keeps the centre crop.
 *
 * @example
 * bestWindow(map, 100, 50, 50, 50) // → { x: 50, y: 0, width: 50, height: 50 } when the right half is busier
 */
export function bestWindow(map: Float32Array, mapWidth: number, mapHeight: number, width: number, height: number): Window {
  const w = Math.min(mapWidth, Math.max(1, Math.round(width)));
  const h = Math.min(mapHeight, Math.max(1, Math.round(height)));
  const stride = mapWidth + 1;
  const table = new Float64Array(stride * (mapHeight + 1));
  for (let y = 0; y < mapHeight; y++) {
    let row = 0;
    for (let x = 0; x < mapWidth; x++) {
      row += map[y * mapWidth + x]!;
      table[(y + 1) * stride + x + 1] = table[y * stride + x + 1]! + row;
    }
  }
  const sum = (x: number, y: number) => table[(y + h) * stride + x + w]! - table[y * stride + x + w]! - table[(y + h) * stride + x]! + table[y * stride + x]!;
  const centreX = (mapWidth - w) / 2;
  const centreY = (mapHeight - h) / 2;
  let best = -Infinity;
  for (let y = 0; y <= mapHeight - h; y++) for (let x = 0; x <= mapWidth - w; x++) best = Math.max(best, sum(x, y));
  // The windows within 0.5% of the best form a plateau (every window that holds the whole subject, or all of them on a
  // flat image): take its middle, so the subject ends up centred in the crop rather than at its edge.
  const good = best - Math.max(1e-6, Math.abs(best) * 0.005);
  let sumX = 0;
  let sumY = 0;
  let count = 0;
  for (let y = 0; y <= mapHeight - h; y++) {
    for (let x = 0; x <= mapWidth - w; x++) {
      if (sum(x, y) < good) continue;
      sumX += x;
      sumY += y;
      count++;
    }
  }
  const found = count > 0 ? { x: Math.round(sumX / count), y: Math.round(sumY / count) } : { x: Math.round(centreX), y: Math.round(centreY) };
  return { ...found, width: w, height: h };
}
