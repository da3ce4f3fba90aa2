/**
 * A GIF's frames, one full canvas at a time, composited as browsers show them: each frame drawn over the canvas left
 * by the previous one's disposal (1 keep, 2 clear its rectangle to transparent, 3 restore what was under it), delays
 * of 10 ms or less shown as 100 ms, the NETSCAPE2.0 loop count. Every frame keeps gif-decode.ts's bounds (clipped to
 * the screen, its LZW work capped, indices past the table opaque black), and the whole walk is bounded too: at most
 * `maxFrames` frames and `maxTotalWorkPixels` of LZW work over all of them.
 *
 * @example
 * const gif = new GifFrames(bytes, { maxFrames: 1000, maxTotalWorkPixels: 100e6 });
 * for (const { canvas, delayMs } of gif.frames()) encoder.add(canvas, delayMs);
 */
import { ImageError } from '../../http/problem.js';
import { drawFrame, type GifFrame, type GifScreen, readFrameAt, readScreen } from './gif-decode.js';

export interface GifFramesOptions {
  /** Most frames read (a file with more is a 413). */
  maxFrames: number;
  /** Most LZW work (frame pixels decoded) over all frames (a 413 beyond). */
  maxTotalWorkPixels: number;
  /** Most work for one frame (as for the first frame of a still). */
  maxWorkPixels?: number;
}

/** What the block walk alone says of a GIF, without decoding: its frame count and loop count. */
export interface GifAnimationInfo {
  width: number;
  height: number;
  frames: number;
  /** NETSCAPE2.0's count (0 forever), undefined when the file has none (play once). */
  loopCount: number | undefined;
}

/** Browsers show a delay of 0 or 1 hundredths (≤ 10 ms) as 100 ms (Chromium, Firefox, Safari alike). */
export function gifDelayMs(centiseconds: number): number {
  return centiseconds <= 1 ? 100 : centiseconds * 10;
}

/**
 * The frame at `at`, or undefined at the trailer. Past the first frame, blocks that cannot be read (an unknown block,
 * a file cut short) end the animation where they start, as browsers play what they could read.
 */
function frameAt(b: Uint8Array, screen: GifScreen, at: number, index: number): GifFrame | undefined {
  try {
    return readFrameAt(b, screen, at, `image ${index + 1}`);
  } catch (error) {
    if (index > 0 && error instanceof ImageError && error.status === 422) return undefined;
    throw error;
  }
}

/** Counts the frames (up to `maxFrames + 1`) and finds the loop count by walking the blocks, without decoding. */
export function gifAnimationInfo(b: Uint8Array, maxFrames: number): GifAnimationInfo {
  const screen = readScreen(b);
  let frames = 0;
  let loopCount: number | undefined;
  let at = screen.at;
  while (frames <= maxFrames && at < b.length) {
    const frame = frameAt(b, screen, at, frames);
    if (!frame) break;
    frames++;
    loopCount = frame.loopCount ?? loopCount;
    at = frame.next;
  }
  return { width: screen.screenWidth, height: screen.screenHeight, frames, loopCount };
}

export class GifFrames {
  readonly screen: GifScreen;
  readonly width: number;
  readonly height: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: GifFramesOptions,
  ) {
    this.screen = readScreen(bytes);
    this.width = this.screen.screenWidth;
    this.height = this.screen.screenHeight;
  }

  /**
   * The composited canvas after each frame and how long it shows; `canvas` is the same array every time (valid until
   * the next step). A file cut short ends the walk after its last readable frame.
   */
  *frames(): Generator<{ canvas: Uint8ClampedArray; delayMs: number; index: number }> {
    const { bytes: b, screen, options } = this;
    const canvas = new Uint8ClampedArray(this.width * this.height * 4);
    let at = screen.at;
    let work = 0;
    let saved: Uint8ClampedArray | undefined;
    let previous: GifFrame | undefined;
    for (let index = 0; at < b.length; index++) {
      const frame = frameAt(b, screen, at, index);
      if (!frame) return;
      if (index >= options.maxFrames) {
        throw new ImageError(413, 'input-too-large', `the gif has more than ${options.maxFrames} frames, the most an animation may have`);
      }
      if (previous) dispose(canvas, this.width, this.height, previous, saved);
      saved = frame.disposal === 3 ? saveRect(canvas, this.width, this.height, frame) : undefined;
      work += drawFrame(b, frame, canvas, { maxWorkPixels: options.maxWorkPixels }, `frame ${index + 1} of the gif`);
      if (work > options.maxTotalWorkPixels) {
        throw new ImageError(413, 'input-too-large', `decoding the gif's frames takes more than ${(options.maxTotalWorkPixels / 1e6).toFixed(1)} MP of work, the limit for an animation`);
      }
      yield { canvas, delayMs: gifDelayMs(frame.delayCentiseconds), index };
      previous = frame;
      at = frame.next;
    }
  }
}

/** The frame's rectangle clipped to the screen. */
function clip(width: number, height: number, f: GifFrame) {
  const x0 = Math.min(f.left, width);
  const y0 = Math.min(f.top, height);
  return { x0, y0, x1: Math.min(width, f.left + f.width), y1: Math.min(height, f.top + f.height) };
}

/** What lies under a frame with disposal 3, to restore afterwards. */
function saveRect(canvas: Uint8ClampedArray, width: number, height: number, f: GifFrame): Uint8ClampedArray {
  const { x0, y0, x1, y1 } = clip(width, height, f);
  const rowBytes = (x1 - x0) * 4;
  const saved = new Uint8ClampedArray(rowBytes * (y1 - y0));
  for (let y = y0; y < y1; y++) saved.set(canvas.subarray((y * width + x0) * 4, (y * width + x1) * 4), (y - y0) * rowBytes);
  return saved;
}

/** Applies the previous frame's disposal: 2 clears its rectangle to transparent, 3 restores what was under it. */
function dispose(canvas: Uint8ClampedArray, width: number, height: number, f: GifFrame, saved: Uint8ClampedArray | undefined): void {
  const { x0, y0, x1, y1 } = clip(width, height, f);
  if (f.disposal === 2) {
    for (let y = y0; y < y1; y++) canvas.fill(0, (y * width + x0) * 4, (y * width + x1) * 4);
  } else if (f.disposal === 3 && saved) {
    const rowBytes = (x1 - x0) * 4;
    for (let y = y0; y < y1; y++) canvas.set(saved.subarray((y - y0) * rowBytes, (y - y0 + 1) * rowBytes), (y * width + x0) * 4);
  }
}
