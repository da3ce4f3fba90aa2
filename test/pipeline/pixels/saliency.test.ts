/** Attention-based saliency on hand-made pixels: which cues count, and which window wins. */
import { describe, expect, it } from 'vitest';
import { ATTENTION, bestWindow, isSkin, MAX_PREVIEW_SIDE, saliencyMap, SKIN_FIRST } from '../../../src/pipeline/pixels/saliency.js';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';

type RGBA = [number, number, number, number];

function image(width: number, height: number, at: (x: number, y: number) => RGBA): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(at(x, y), (y * width + x) * 4);
  return { data, width, height };
}

const grey: RGBA = [128, 128, 128, 255];
const checker = (x: number, y: number): RGBA => (((x >> 1) + (y >> 1)) % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]);

describe('isSkin', () => {
  it('takes tones along libvips’ skin vector, light to dark, and refuses greys, sky, foliage, orange and near-black', () => {
    for (const [r, g, b] of [[255, 186, 144], [233, 180, 150], [200, 146, 113], [160, 110, 80], [120, 87, 67]]) expect(isSkin(r!, g!, b!)).toBe(true);
    for (const [r, g, b] of [[128, 128, 128], [135, 206, 235], [34, 139, 34], [255, 255, 255], [0, 0, 255], [255, 128, 0], [24, 17, 13]]) expect(isSkin(r!, g!, b!)).toBe(false);
  });
});

describe('saliencyMap', () => {
  it('is zero on a flat grey image (no edges, no colour, no skin)', () => {
    const map = saliencyMap(image(16, 8, () => grey));
    expect(Math.max(...map)).toBe(0);
  });

  it('is highest where the edges are', () => {
    const map = saliencyMap(image(64, 16, (x, y) => (x >= 48 ? checker(x, y) : grey)));
    const left = map.slice(0, 16).reduce((a, b) => a + b, 0);
    const right = map.slice(48, 64).reduce((a, b) => a + b, 0);
    expect(right).toBeGreaterThan(10 * Math.max(left, 1e-6));
  });

  it('counts saturated colour and, more for face, skin', () => {
    const skin: RGBA = [200, 146, 113, 255];
    const pixels = image(32, 8, (x) => (x < 16 ? skin : [0, 0, 255, 255]));
    const auto = saliencyMap(pixels, ATTENTION);
    const face = saliencyMap(pixels, SKIN_FIRST);
    // Blue (saturation 1) against skin (saturation 0.47 + skin): face weighs skin up.
    expect(face[4]! / face[28]!).toBeGreaterThan(auto[4]! / auto[28]!);
    expect(face[4]!).toBeGreaterThan(face[28]!);
  });

  it('ignores transparent pixels, whatever colour they carry', () => {
    const map = saliencyMap(image(16, 8, (x, y) => [...checker(x, y).slice(0, 3), 0] as RGBA));
    expect(Math.max(...map)).toBe(0);
  });

  it('refuses a preview larger than its bound', () => {
    expect(() => saliencyMap({ data: new Uint8ClampedArray(4), width: MAX_PREVIEW_SIDE + 1, height: 1 })).toThrow(RangeError);
  });
});

describe('bestWindow', () => {
  it('finds the window over the busy region', () => {
    const pixels = image(96, 32, (x, y) => (x >= 70 && x < 86 && y >= 4 && y < 20 ? checker(x, y) : grey));
    const map = saliencyMap(pixels);
    const window = bestWindow(map, 96, 32, 32, 32);
    expect(window.width).toBe(32);
    expect(window.x).toBeLessThanOrEqual(70);
    expect(window.x + window.width).toBeGreaterThanOrEqual(86);
    const tall = bestWindow(map, 96, 32, 96, 16);
    expect(tall.y).toBeLessThanOrEqual(4);
    expect(tall.y + tall.height).toBeGreaterThanOrEqual(20);
  });

  it('keeps the centre when nothing stands out', () => {
    const map = new Float32Array(50 * 20);
    expect(bestWindow(map, 50, 20, 20, 20)).toEqual({ x: 15, y: 0, width: 20, height: 20 });
    map.fill(1);
    expect(bestWindow(map, 50, 20, 20, 20)).toEqual({ x: 15, y: 0, width: 20, height: 20 });
  });

  it('clamps a window larger than the map to the map', () => {
    expect(bestWindow(new Float32Array(10 * 10), 10, 10, 40, 4)).toEqual({ x: 0, y: 3, width: 10, height: 4 });
  });
});
