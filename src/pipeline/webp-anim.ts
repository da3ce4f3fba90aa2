/**
 * The first frame of an animated WebP. jSquash's decoder (libwebp's WebPDecode) refuses animations outright
 * ("Decoding error"), and so does our scaled decoder; so we cut frame 0's bitstream (its ALPH and VP8/VP8L chunks)
 * out of its ANMF chunk, wrap it as a still WebP, decode that, and place it on the animation's transparent canvas
 * (the ANIM background colour is a hint that browsers ignore, as libwebp's own animation decoder does). Only frame 0
 * is ever read, so no frame limit is needed.
 *
 * @example const { data, width, height } = decodeFirstWebpFrame(bytes); // canvas-sized RGBA
 */
import type { Pixels } from './codecs.js';
import { decodeWebpScaled } from './scaled/index.js';
import { ascii, u24le, u32le } from './bytes.js';

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

const MAX_CHUNKS = 4096;

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
  const end = Math.min(b.length, 8 + u32le(b, 4));
  for (let at = 30, n = 0; at + 8 <= end && n < MAX_CHUNKS; n++) {
    const size = u32le(b, at + 4);
    if (at + 8 + size > end) break;
    if (ascii(b, at, 4) === 'ANMF' && size >= 24) {
      const frame = b.subarray(at + 8, at + 8 + size);
      const x = 2 * u24le(frame, 0);
      const y = 2 * u24le(frame, 3);
      const width = u24le(frame, 6) + 1;
      const height = u24le(frame, 9) + 1;
      if (x + width > canvasWidth || y + height > canvasHeight) throw new Error('the first WebP frame lies outside its canvas');
      return { still: stillOf(frame.subarray(16), width, height), x, y, width, height, canvasWidth, canvasHeight };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('the animated WebP has no frame');
}

/** RIFF + VP8X (alpha flag from ALPH or the VP8L header) + the frame's ALPH and VP8/VP8L chunks. */
function stillOf(frameData: Uint8Array, width: number, height: number): Uint8Array {
  const kept: Uint8Array[] = [];
  let alpha = false;
  for (let at = 0, n = 0; at + 8 <= frameData.length && n < MAX_CHUNKS; n++) {
    const type = ascii(frameData, at, 4);
    const size = u32le(frameData, at + 4);
    if (at + 8 + size > frameData.length) break;
    const body = frameData.subarray(at + 8, at + 8 + size);
    if (type === 'ALPH' || type === 'VP8 ' || type === 'VP8L') {
      kept.push(chunk(type, body));
      alpha ||= type === 'ALPH' || (type === 'VP8L' && size >= 5 && ((body[4]! >> 4) & 1) === 1);
    }
    at += 8 + size + (size & 1);
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

/** Frame 0 decoded and placed on a transparent canvas of the animation's size. */
export function decodeFirstWebpFrame(bytes: Uint8Array, maxOutputBytes?: number): Pixels {
  const frame = firstWebpFrame(bytes);
  const options = maxOutputBytes === undefined ? {} : { maxOutputBytes };
  const pixels = decodeWebpScaled(frame.still, frame.width, frame.height, options);
  if (frame.width === frame.canvasWidth && frame.height === frame.canvasHeight) {
    return { data: pixels.data, width: pixels.width, height: pixels.height };
  }
  const data = new Uint8ClampedArray(frame.canvasWidth * frame.canvasHeight * 4);
  for (let row = 0; row < frame.height; row++) {
    const from = row * frame.width * 4;
    data.set(pixels.data.subarray(from, from + frame.width * 4), ((frame.y + row) * frame.canvasWidth + frame.x) * 4);
  }
  return { data, width: frame.canvasWidth, height: frame.canvasHeight };
}
