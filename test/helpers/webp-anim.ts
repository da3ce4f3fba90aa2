/** Reads an animated WebP's container by hand (RIFF → VP8X, ANIM, ANMF), independently of libwebp's demuxer. */
import { riffChunks, riffEnd } from '../../src/formats/riff.js';

export interface WebpAnimFrame {
  x: number;
  y: number;
  width: number;
  height: number;
  duration: number;
  /** ANMF flags: bit 1 "do not blend", bit 0 "dispose to background". */
  blend: boolean;
  dispose: boolean;
}

export interface WebpAnimContainer {
  animated: boolean;
  alpha: boolean;
  canvasWidth: number;
  canvasHeight: number;
  loopCount: number | undefined;
  frames: WebpAnimFrame[];
}

const u24 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);

export function readWebpAnimation(b: Uint8Array): WebpAnimContainer {
  const tag = (at: number) => String.fromCharCode(...b.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WEBP') throw new Error('not a WebP');
  if (tag(12) !== 'VP8X') return { animated: false, alpha: false, canvasWidth: 0, canvasHeight: 0, loopCount: undefined, frames: [] };
  const flags = b[20]!;
  const result: WebpAnimContainer = {
    animated: (flags & 0x02) !== 0,
    alpha: (flags & 0x10) !== 0,
    canvasWidth: u24(b, 24) + 1,
    canvasHeight: u24(b, 27) + 1,
    loopCount: undefined,
    frames: [],
  };
  const end = riffEnd(b);
  for (const chunk of riffChunks(b, 12, end)) {
    if (chunk.end > end) throw new Error(`chunk ${chunk.type} runs past the RIFF`);
    if (chunk.type === 'ANIM') result.loopCount = b[chunk.body + 4]! | (b[chunk.body + 5]! << 8);
    if (chunk.type === 'ANMF') {
      const at = chunk.body;
      result.frames.push({
        x: 2 * u24(b, at),
        y: 2 * u24(b, at + 3),
        width: u24(b, at + 6) + 1,
        height: u24(b, at + 9) + 1,
        duration: u24(b, at + 12),
        blend: (b[at + 15]! & 0x02) === 0,
        dispose: (b[at + 15]! & 0x01) !== 0,
      });
    }
  }
  return result;
}
