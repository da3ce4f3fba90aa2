/** A GIF's frames composited (gif-frames.ts): delays as browsers show them, loop counts, and every bound enforced. */
import { describe, expect, it } from 'vitest';
import disposalGif from '../../fixtures/anim-disposal-48x32.gif?bytes';
import eightFrames from '../../fixtures/animated-8-frames-32x32.gif?bytes';
import { ImageError } from '../../../src/http/problem.js';
import { GifFrames, gifAnimationInfo, gifDelayMs } from '../../../src/pipeline/codec/gif-frames.js';

function failure(run: () => void): ImageError {
  try {
    run();
  } catch (error) {
    if (error instanceof ImageError) return error;
    throw error;
  }
  throw new Error('expected an ImageError');
}

describe('gif-frames', () => {
  it('delays: 0 and 1 hundredths are shown as 100 ms, others as stored', () => {
    expect([0, 1, 2, 5, 12].map(gifDelayMs)).toEqual([100, 100, 20, 50, 120]);
  });

  it('counts frames and reads NETSCAPE2.0 without decoding', () => {
    expect(gifAnimationInfo(disposalGif, 1000)).toEqual({ width: 48, height: 32, frames: 4, loopCount: 3 });
    expect(gifAnimationInfo(eightFrames, 1000)).toMatchObject({ frames: 8, loopCount: 0 });
    // Counting stops one past the cap.
    expect(gifAnimationInfo(eightFrames, 3).frames).toBe(4);
  });

  it('yields one composited canvas per frame with its delay', () => {
    const gif = new GifFrames(disposalGif, { maxFrames: 10, maxTotalWorkPixels: 1e6 });
    // The canvas is one array, redrawn each step: read it before the next.
    const seen = [];
    for (const { canvas, delayMs, index } of gif.frames()) seen.push({ index, delayMs, centre: Array.from(canvas.subarray((16 * 48 + 16) * 4, (16 * 48 + 16) * 4 + 4)) });
    expect(seen).toEqual([
      { index: 0, delayMs: 100, centre: [0, 0, 255, 255] },
      { index: 1, delayMs: 50, centre: [255, 0, 0, 255] },
      { index: 2, delayMs: 120, centre: [0, 0, 0, 0] }, // frame 1 disposed (2): cleared to transparent
      { index: 3, delayMs: 200, centre: [0, 0, 0, 0] },
    ]);
  });

  it('more frames than maxFrames: 413', () => {
    const gif = new GifFrames(disposalGif, { maxFrames: 2, maxTotalWorkPixels: 1e6 });
    const error = failure(() => [...gif.frames()]);
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/more than 2 frames/);
  });

  it('more LZW work over all frames than maxTotalWorkPixels: 413 (48×32 + 16×16 + 16×16 + 8×8 = 2112)', () => {
    expect([...new GifFrames(disposalGif, { maxFrames: 10, maxTotalWorkPixels: 2112 }).frames()]).toHaveLength(4);
    const error = failure(() => [...new GifFrames(disposalGif, { maxFrames: 10, maxTotalWorkPixels: 2111 }).frames()]);
    expect(error.status).toBe(413);
  });
});
