/**
 * codec/gif-encode.ts on its own: what it writes is read back by our GIF reader (gif-frames.ts), block walk and
 * compositing decoder — loop counts, delays, one-bit transparency and disposal, palettes per frame.
 */
import { describe, expect, it } from 'vitest';
import { AnimatedGifEncoder, encodeStillGif, gifDelayCentiseconds } from '../../../src/pipeline/codec/gif-encode.js';
import { GifFrames, gifAnimationInfo } from '../../../src/pipeline/codec/gif-frames.js';

/** A w×h frame of one colour, with `hole` (x0, y0, x1, y1) at the given alpha. */
function frame(w: number, h: number, rgba: number[], hole?: { rect: number[]; alpha: number }) {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    data.set(rgba, p * 4);
    const [x, y] = [p % w, Math.floor(p / w)];
    if (hole && x >= hole.rect[0]! && y >= hole.rect[1]! && x < hole.rect[2]! && y < hole.rect[3]!) data[p * 4 + 3] = hole.alpha;
  }
  return { data, width: w, height: h };
}

function decode(bytes: Uint8Array) {
  return Array.from(new GifFrames(bytes, { maxFrames: 1000, maxTotalWorkPixels: 1e8 }).frames(), (f) => ({ delayMs: f.delayMs, data: f.canvas.slice() }));
}

/** The disposal method (0..7) of each Graphic Control Extension, in order. */
function disposals(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 0x21 && bytes[i + 1] === 0xf9 && bytes[i + 2] === 4) out.push((bytes[i + 3]! >> 2) & 7);
  }
  return out;
}

describe('AnimatedGifEncoder', () => {
  it.each([
    [0, 0],
    [1, undefined],
    [2, 1],
    [5, 4],
  ])('WebP loop count %d (plays) → NETSCAPE2.0 repeats %s', (plays, repeats) => {
    const encoder = new AnimatedGifEncoder(4, 4, { alpha: false, loopCount: plays });
    encoder.add(frame(4, 4, [255, 0, 0, 255]), 100);
    encoder.add(frame(4, 4, [0, 0, 255, 255]), 100);
    const bytes = encoder.finish();
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('GIF89a');
    expect(gifAnimationInfo(bytes, 1000)).toEqual({ width: 4, height: 4, frames: 2, loopCount: repeats });
  });

  it('delays: rounded to centiseconds, never under 2 (browsers play 0 and 1 cs as 100 ms)', () => {
    expect([0, 1, 14, 15, 20, 25, 1000].map(gifDelayCentiseconds)).toEqual([2, 2, 2, 2, 2, 3, 100]);
    const encoder = new AnimatedGifEncoder(2, 2, { alpha: false, loopCount: 0 });
    for (const ms of [5, 70, 124, 2000]) encoder.add(frame(2, 2, [ms % 256, 0, 0, 255]), ms);
    expect(decode(encoder.finish()).map((f) => f.delayMs)).toEqual([20, 70, 120, 2000]);
  });

  it('each frame has its own palette: a red frame then a blue one come back exactly', () => {
    const encoder = new AnimatedGifEncoder(8, 8, { alpha: false, loopCount: 0 });
    encoder.add(frame(8, 8, [250, 10, 20, 255]), 100);
    encoder.add(frame(8, 8, [10, 20, 240, 255]), 100);
    const [a, b] = decode(encoder.finish());
    expect(Array.from(a!.data.subarray(0, 4))).toEqual([250, 10, 20, 255]);
    expect(Array.from(b!.data.subarray(60, 64))).toEqual([10, 20, 240, 255]);
  });

  it('alpha < 128 is transparent, ≥ 128 opaque; a frame before one with holes is disposed with 2, so they show nothing earlier', () => {
    const encoder = new AnimatedGifEncoder(8, 8, { alpha: true, loopCount: 0 });
    encoder.add(frame(8, 8, [0, 200, 0, 255]), 100);
    encoder.add(frame(8, 8, [200, 0, 0, 255], { rect: [0, 0, 4, 8], alpha: 127 }), 100);
    encoder.add(frame(8, 8, [0, 0, 200, 255], { rect: [0, 0, 4, 8], alpha: 128 }), 100);
    const bytes = encoder.finish();
    // Frame 2 has holes (frame 1 cleared: 2); frame 3 has none (frame 2 kept: 1); the last frame's does not matter.
    expect(disposals(bytes)).toEqual([2, 1, 1]);
    const [, second, third] = decode(bytes);
    // Left half of frame 2: transparent, not frame 1's green; right half red.
    expect(Array.from(second!.data.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(second!.data.subarray(7 * 4, 8 * 4))).toEqual([200, 0, 0, 255]);
    expect(third!.data[3]).toBe(255);
    expect(Array.from(third!.data.subarray(0, 3))).toEqual([0, 0, 200]);
  });

  it('opaque outputs: disposal 1; a frame unlike the last has no transparent index', () => {
    const encoder = new AnimatedGifEncoder(4, 4, { alpha: false, loopCount: 0 });
    encoder.add(frame(4, 4, [200, 2, 3, 255]), 100);
    encoder.add(frame(4, 4, [0, 0, 0, 255]), 100);
    const bytes = encoder.finish();
    expect(disposals(bytes)).toEqual([1, 1]);
    // The GCE's packed byte has no transparency flag.
    for (let i = 0; i + 3 < bytes.length; i++) if (bytes[i] === 0x21 && bytes[i + 1] === 0xf9) expect(bytes[i + 3]! & 1).toBe(0);
    expect(decode(bytes)[1]!.data.every((v, i) => v === (i % 4 === 3 ? 255 : 0))).toBe(true);
  });

  it('opaque outputs: pixels within 8 of what shows keep it (transparent over disposal 1), the rest change', () => {
    const w = 32;
    const encoder = new AnimatedGifEncoder(w, w, { alpha: false, loopCount: 0 });
    encoder.add(frame(w, w, [100, 150, 200, 255]), 100);
    // The whole frame drifts by 5 (kept); a square moves in (drawn).
    encoder.add(frame(w, w, [105, 145, 205, 255], { rect: [8, 8, 16, 16], alpha: 255 }), 100);
    const square = frame(w, w, [105, 145, 205, 255]);
    for (let y = 8; y < 16; y++) for (let x = 8; x < 16; x++) square.data.set([250, 0, 0, 255], (y * w + x) * 4);
    encoder.add(square, 100);
    const bytes = encoder.finish();
    const [, second, third] = decode(bytes);
    expect(Array.from(second!.data.subarray(0, 4))).toEqual([100, 150, 200, 255]);
    expect(Array.from(third!.data.subarray(0, 4))).toEqual([100, 150, 200, 255]);
    expect(Array.from(third!.data.subarray((8 * w + 8) * 4, (8 * w + 8) * 4 + 4))).toEqual([250, 0, 0, 255]);
    // Frames 2 and 3 set the transparency flag (kept pixels).
    const flags: number[] = [];
    for (let i = 0; i + 3 < bytes.length; i++) if (bytes[i] === 0x21 && bytes[i + 1] === 0xf9) flags.push(bytes[i + 3]! & 1);
    expect(flags).toEqual([0, 1, 1]);
  });

  it('a gradient of 1024 colours is quantised to 256 within a small error', () => {
    const w = 64;
    const data = new Uint8ClampedArray(w * 16 * 4);
    for (let p = 0; p < w * 16; p++) data.set([(p * 7) % 256, (p * 3) % 256, (p * 13) % 256, 255], p * 4);
    const bytes = new Uint8Array(encodeStillGif({ data, width: w, height: 16 }, false));
    const [decoded] = decode(bytes);
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += Math.abs(decoded!.data[i]! - data[i]!);
    expect(sum / data.length).toBeLessThan(12);
    expect(gifAnimationInfo(bytes, 10)).toMatchObject({ frames: 1, loopCount: undefined });
  });

  it('frames of another size are refused; a GIF needs a frame', () => {
    const encoder = new AnimatedGifEncoder(4, 4, { alpha: false, loopCount: 0 });
    expect(() => encoder.add(frame(4, 3, [0, 0, 0, 255]), 100)).toThrow();
    expect(() => encoder.finish()).toThrow();
  });
});
