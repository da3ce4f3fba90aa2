/**
 * Animated GIF/WebP masters → animated WebP (src/pipeline/animate.ts). The container is read by our own RIFF reader
 * (test/helpers/webp-anim.ts) and compared with what sharp (libvips) says of the master; frames are decoded by
 * libwebp's WebPAnimDecoder and compared with sharp's composited, resized frames (test/fixtures/anim-sharp.json,
 * made by scripts/make-anim-fixtures.mjs).
 */
import { afterEach, describe, expect, it } from 'vitest';
import disposalGif from '../fixtures/anim-disposal-48x32.gif?bytes';
import movingWebp from '../fixtures/anim-moving-40x30.webp?bytes';
import reference from '../fixtures/anim-sharp.json';
import { readAnimationInfo } from '../../src/pipeline/animate.js';
import { GifFrames, gifAnimationInfo } from '../../src/pipeline/codec/gif-frames.js';
import { CodecSession, SessionPixels } from '../../src/pipeline/codec/session.js';
import { AnimatedWebpReader } from '../../src/pipeline/codec/webp-animation.js';
import { transform } from '../../src/pipeline/run.js';
import { inputFor } from '../helpers/pipeline.js';
import { readWebpAnimation } from '../helpers/webp-anim.js';

type Ref = (typeof reference)['anim-disposal-48x32.gif'];

/** Every frame of an animated WebP as RGBA canvases, with the time each ends, by libwebp's animation decoder. */
function decodeFrames(bytes: Uint8Array) {
  const session = CodecSession.open();
  const reader = new AnimatedWebpReader(session, bytes);
  const frames: { data: Uint8Array; endMs: number }[] = [];
  for (let i = 0; i < reader.frameCount; i++) {
    const canvas = session.allocate(reader.width, reader.height);
    const endMs = reader.next(canvas);
    frames.push({ data: canvas.data.slice() as unknown as Uint8Array, endMs });
    session.release(canvas);
  }
  const result = { width: reader.width, height: reader.height, loopCount: reader.loopCount, frames };
  reader.close();
  return result;
}

function base64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Mean absolute difference per channel (RGB weighted by alpha, and alpha) between two RGBA buffers. */
function meanDifference(a: Uint8Array, b: Uint8Array, skip?: (pixel: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < a.length / 4; p++) {
    if (skip?.(p)) continue;
    for (let c = 0; c < 4; c++) {
      const scale = c === 3 ? 1 : 1 / 255;
      const va = c === 3 ? a[p * 4 + 3]! : a[p * 4 + c]! * a[p * 4 + 3]! * scale;
      const vb = c === 3 ? b[p * 4 + 3]! : b[p * 4 + c]! * b[p * 4 + 3]! * scale;
      sum += Math.abs(va - vb);
      n++;
    }
  }
  return sum / n;
}

async function animate(master: Uint8Array, options: string, maxPixels = 50_000_000) {
  const input = { ...inputFor(master, options, 'webp', 90), animation: { maxPixels } };
  const result = await transform(input);
  return new Uint8Array(result.bytes);
}

afterEach(() => CodecSession.dropIdleForTesting());

describe('animated GIF → animated WebP', () => {
  const ref: Ref = reference['anim-disposal-48x32.gif'];
  // Frame 1's square (8..24 × 8..24) is disposed with method 2, "restore to background": browsers clear it to
  // transparent; libnsgif (sharp) paints the background colour (blue) there. We follow the browsers.
  const disposedSquare = (p: number, width: number, scale: number) => {
    const x = (p % width) / scale;
    const y = Math.floor(p / width) / scale;
    return x >= 7 && x < 25 && y >= 7 && y < 25;
  };

  it('keeps the frame count, the loop count (NETSCAPE 3 → WebP 4, as sharp reads it), durations and size', async () => {
    const bytes = await animate(disposalGif, 'anim=true');
    const container = readWebpAnimation(bytes);
    expect(container.animated).toBe(true);
    expect([container.canvasWidth, container.canvasHeight]).toEqual([48, 32]);
    expect(container.loopCount).toBe(ref.loop);
    expect(container.frames).toHaveLength(ref.pages);
    // Browsers show a delay ≤ 10 ms as 100 ms; sharp reports the stored 0.
    expect(container.frames.map((f) => f.duration)).toEqual(ref.delay.map((d) => (d <= 10 ? 100 : d)));
    for (const f of container.frames) {
      expect(f.x + f.width).toBeLessThanOrEqual(48);
      expect(f.y + f.height).toBeLessThanOrEqual(32);
    }
    // Frame-to-frame optimisation: later frames are only the rectangle that changed.
    expect(container.frames.slice(1).some((f) => f.width * f.height < 48 * 32)).toBe(true);
    expect(readAnimationInfo(disposalGif, { format: 'gif', width: 48, height: 32, hasAlpha: true, animated: true, orientation: 1 })).toEqual({ frames: 4, loopCount: 4 });
  });

  it('composites every frame as sharp does (but for disposal 2, cleared to transparent as browsers do)', async () => {
    const decoded = decodeFrames(await animate(disposalGif, 'anim=true'));
    expect(decoded.frames.map((f) => f.endMs)).toEqual([100, 150, 270, 470]);
    decoded.frames.forEach((frame, i) => {
      const expected = base64(ref.full.frames[i]!);
      const afterDisposal = i >= 2;
      expect(meanDifference(frame.data, expected, afterDisposal ? (p) => disposedSquare(p, 48, 1) : undefined), `frame ${i}`).toBeLessThan(4);
    });
    // Where frame 1 was, frames 2 and 3 are transparent (disposal 2) — and frame 2's own square restores (disposal 3).
    const alphaAt = (frame: number, x: number, y: number) => decoded.frames[frame]!.data[(y * 48 + x) * 4 + 3];
    expect(alphaAt(1, 16, 16)).toBe(255);
    expect(alphaAt(2, 16, 16)).toBe(0);
    expect(alphaAt(3, 16, 16)).toBe(0);
    const rgbAt = (frame: number, x: number, y: number) => Array.from(decoded.frames[frame]!.data.subarray((y * 48 + x) * 4, (y * 48 + x) * 4 + 3));
    expect(rgbAt(2, 36, 16).map((v, c) => Math.abs(v - [0, 255, 0][c]!)).every((d) => d < 12)).toBe(true); // green half
    expect(rgbAt(3, 36, 16).map((v, c) => Math.abs(v - [0, 0, 255][c]!)).every((d) => d < 12)).toBe(true); // restored blue
  });

  it('resizes every frame with the planned geometry (width=24) like sharp within lossy tolerance', async () => {
    const bytes = await animate(disposalGif, 'width=24');
    const container = readWebpAnimation(bytes);
    expect([container.canvasWidth, container.canvasHeight]).toEqual([ref.resized.width, ref.resized.height]);
    const decoded = decodeFrames(bytes);
    decoded.frames.forEach((frame, i) => {
      const expected = base64(ref.resized.frames[i]!);
      expect(meanDifference(frame.data, expected, i >= 2 ? (p) => disposedSquare(p, 24, 0.5) : undefined), `frame ${i}`).toBeLessThan(8);
    });
  });
});

describe('animated WebP → animated WebP', () => {
  const ref: Ref = reference['anim-moving-40x30.webp'];

  it('keeps frames, durations and loop count; the pixels of every frame match sharp\'s', async () => {
    const bytes = await animate(movingWebp, 'anim=true');
    const container = readWebpAnimation(bytes);
    expect(container.loopCount).toBe(ref.loop);
    expect(container.frames.map((f) => f.duration)).toEqual(ref.delay);
    const decoded = decodeFrames(bytes);
    expect([decoded.width, decoded.height]).toEqual([40, 30]);
    decoded.frames.forEach((frame, i) => expect(meanDifference(frame.data, base64(ref.full.frames[i]!)), `frame ${i}`).toBeLessThan(4));
  });

  it('resized to 24 px wide, each frame as sharp resizes it', async () => {
    const decoded = decodeFrames(await animate(movingWebp, 'width=24'));
    expect([decoded.width, decoded.height]).toEqual([ref.resized.width, ref.resized.height]);
    expect(decoded.frames).toHaveLength(3);
    decoded.frames.forEach((frame, i) => expect(meanDifference(frame.data, base64(ref.resized.frames[i]!)), `frame ${i}`).toBeLessThan(8));
  });

  it('over ANIMATION_MAX_PIXELS: the first frame, as a still WebP', async () => {
    // 3 frames × 40 × 30 = 3600 pixels.
    const still = readWebpAnimation(await animate(movingWebp, 'anim=true', 3599));
    expect(still.animated).toBe(false);
    const kept = readWebpAnimation(await animate(movingWebp, 'anim=true', 3600));
    expect(kept.animated).toBe(true);
  });
});

describe('animated GIF output (a client without WebP)', () => {
  async function animateGif(master: Uint8Array, options: string, maxGifBytes?: number) {
    const input = { ...inputFor(master, options, 'gif', 80), animation: { maxPixels: 50_000_000, maxGifBytes } };
    return new Uint8Array((await transform(input)).bytes);
  }

  it.each([
    ['anim-disposal-48x32.gif', disposalGif],
    ['anim-moving-40x30.webp', movingWebp],
  ] as const)('%s: every frame, NETSCAPE2.0 repeats as the master loops', async (name, master) => {
    const ref: Ref = reference[name];
    const bytes = await animateGif(master, 'anim=true');
    const info = gifAnimationInfo(bytes, 1000);
    expect([info.width, info.height, info.frames]).toEqual([ref.width, ref.height, ref.pages]);
    expect(info.loopCount).toBe(ref.loop === 0 ? 0 : ref.loop === 1 ? undefined : ref.loop - 1);
    const frames = Array.from(new GifFrames(bytes, { maxFrames: 1000, maxTotalWorkPixels: 1e8 }).frames(), (f) => f.canvas.slice() as unknown as Uint8Array);
    // The WebP master: every frame within palette error of sharp's (the GIF's frames are checked through the worker).
    if (name.endsWith('.webp')) frames.forEach((frame, i) => expect(meanDifference(frame, base64(ref.full.frames[i]!)), `frame ${i}`).toBeLessThan(6));
  });

  it('past its byte cap the GIF is the first frame alone (as any animation over its limits)', async () => {
    const full = await animateGif(disposalGif, 'anim=true');
    // The cap is checked after each frame (the trailer byte comes after): the last frame's end is past this one.
    const capped = await animateGif(disposalGif, 'anim=true', full.length - 2);
    expect(new TextDecoder().decode(capped.subarray(0, 6))).toBe('GIF89a');
    expect(gifAnimationInfo(capped, 1000)).toMatchObject({ frames: 1, loopCount: undefined });
    const [first] = Array.from(new GifFrames(capped, { maxFrames: 10, maxTotalWorkPixels: 1e8 }).frames(), (f) => f.canvas.slice() as unknown as Uint8Array);
    expect(meanDifference(first!, base64(reference['anim-disposal-48x32.gif'].full.frames[0]!))).toBeLessThan(1);
  });
});
