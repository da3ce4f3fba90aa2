/**
 * A GIF's first frame on its logical screen (GIF89a spec, sections 18–23 and appendix F) — and, through readFrameAt
 * and drawFrame, every frame of an animation (gif-frames.ts composites them) — decoded here rather than by
 * omggif because every size a GIF declares must be bounded before it is used: omggif allocates the frame descriptor's
 * width × height (a 10×10 screen whose first frame claims 57000×60000 far off-screen held a worker for ten minutes
 * at 4.4 GB). Here only the screen is allocated (its size was checked against the limits from the header); the frame
 * is clipped to it as browsers do, its LZW codes are decoded only as far as rows that land on the screen, and the
 * work that takes is bounded too. Same result as omggif's `decodeAndBlitFrameRGBA(0)` for well-formed files: the
 * frame over a transparent screen, its transparent index left transparent.
 */
import { ImageError } from '../../http/problem.js';
import type { Pixels } from '../pixels/rgba.js';

export interface GifDecodeOptions {
  /** Most frame pixels whose codes may be decoded (the frame can be larger than the screen); default 5 MP. */
  maxWorkPixels?: number;
  /** A frame whose data ends before its last pixel is an error (uploads); otherwise the rest stays transparent, as browsers show it. */
  strict?: boolean;
}

/** What the first frame is, found by walking the blocks (exported for tests). */
export interface GifFirstFrame {
  screenWidth: number;
  screenHeight: number;
  left: number;
  top: number;
  width: number;
  height: number;
  interlaced: boolean;
  /** RGB triples, 2–256 entries. */
  palette: Uint8Array;
  transparentIndex: number | undefined;
  minCodeSize: number;
  /** Offset of the first data sub-block (its length byte). */
  data: number;
}

function corrupt(detail: string): ImageError {
  return new ImageError(422, 'undecodable', `the gif master could not be decoded: ${detail}`);
}

function byteAt(b: Uint8Array, at: number, what: string): number {
  const v = b[at];
  if (v === undefined) throw corrupt(`the file ends inside ${what} (at byte ${at})`);
  return v;
}

const u16 = (b: Uint8Array, at: number, what: string) => byteAt(b, at, what) | (byteAt(b, at + 1, what) << 8);

/** Skips data sub-blocks from `at` (a length byte); the offset after the terminator. */
function skipSubBlocks(b: Uint8Array, at: number, what: string): number {
  for (;;) {
    const n = byteAt(b, at, what);
    at += 1 + n;
    if (n === 0) return at;
  }
}

/** The logical screen and the global colour table; `at` is the first block after them. */
export interface GifScreen {
  screenWidth: number;
  screenHeight: number;
  global: Uint8Array | undefined;
  at: number;
}

export function readScreen(b: Uint8Array): GifScreen {
  const screenWidth = u16(b, 6, 'the logical screen descriptor');
  const screenHeight = u16(b, 8, 'the logical screen descriptor');
  const flags = byteAt(b, 10, 'the logical screen descriptor');
  let at = 13;
  let global: Uint8Array | undefined;
  if (flags & 0x80) {
    const size = 3 << ((flags & 7) + 1);
    if (at + size > b.length) throw corrupt('the file ends inside the global colour table');
    global = b.subarray(at, at + size);
    at += size;
  }
  return { screenWidth, screenHeight, global, at };
}

/** A frame found by readFrameAt, with what its graphic control extension and the blocks before it said. */
export interface GifFrame extends GifFirstFrame {
  /** GCE delay in hundredths of a second (0 when absent). */
  delayCentiseconds: number;
  /** GCE disposal method 0..7 (0 when absent). */
  disposal: number;
  /** A NETSCAPE2.0 (or ANIMEXTS1.0) loop count seen before this frame: 0 is forever. */
  loopCount: number | undefined;
  /** The offset just after this frame's image data (where the next block starts). */
  next: number;
}

/** Whether an application extension at `at` is NETSCAPE2.0 / ANIMEXTS1.0; its loop count if so. */
function loopExtension(b: Uint8Array, at: number): number | undefined {
  if (b[at + 2] !== 11) return undefined;
  const id = String.fromCharCode(...b.subarray(at + 3, at + 14));
  if (id !== 'NETSCAPE2.0' && id !== 'ANIMEXTS1.0') return undefined;
  if (b[at + 14] !== 3 || b[at + 15] !== 1) return undefined;
  return u16(b, at + 16, 'the looping extension');
}

/**
 * The next image from block `at` (skipping extensions, reading a graphic control extension's transparency, delay
 * and disposal), or undefined at the trailer. `what` names the frame in errors.
 */
export function readFrameAt(b: Uint8Array, screen: GifScreen, at: number, what = 'the first image'): GifFrame | undefined {
  let transparentIndex: number | undefined;
  let delayCentiseconds = 0;
  let disposal = 0;
  let loopCount: number | undefined;
  for (;;) {
    const block = byteAt(b, at, `the blocks before ${what}`);
    if (block === 0x3b) return undefined;
    if (block === 0x21) {
      const label = byteAt(b, at + 1, 'an extension');
      // A graphic control extension that precedes the image gives its transparent index (the last one wins).
      if (label === 0xf9 && byteAt(b, at + 2, 'a graphic control extension') >= 4) {
        const packed = byteAt(b, at + 3, 'a graphic control extension');
        transparentIndex = packed & 1 ? byteAt(b, at + 6, 'a graphic control extension') : undefined;
        disposal = (packed >> 2) & 7;
        delayCentiseconds = u16(b, at + 4, 'a graphic control extension');
      }
      if (label === 0xff) loopCount = loopExtension(b, at) ?? loopCount;
      at = skipSubBlocks(b, at + 2, 'an extension');
      continue;
    }
    if (block !== 0x2c) throw corrupt(`unknown block 0x${block.toString(16)} at byte ${at} before ${what}`);
    const left = u16(b, at + 1, 'the image descriptor');
    const top = u16(b, at + 3, 'the image descriptor');
    const width = u16(b, at + 5, 'the image descriptor');
    const height = u16(b, at + 7, 'the image descriptor');
    const local = byteAt(b, at + 9, 'the image descriptor');
    at += 10;
    let palette = screen.global;
    if (local & 0x80) {
      const size = 3 << ((local & 7) + 1);
      if (at + size > b.length) throw corrupt('the file ends inside the local colour table');
      palette = b.subarray(at, at + size);
      at += size;
    }
    if (!palette) throw corrupt(`${what} has no colour table (neither global nor local)`);
    const minCodeSize = byteAt(b, at, 'the image data');
    if (minCodeSize < 1 || minCodeSize > 11) throw corrupt(`the LZW minimum code size is ${minCodeSize} (1..11 accepted)`);
    // A file cut inside the image data has no next block: `next` is then past the end, and the walk ends there.
    let next = at + 1;
    while (next < b.length) {
      const n = b[next]!;
      next += 1 + n;
      if (n === 0) break;
    }
    return {
      screenWidth: screen.screenWidth, screenHeight: screen.screenHeight, left, top, width, height,
      interlaced: (local & 0x40) !== 0, palette, transparentIndex, minCodeSize, data: at + 1,
      delayCentiseconds, disposal, loopCount, next: Math.min(next, b.length),
    };
  }
}

/** Walks the blocks up to the first image descriptor. */
export function findFirstFrame(b: Uint8Array): GifFirstFrame {
  const screen = readScreen(b);
  const frame = readFrameAt(b, screen, screen.at);
  if (!frame) throw corrupt('the file has no image (trailer before any image descriptor)');
  return frame;
}

/** Frame row of the n-th decoded row: interlaced frames come in 4 passes (rows 0,8,…; 4,12,…; 2,6,…; 1,3,…). */
function interlacedRow(n: number, height: number): number {
  const pass1 = Math.ceil(height / 8);
  if (n < pass1) return n * 8;
  n -= pass1;
  const pass2 = Math.ceil((height - 4) / 8);
  if (n < pass2) return 4 + n * 8;
  n -= pass2;
  const pass3 = Math.ceil((height - 2) / 4);
  if (n < pass3) return 2 + n * 4;
  return 1 + (n - pass3) * 2;
}

/**
 * The first frame of a GIF, composited onto a transparent logical screen of the header's size. A frame partly or
 * wholly off the screen is clipped; palette indices past the colour table are opaque black (as omggif gives them).
 */
export function decodeGifFirstFrame(b: Uint8Array, options: GifDecodeOptions = {}): Pixels {
  const f = findFirstFrame(b);
  const out = new Uint8ClampedArray(f.screenWidth * f.screenHeight * 4);
  drawFrame(b, f, out, options);
  return { data: out, width: f.screenWidth, height: f.screenHeight };
}

/**
 * Draws frame `f` over the screen-sized RGBA canvas `out` (its transparent index leaves the canvas as it is),
 * clipped to the screen, its work bounded by `options.maxWorkPixels`. Returns the frame pixels decoded (the work).
 */
export function drawFrame(b: Uint8Array, f: GifFirstFrame, out: Uint8ClampedArray, options: GifDecodeOptions = {}, what = "the gif's first frame"): number {
  const maxWork = options.maxWorkPixels ?? 5_000_000;
  // The part of the frame that lands on the screen, in frame coordinates.
  const visibleWidth = Math.max(0, Math.min(f.width, f.screenWidth - f.left));
  const visibleRows = Math.max(0, Math.min(f.height, f.screenHeight - f.top));
  // Codes are decoded in order, so the work is every frame pixel up to the last row that lands on the screen (in
  // strict mode, the whole frame: its end must be seen to know it is whole).
  const rowsToDecode = options.strict || f.interlaced ? f.height : visibleRows;
  const work = visibleWidth === 0 || visibleRows === 0 ? (options.strict ? f.width * f.height : 0) : f.width * rowsToDecode;
  if (work > maxWork) {
    throw new ImageError(413, 'input-too-large', `${what} is ${f.width}×${f.height} at (${f.left}, ${f.top}) on a ${f.screenWidth}×${f.screenHeight} screen: decoding it takes ${(work / 1e6).toFixed(1)} MP of work, over the ${(maxWork / 1e6).toFixed(1)} MP limit for gif`);
  }
  if (work === 0) return 0; // nothing of it is shown: no code need be decoded
  const paletteSize = f.palette.length / 3;
  const total = work; // frame pixels to produce
  let pixel = 0; // frame pixels produced so far
  // Each index's colour as one RGBA word (little-endian, as every engine we run on): past the table, opaque black.
  const clearCode = 1 << f.minCodeSize;
  const colours = new Uint32Array(clearCode);
  for (let i = 0; i < clearCode; i++) {
    colours[i] = i < paletteSize ? (0xff000000 | (f.palette[i * 3 + 2]! << 16) | (f.palette[i * 3 + 1]! << 8) | f.palette[i * 3]!) >>> 0 : 0xff000000;
  }
  if (out.byteOffset % 4 !== 0) throw new Error('drawFrame: the canvas must be 4-byte aligned');
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
  const transparent = f.transparentIndex ?? -1;
  // Where the current frame row lands on the screen (its first pixel), or -1 when it is off the screen.
  const rowStart = (n: number) => {
    const row = f.interlaced ? interlacedRow(n, f.height) : n;
    return row < visibleRows ? (f.top + row) * f.screenWidth + f.left : -1;
  };
  let column = 0;
  let rowNumber = 0;
  let start = rowStart(0);
  const put = (index: number) => {
    if (start >= 0 && column < visibleWidth && index !== transparent) words[start + column] = colours[index]!;
    pixel++;
    if (++column === f.width) {
      column = 0;
      start = rowStart(++rowNumber);
    }
  };

  // LZW (appendix F): codes of growing width, read LSB first from the concatenated sub-blocks.
  const clear = 1 << f.minCodeSize;
  const end = clear + 1;
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const firstOf = new Uint8Array(4096);
  const stack = new Uint8Array(4097);
  let size = f.minCodeSize + 1;
  let next = clear + 2;
  let previous = -1;
  let bits = 0;
  let buffer = 0;
  let at = f.data;
  let left = 0; // bytes left in the current sub-block
  for (let i = 0; i < clear; i++) {
    suffix[i] = i;
    firstOf[i] = i;
  }
  decoding: while (pixel < total) {
    while (bits < size) {
      if (left === 0) {
        const n = b[at++];
        if (n === undefined || n === 0) break decoding; // data ends (terminator or end of file)
        left = n;
      }
      const byte = b[at++];
      if (byte === undefined) break decoding;
      left--;
      buffer |= byte << bits;
      bits += 8;
    }
    const code = buffer & ((1 << size) - 1);
    buffer >>>= size;
    bits -= size;
    if (code === clear) {
      size = f.minCodeSize + 1;
      next = clear + 2;
      previous = -1;
      continue;
    }
    if (code === end) break;
    let sp = 0;
    let current = code;
    if (previous === -1) {
      if (code >= clear) throw corrupt(`the first LZW code after a clear is ${code}, not a colour index`);
      put(code);
      previous = code;
      continue;
    }
    if (code > next || (code === next && next >= 4096)) throw corrupt(`LZW code ${code} before its table entry exists (next ${next})`);
    if (code === next) {
      stack[sp++] = firstOf[previous]!;
      current = previous;
    }
    while (current >= clear) {
      stack[sp++] = suffix[current]!;
      current = prefix[current]!;
    }
    stack[sp++] = current;
    if (next < 4096) {
      prefix[next] = previous;
      suffix[next] = current;
      firstOf[next] = firstOf[previous]!;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    previous = code;
    while (sp > 0 && pixel < total) put(stack[--sp]!);
  }
  if (options.strict && pixel < total) {
    throw corrupt(`${what === "the gif's first frame" ? "the first frame" : what}'s data ends after ${pixel} of its ${f.width * f.height} pixels`);
  }
  return work;
}
