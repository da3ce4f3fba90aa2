/**
 * The first frame of an animated WebP, as a still WebP. libwebp's still decoder refuses animations outright, so we
 * cut frame 0's bitstream (its ALPH and VP8/VP8L chunks) out of its ANMF chunk and wrap it as a still WebP; the codec
 * (pipeline/codec/webp-anim.ts) decodes that and places it on the animation's canvas. Only frame 0 is ever read, so
 * no frame limit is needed.
 *
 * @example const { still, x, y, width, height } = firstWebpFrame(bytes);
 */
import { ascii, u24le } from './bytes.js';
import { riffChunks, riffEnd } from './riff.js';

export interface FirstFrame {
  /** A still WebP holding only frame 0. */
  still: Uint8Array;
  /** Where frame 0 sits on the canvas, and its size. */
  x: number;
  y: number;
  width: number;
  height: number;
  canvasWidth: number;
  canvasHeight: number;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(Array.from(type, (c) => c.charCodeAt(0)));
  new DataView(out.buffer).setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

/** Frame 0 of an animated (VP8X + ANMF) WebP as a still WebP, or an Error saying what is wrong with the file. */
export function firstWebpFrame(b: Uint8Array): FirstFrame {
  if (b.length < 30 || ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 4) !== 'WEBP' || ascii(b, 12, 4) !== 'VP8X') {
    throw new Error('not an extended (VP8X) WebP');
  }
  const canvasWidth = u24le(b, 24) + 1;
  const canvasHeight = u24le(b, 27) + 1;
  const limit = riffEnd(b);
  for (const { type, body, end } of riffChunks(b, 30, limit)) {
    if (end > limit) break;
    if (type === 'ANMF' && end - body >= 24) {
      const frame = b.subarray(body, end);
      const x = 2 * u24le(frame, 0);
      const y = 2 * u24le(frame, 3);
      const width = u24le(frame, 6) + 1;
      const height = u24le(frame, 9) + 1;
      if (x + width > canvasWidth || y + height > canvasHeight) throw new Error('the first WebP frame lies outside its canvas');
      return { still: stillOf(frame.subarray(16), width, height), x, y, width, height, canvasWidth, canvasHeight };
    }
  }
  throw new Error('the animated WebP has no frame');
}

/** RIFF + VP8X (alpha flag from ALPH or the VP8L header) + the frame's ALPH and VP8/VP8L chunks. */
function stillOf(frameData: Uint8Array, width: number, height: number): Uint8Array {
  const kept: Uint8Array[] = [];
  let alpha = false;
  for (const { type, body: from, end } of riffChunks(frameData, 0, frameData.length)) {
    if (end > frameData.length) break;
    const body = frameData.subarray(from, end);
    if (type === 'ALPH' || type === 'VP8 ' || type === 'VP8L') {
      kept.push(chunk(type, body));
      alpha ||= type === 'ALPH' || (type === 'VP8L' && body.length >= 5 && ((body[4]! >> 4) & 1) === 1);
    }
  }
  if (!kept.some((c) => ascii(c, 0, 3) === 'VP8')) throw new Error('the first WebP frame has no image data');
  const header = new Uint8Array(10);
  header[0] = alpha ? 0x10 : 0;
  header.set([(width - 1) & 255, ((width - 1) >> 8) & 255, (width - 1) >> 16, (height - 1) & 255, ((height - 1) >> 8) & 255, (height - 1) >> 16], 4);
  const parts = [chunk('VP8X', header), ...kept];
  const total = 4 + parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(8 + total);
  out.set([0x52, 0x49, 0x46, 0x46]);
  new DataView(out.buffer).setUint32(4, total, true);
  out.set([0x57, 0x45, 0x42, 0x50], 8);
  let offset = 12;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
