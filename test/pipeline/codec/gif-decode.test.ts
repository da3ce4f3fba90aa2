/** GIF's first frame, decoded by gif-decode.ts: omggif's pixels for good files, every declared size bounded for bad ones. */
import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import trafficGif from '../../../samples/gif/traffic-light.gif?bytes';
import { ImageError } from '../../../src/http/problem.js';
import { decodeGifFirstFrame } from '../../../src/pipeline/codec/gif-decode.js';
import animated8 from '../../fixtures/animated-8-frames-32x32.gif?bytes';
import { corpusAvailable, corpusFile } from '../../helpers/corpus.js';
import { writeGif } from '../../helpers/gif-writer.js';

/** omggif's frame 0 over a transparent screen: the independent reference. */
function omggifFirstFrame(bytes: Uint8Array) {
  const reader = new GifReader(bytes);
  const data = new Uint8ClampedArray(reader.width * reader.height * 4);
  reader.decodeAndBlitFrameRGBA(0, data);
  return { data, width: reader.width, height: reader.height };
}

function sameBytes(a: Uint8ClampedArray, b: Uint8ClampedArray): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function failure(run: () => unknown): ImageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImageError);
    return error as ImageError;
  }
  throw new Error('no error');
}

const grey = Array.from({ length: 256 }, (_, i) => [i, 255 - i, (i * 7) & 255]);
const ramp = (n: number, mod = 256) => Array.from({ length: n }, (_, i) => (i * 37) % mod);

describe('the same pixels as omggif', () => {
  it.each([
    ['samples/gif/traffic-light.gif', trafficGif],
    ['fixtures/animated-8-frames-32x32.gif', animated8],
    ['a written 20×10 frame over all 256 colours', writeGif({ width: 20, height: 10, palette: grey, frames: [{ indices: ramp(200) }] })],
    ['a written interlaced 13×11 frame', writeGif({ width: 13, height: 11, palette: grey, frames: [{ indices: ramp(143), interlaced: true }] })],
    ['a written 9×7 frame at (3, 2) on 16×12 with a transparent index', writeGif({ width: 16, height: 12, palette: grey, frames: [{ left: 3, top: 2, width: 9, height: 7, indices: ramp(63, 5), transparentIndex: 2 }] })],
    ['a written frame with a local palette of 4', writeGif({ width: 8, height: 8, palette: grey, frames: [{ indices: ramp(64, 4), palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]] }] })],
  ])('%s', (_, bytes) => {
    const ours = decodeGifFirstFrame(bytes);
    const reference = omggifFirstFrame(bytes);
    expect({ width: ours.width, height: ours.height }).toEqual({ width: reference.width, height: reference.height });
    expect(sameBytes(ours.data, reference.data)).toBe(true);
  });

  it.runIf(corpusAvailable).each(['gif/animated-45-frames.gif', 'gif/animated-aero.gif', 'gif/animated-alpha-traffic-light.gif'])('corpus %s', async (path) => {
    const bytes = await corpusFile(path);
    const ours = decodeGifFirstFrame(bytes, { strict: true });
    const reference = omggifFirstFrame(bytes);
    expect(ours.width).toBe(reference.width);
    expect(sameBytes(ours.data, reference.data)).toBe(true);
  });
});

describe('every size the file declares is bounded before it is used', () => {
  // The case found in another project's suite: a small screen whose first frame claims ~57000×60000 far away.
  const farFrame = writeGif({ width: 10, height: 10, palette: grey, frames: [{ left: 50000, top: 50000, width: 57000, height: 60000, indices: ramp(100) }] });

  it('gives a transparent screen for a 57000×60000 first frame far off a 10×10 screen, decoding nothing', () => {
    const image = decodeGifFirstFrame(farFrame);
    expect({ width: image.width, height: image.height, bytes: image.data.byteLength }).toEqual({ width: 10, height: 10, bytes: 400 });
    expect(image.data.every((v) => v === 0)).toBe(true);
  });

  it('refuses that frame in strict mode (an upload), by its work, before decoding', () => {
    const error = failure(() => decodeGifFirstFrame(farFrame, { strict: true }));
    expect(error.status).toBe(413);
    expect(error.detail).toMatch(/57000×60000 at \(50000, 50000\) on a 10×10 screen.*3420\.0 MP of work, over the 5\.0 MP limit/);
  });

  it('clips a 57000×60000 frame at (0, 0) to the screen, decoding only the rows that show', () => {
    const bytes = writeGif({ width: 10, height: 10, palette: grey, frames: [{ width: 57000, height: 60000, indices: ramp(300) }] });
    const image = decodeGifFirstFrame(bytes);
    expect(image.data.byteLength).toBe(400);
    // The first 300 coded pixels are all in row 0 of the frame: its first 10 land on the screen, the rest nowhere.
    for (let x = 0; x < 10; x++) expect(Array.from(image.data.subarray(x * 4, x * 4 + 4))).toEqual([...grey[(x * 37) % 256]!, 255]);
    expect(image.data.subarray(40).every((v) => v === 0)).toBe(true);
  });

  it('refuses an interlaced oversized frame by its work (its rows arrive in four passes over the whole frame)', () => {
    const bytes = writeGif({ width: 10, height: 10, palette: grey, frames: [{ width: 57000, height: 60000, indices: ramp(10), interlaced: true }] });
    expect(failure(() => decodeGifFirstFrame(bytes)).status).toBe(413);
  });

  it('paints an index past a 2-entry palette opaque black, inside the screen only', () => {
    const bytes = writeGif({ width: 4, height: 1, palette: [[255, 0, 0], [0, 255, 0]], frames: [{ indices: [0, 1, 200, 255] }] });
    const image = decodeGifFirstFrame(bytes);
    expect(Array.from(image.data)).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
  });
});

describe('damaged data', () => {
  const whole = writeGif({ width: 40, height: 30, palette: grey, frames: [{ indices: ramp(1200) }] });
  const cut = writeGif({ width: 40, height: 30, palette: grey, frames: [{ indices: ramp(1200), cutDataAt: 600 }] });

  it('shows what a cut-short frame has, the rest transparent (as browsers do), but refuses it in strict mode', () => {
    const image = decodeGifFirstFrame(cut);
    const full = decodeGifFirstFrame(whole);
    // 600 bytes of 9-bit codes (with a clear every 250) are ~528 pixels: 13 whole rows.
    expect(sameBytes(image.data.subarray(0, 13 * 40 * 4), full.data.subarray(0, 13 * 40 * 4))).toBe(true);
    expect(image.data.subarray(14 * 40 * 4).every((v) => v === 0)).toBe(true);
    const error = failure(() => decodeGifFirstFrame(cut, { strict: true }));
    expect(error.status).toBe(422);
    expect(error.detail).toMatch(/ends after \d+ of its 1200 pixels/);
  });

  it.each([
    ['no colour table at all', writeGif({ width: 4, height: 4, frames: [{ indices: ramp(16, 2) }] }), /no colour table/],
    ['an LZW minimum code size of 0', patch(whole, (b) => (b[13 + 768 + 10] = 0)), /minimum code size is 0/],
    ['a code before its table entry exists', lzwGarbage(), /before its table entry exists/],
    ['a trailer before any image', new Uint8Array([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([1, 0, 1, 0, 0, 0, 0, 0x3b])), /no image/],
    ['the file ending in the image descriptor', whole.subarray(0, 13 + 768 + 5), /ends inside the image descriptor/],
  ])('answers 422 for %s', (_, bytes, detail) => {
    const error = failure(() => decodeGifFirstFrame(bytes, { strict: true }));
    expect(error.status).toBe(422);
    expect(error.detail).toMatch(detail);
  });
});

function patch(bytes: Uint8Array, change: (b: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  change(copy);
  return copy;
}

/** A 4×4 GIF whose second code (9-bit, after clear and one index) is 400, far past the next table entry (258). */
function lzwGarbage(): Uint8Array {
  const head = writeGif({ width: 4, height: 4, palette: grey, frames: [{ indices: [] }] });
  const descriptorEnd = 13 + 768 + 10;
  const codes = [256, 5, 400, 257];
  let buffer = 0n;
  codes.forEach((c, i) => (buffer |= BigInt(c) << BigInt(i * 9)));
  const data = Array.from({ length: 5 }, (_, i) => Number((buffer >> BigInt(i * 8)) & 0xffn));
  return new Uint8Array([...head.subarray(0, descriptorEnd), 8, data.length, ...data, 0, 0x3b]);
}
