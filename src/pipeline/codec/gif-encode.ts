/**
 * GIF output with gifenc (pure JS): for an animated master and a client that takes no WebP. Frames come one at a
 * time as full canvases (the animation pipeline composites them), and each is written as a full frame with its own
 * 256-colour palette: a palette from the first frame alone would ruin later frames that change colour (a fade, a
 * scene cut), and one palette over all frames would need every frame decoded twice or held. Memory is two canvas
 * copies, two index planes and gifenc's output so far.
 *
 * - The quantiser's histogram has 4 bits a channel (rgb444, or rgba4444 with transparency): 4096 bins at most, so
 *   its pairwise-nearest-neighbour merging costs ~40 ms for a 0.5 MP frame of many colours. rgb565 (65 536 bins)
 *   cost ~10× that (300–400 ms a frame, seconds per animation against a 10 s CPU limit) for ~10 % less error.
 * - Transparency is one bit: alpha < 128 becomes the transparent index, anything else is opaque.
 * - A frame is written when the next one comes: a frame is disposed with 2 (clear to transparent) when the next has
 *   transparent pixels, so nothing shows through them, else with 1 (keep). Over a kept frame, an opaque pixel within
 *   KEEP_DISTANCE (8 of 255 a channel, about a 4-bit bin's rounding) of what shows keeps showing it, written as the
 *   transparent index: static parts are runs of one index for LZW instead of palette noise (a 45-frame corpus GIF at
 *   320 px: 1.6 MB as full frames), and do not flicker as each frame's palette changes. This costs a copy of what
 *   shows (4 bytes a pixel) and the pending frame's indices (1 byte a pixel).
 * - Delays are centiseconds, rounded, at least 2: browsers play 0 and 1 (≤ 10 ms) as 100 ms.
 * - The output is capped (`maxBytes`): GIF is LZW over palette indices, up to a byte a pixel for busy frames, so a
 *   50 MP animation could be tens of MB. Past the cap `add` throws GifTooLarge, and the animation is served as its
 *   first frame (pipeline/run.ts).
 * - The loop count comes as WebP stores it (0 forever, n plays): NETSCAPE2.0 counts repeats after the first play,
 *   so n plays are written as n − 1, forever as 0, and one play as no loop extension at all.
 */
import { applyPalette, GIFEncoder, type GifencEncoder, quantize } from 'gifenc';
import type { Pixels } from '../pixels/rgba.js';

/** Most bytes an animated GIF may have (more: its first frame is served instead). */
export const GIF_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Thrown by `add` when the GIF has grown past its `maxBytes`. */
export class GifTooLarge extends Error {}

/** How far (per channel, of 255) an opaque pixel may be from the opaque one that shows and keep showing it. */
export const KEEP_DISTANCE = 8;

/** The shortest delay (cs) browsers play as written. */
export const MIN_GIF_DELAY_CS = 2;

/** Centiseconds for a frame of `ms` milliseconds. */
export function gifDelayCentiseconds(ms: number): number {
  return Math.max(MIN_GIF_DELAY_CS, Math.round(ms / 10));
}

/** A frame quantised and waiting for the next one, which decides its disposal. */
interface PendingFrame {
  index: Uint8Array;
  palette: number[][];
  transparentIndex: number;
  delayCs: number;
}

export class AnimatedGifEncoder {
  readonly #gif: GifencEncoder = GIFEncoder();
  readonly #rgba: Uint8Array;
  /** What shows after the frames written or pending so far, before the pending one's disposal: RGBA, alpha 0 or 255. */
  readonly #shown: Uint8Array;
  #pending: PendingFrame | undefined;
  #frames = 0;

  /** `alpha`: whether frames may have transparency; `loopCount` as WebP (0 forever, n plays; 1 for a still). */
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly options: { alpha: boolean; loopCount: number; maxBytes?: number },
  ) {
    // gifenc reads the RGBA as a Uint32Array over the whole buffer: a copy of its own, offset 0.
    this.#rgba = new Uint8Array(width * height * 4);
    this.#shown = new Uint8Array(width * height * 4);
  }

  /** Adds one full canvas shown for `durationMs`; the frame before it is written now. */
  add(pixels: Pixels, durationMs: number): void {
    if (pixels.width !== this.width || pixels.height !== this.height) throw new Error('GIF frames differ in size');
    const rgba = this.#rgba;
    const shown = this.#shown;
    rgba.set(pixels.data);
    let holes = false;
    for (let i = 3; i < rgba.length; i += 4) {
      if (this.options.alpha && rgba[i]! < 128) {
        rgba[i - 3] = rgba[i - 2] = rgba[i - 1] = rgba[i] = 0;
        holes = true;
      } else rgba[i] = 255;
    }
    // A frame with holes needs the canvas cleared under it: the one before is disposed with 2 (to transparent).
    if (this.#pending) {
      this.#write(this.#pending, holes ? 2 : 1);
      if (holes) shown.fill(0);
    }
    // An opaque pixel within KEEP_DISTANCE of an opaque pixel that shows keeps it; its colour is snapped to it.
    let kept = 0;
    for (let p = 0; p < rgba.length; p += 4) {
      if (
        rgba[p + 3] === 255 &&
        shown[p + 3] === 255 &&
        Math.abs(rgba[p]! - shown[p]!) <= KEEP_DISTANCE &&
        Math.abs(rgba[p + 1]! - shown[p + 1]!) <= KEEP_DISTANCE &&
        Math.abs(rgba[p + 2]! - shown[p + 2]!) <= KEEP_DISTANCE
      ) {
        rgba[p] = shown[p]!;
        rgba[p + 1] = shown[p + 1]!;
        rgba[p + 2] = shown[p + 2]!;
        kept++;
      }
    }
    const transparent = holes || kept > 0;
    const format = holes ? 'rgba4444' : 'rgb444';
    // One slot is kept for the transparent index, added after mapping so that no pixel maps to it by colour.
    const palette = quantize(rgba, transparent ? 255 : 256, { format });
    const index = applyPalette(rgba, palette, format);
    let transparentIndex = -1;
    if (transparent) transparentIndex = palette.push(holes ? [0, 0, 0, 0] : [0, 0, 0]) - 1;
    for (let i = 0, p = 0; i < index.length; i++, p += 4) {
      if (rgba[p + 3] === 0) {
        index[i] = transparentIndex;
      } else if (shown[p + 3] === 255 && rgba[p] === shown[p] && rgba[p + 1] === shown[p + 1] && rgba[p + 2] === shown[p + 2]) {
        index[i] = transparentIndex;
      } else {
        const colour = palette[index[i]!]!;
        shown[p] = colour[0]!;
        shown[p + 1] = colour[1]!;
        shown[p + 2] = colour[2]!;
        shown[p + 3] = 255;
      }
    }
    this.#pending = { index, palette, transparentIndex, delayCs: gifDelayCentiseconds(durationMs) };
  }

  #write(frame: PendingFrame, dispose: number): void {
    const plays = this.options.loopCount;
    this.#gif.writeFrame(frame.index, this.width, this.height, {
      palette: frame.palette,
      delay: frame.delayCs * 10,
      // gifenc: -1 no NETSCAPE2.0 extension (one play), 0 forever, n repeats.
      repeat: plays === 0 ? 0 : plays === 1 ? -1 : plays - 1,
      transparent: frame.transparentIndex >= 0,
      transparentIndex: Math.max(0, frame.transparentIndex),
      dispose,
    });
    this.#frames++;
    this.#pending = undefined;
    const size = this.#gif.bytesView().length;
    const maxBytes = this.options.maxBytes ?? GIF_MAX_OUTPUT_BYTES;
    if (size > maxBytes) throw new GifTooLarge(`the animated GIF passed ${maxBytes} bytes at frame ${this.#frames}`);
  }

  /** Writes the last frame and returns the GIF's bytes; at least one frame must have been added. */
  finish(): Uint8Array<ArrayBuffer> {
    if (!this.#pending) throw new Error('a GIF needs a frame');
    // The last frame's disposal does not matter: a loop starts again on a cleared canvas.
    this.#write(this.#pending, 1);
    this.#gif.finish();
    return this.#gif.bytes() as Uint8Array<ArrayBuffer>;
  }
}

/** A still as a one-frame GIF (an animation served as its first frame to a client that gets GIF). */
export function encodeStillGif(pixels: Pixels, alpha: boolean): ArrayBuffer {
  const encoder = new AnimatedGifEncoder(pixels.width, pixels.height, { alpha, loopCount: 1 });
  encoder.add(pixels, 0);
  return encoder.finish().buffer;
}
