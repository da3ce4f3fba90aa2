/**
 * GIF output with gifenc (pure JS): for an animated master and a client that takes no WebP. Frames come one at a
 * time as full canvases (the animation pipeline composites them), and each is written as a full frame with its own
 * 256-colour palette: a palette from the first frame alone would ruin later frames that change colour (a fade, a
 * scene cut), and one palette over all frames would need every frame decoded twice or held. Memory is one canvas
 * copy, one index plane and gifenc's output so far.
 *
 * - The quantiser's histogram has 4 bits a channel (rgb444, or rgba4444 with transparency): 4096 bins at most, so
 *   its pairwise-nearest-neighbour merging costs ~40 ms for a 0.5 MP frame of many colours. rgb565 (65 536 bins)
 *   cost ~10× that (300–400 ms a frame, seconds per animation against a 10 s CPU limit) for ~10 % less error.
 * - Transparency is one bit: alpha < 128 becomes the transparent index, anything else is opaque. Frames of an output
 *   with alpha are disposed with 2 (clear to transparent), so that no frame shows through the transparent pixels of
 *   the next; opaque outputs keep the previous frame (1), which every full frame covers anyway.
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

/** The shortest delay (cs) browsers play as written. */
export const MIN_GIF_DELAY_CS = 2;

/** Centiseconds for a frame of `ms` milliseconds. */
export function gifDelayCentiseconds(ms: number): number {
  return Math.max(MIN_GIF_DELAY_CS, Math.round(ms / 10));
}

export class AnimatedGifEncoder {
  readonly #gif: GifencEncoder = GIFEncoder();
  readonly #rgba: Uint8Array;
  #frames = 0;

  /** `alpha`: whether frames may have transparency; `loopCount` as WebP (0 forever, n plays; 1 for a still). */
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly options: { alpha: boolean; loopCount: number; maxBytes?: number },
  ) {
    // gifenc reads the RGBA as a Uint32Array over the whole buffer: a copy of its own, offset 0.
    this.#rgba = new Uint8Array(width * height * 4);
  }

  /** Writes one full canvas shown for `durationMs`. */
  add(pixels: Pixels, durationMs: number): void {
    if (pixels.width !== this.width || pixels.height !== this.height) throw new Error('GIF frames differ in size');
    const rgba = this.#rgba;
    rgba.set(pixels.data);
    let transparent = false;
    if (this.options.alpha) {
      for (let i = 3; i < rgba.length; i += 4) {
        if (rgba[i]! < 128) {
          rgba[i - 3] = rgba[i - 2] = rgba[i - 1] = rgba[i] = 0;
          transparent = true;
        } else rgba[i] = 255;
      }
    }
    const format = transparent ? 'rgba4444' : 'rgb444';
    // With transparency one slot is kept for it, in case the quantiser merged the transparent pixels away.
    const palette = quantize(rgba, transparent ? 255 : 256, { format });
    let transparentIndex = -1;
    if (transparent) {
      transparentIndex = palette.findIndex((colour) => colour[3] === 0);
      if (transparentIndex < 0) transparentIndex = palette.push([0, 0, 0, 0]) - 1;
    }
    const index = applyPalette(rgba, palette, format);
    if (transparent) {
      // Pixels map by nearest RGBA; the one-bit alpha decides here, whatever colour was nearest.
      for (let p = 0; p < index.length; p++) {
        if (rgba[p * 4 + 3] === 0) index[p] = transparentIndex;
      }
    }
    const plays = this.options.loopCount;
    this.#gif.writeFrame(index, this.width, this.height, {
      palette,
      delay: gifDelayCentiseconds(durationMs) * 10,
      // gifenc: -1 no NETSCAPE2.0 extension (one play), 0 forever, n repeats.
      repeat: plays === 0 ? 0 : plays === 1 ? -1 : plays - 1,
      transparent: transparentIndex >= 0,
      transparentIndex: Math.max(0, transparentIndex),
      dispose: this.options.alpha ? 2 : 1,
    });
    this.#frames++;
    const size = this.#gif.bytesView().length;
    const maxBytes = this.options.maxBytes ?? GIF_MAX_OUTPUT_BYTES;
    if (size > maxBytes) throw new GifTooLarge(`the animated GIF passed ${maxBytes} bytes at frame ${this.#frames}`);
  }

  /** The GIF's bytes; at least one frame must have been added. */
  finish(): Uint8Array<ArrayBuffer> {
    if (this.#frames === 0) throw new Error('a GIF needs a frame');
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
