/**
 * The per-transform codec session (src/pipeline/codec/session.ts) and what runs in it: the streamed JPEG decode
 * (same pixels as the whole decode, rows only forwards, a truncated file kills the session), the resampler fed from
 * the stream, libwebp's encoder (checked with jSquash's independent WebP decoder), and the session's memory
 * (pixels that survive growth, release, reuse of freed blocks, the encoder's peak).
 */
import { describe, expect, it } from 'vitest';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import { copyRows, resample, rowsOf, type RowSource } from '../../../src/pipeline/pixels/resample.js';
import {
  CodecSession,
  decodeJpegScaled,
  encodeAvifScaled,
  encodeWebpScaled,
  CodecError,
  streamJpegScaled,
  type JpegScale,
} from '../../../src/pipeline/codec/index.js';
import { POOL_LIMIT_BYTES } from '../../../src/pipeline/codec/index.js';
import { beginJpegRows } from '../../../src/pipeline/codec/streamed.js';
import { magicOf } from '../../helpers/images.js';
import { gradient, scaledFailure } from '../../helpers/pixels.js';
import { jsquashDecodeAvif, jsquashDecodeWebp, jsquashEncodeJpeg } from '../../helpers/jsquash-reference.js';
import arithmetic from '../../fixtures/arithmetic-64x48.jpg?bytes';
import cmyk from '../../fixtures/cmyk-64x48.jpg?bytes';
import grey from '../../fixtures/grey-64x48.jpg?bytes';
import progressive from '../../fixtures/quadrants-progressive-64x48.jpg?bytes';
import quadrants from '../../fixtures/quadrants-64x48.jpg?bytes';
import truncated from '../../fixtures/truncated-128x96.jpg?bytes';
import dune from '../../../samples/photos/dune.jpg?bytes';

const SCALES: JpegScale[] = [1, 2, 4, 8];

/** Every row of a stream, in order, gathered into one image (then the stream is finished). */
function readAll(rows: RowSource & { finish(): void }): Pixels {
  const data = new Uint8ClampedArray(rows.width * rows.height * 4);
  for (let y = 0; y < rows.height; y++) data.set(rows.row(y), y * rows.width * 4);
  rows.finish();
  return { data, width: rows.width, height: rows.height };
}

/** The first byte at which two images differ (-1 when they are identical), so a failure says where, not a huge diff. */
function firstDifference(a: Pixels, b: Pixels): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  expect(a.data.length).toBe(b.data.length);
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return i;
  return -1;
}

/** The mean absolute difference over channels `from`..`to` (R, G, B = 0..3; A = 3..4). */
function meanAbsDiff(a: Pixels, b: Pixels, from = 0, to = 3): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) for (let c = from; c < to; c++) sum += Math.abs(a.data[i + c]! - b.data[i + c]!);
  return sum / ((a.data.length / 4) * (to - from));
}

/** Each component's sampling-factor byte (H << 4 | V) from a JPEG's first SOF marker. */
function samplingFactors(jpeg: Uint8Array): number[] {
  for (let at = 2; at + 4 < jpeg.length; ) {
    const marker = jpeg[at + 1]!;
    const length = (jpeg[at + 2]! << 8) | jpeg[at + 3]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      const count = jpeg[at + 9]!;
      return Array.from({ length: count }, (_, i) => jpeg[at + 11 + i * 3]!);
    }
    at += 2 + length;
  }
  throw new Error('no SOF marker');
}

/** The chunk FourCCs of a RIFF/WEBP file, in order. */
function webpChunks(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: string[] = [];
  for (let at = 12; at + 8 <= bytes.length; at += 8 + ((view.getUint32(at + 4, true) + 1) & ~1)) {
    chunks.push(String.fromCharCode(...bytes.subarray(at, at + 4)));
  }
  return chunks;
}

const MiB = 1024 * 1024;

describe('streamJpegScaled gives the same pixels as decodeJpegScaled', async () => {
  // 37×101: odd on both axes, several strips, and a partial last iMCU row at every scale.
  const odd = await jsquashEncodeJpeg(gradient(37, 101), { quality: 90 });
  // 4:4:4 (no chroma subsampling): mozjpeg's chroma_subsample 1.
  const yuv444 = await jsquashEncodeJpeg(gradient(97, 63), { quality: 90, chroma_subsample: 1 });
  it('the 4:4:4 sample really is 4:4:4 (every component sampled 1×1 in its SOF)', () => {
    expect(samplingFactors(yuv444)).toEqual([0x11, 0x11, 0x11]);
    expect(samplingFactors(dune)).toEqual([0x22, 0x11, 0x11]);
  });

  it.each([
    ['quadrants-64x48.jpg (baseline)', quadrants, 64, 48],
    ['quadrants-progressive-64x48.jpg', progressive, 64, 48],
    ['grey-64x48.jpg (one component)', grey, 64, 48],
    ['cmyk-64x48.jpg (CMYK, Adobe APP14)', cmyk, 64, 48],
    ['arithmetic-64x48.jpg (arithmetic coding)', arithmetic, 64, 48],
    ['a synthetic 37×101 (odd size)', odd, 37, 101],
    ['a synthetic 97×63 at 4:4:4', yuv444, 97, 63],
    ['dune.jpg (1680×1050, 4:2:0)', dune, 1680, 1050],
  ] as const)('%s, byte for byte at 1/1, 1/2, 1/4 and 1/8, in one session', (_name, bytes, width, height) => {
    const session = CodecSession.open();
    for (const denom of SCALES) {
      const streamed = readAll(streamJpegScaled(session, bytes, denom));
      expect([streamed.width, streamed.height]).toEqual([Math.ceil(width / denom), Math.ceil(height / denom)]);
      expect(firstDifference(streamed, decodeJpegScaled(bytes, denom)), `first differing byte at 1/${denom}`).toBe(-1);
    }
  });
});

describe('streamJpegScaled rows go forwards only', () => {
  it('a row behind the current strip, past the end, or after finish() is a RangeError', () => {
    const session = CodecSession.open();
    const rows = streamJpegScaled(session, quadrants, 1); // 64×48: strips of 16 rows
    const whole = decodeJpegScaled(quadrants, 1);
    const rowBytes = 64 * 4;
    expect(Array.from(rows.row(20))).toEqual(Array.from(whole.data.subarray(20 * rowBytes, 21 * rowBytes))); // strip 16..31
    expect(() => rows.row(15)).toThrow(RangeError);
    expect(() => rows.row(0)).toThrow(RangeError);
    // Rows of the current strip may be asked for again, in any order.
    expect(Array.from(rows.row(16))).toEqual(Array.from(whole.data.subarray(16 * rowBytes, 17 * rowBytes)));
    expect(Array.from(rows.row(31))).toEqual(Array.from(whole.data.subarray(31 * rowBytes, 32 * rowBytes)));
    expect(() => rows.row(48)).toThrow(RangeError);
    // A RangeError is the caller's mistake, not the module's: the session is still good.
    rows.finish();
    expect(() => rows.row(40)).toThrow(RangeError);
    expect(readAll(streamJpegScaled(session, quadrants, 2))).toMatchObject({ width: 32, height: 24 });
  });
});

describe('a truncated JPEG streamed', () => {
  it('fails as corrupt when its rows run out, and kills the session; a fresh one decodes fine', () => {
    const session = CodecSession.open();
    const rows = streamJpegScaled(session, truncated, 1);
    expect([rows.width, rows.height]).toEqual([128, 96]); // the header is intact
    // The data runs out in the second strip: rows 0..15 are the file's own pixels, as a lenient whole decode gives them.
    const lenient = decodeJpegScaled(truncated, 1, { strict: false });
    for (let y = 0; y < 16; y++) expect(Array.from(rows.row(y))).toEqual(Array.from(lenient.data.subarray(y * 512, (y + 1) * 512)));
    const error = scaledFailure(() => {
      for (let y = 16; y < rows.height; y++) rows.row(y);
      rows.finish();
    });
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/premature end/i);
    // Dead: finishing the stream, or anything else in the session, throws.
    expect(scaledFailure(() => rows.finish()).message).toMatch(/already failed: premature end/i);
    expect(scaledFailure(() => session.allocate(1, 1)).message).toMatch(/already failed/);
    expect(() => streamJpegScaled(session, quadrants, 1)).toThrow(CodecError);

    const fresh = CodecSession.open();
    expect(firstDifference(readAll(streamJpegScaled(fresh, quadrants, 1)), decodeJpegScaled(quadrants, 1))).toBe(-1);
  });
});

describe('resample from a JPEG stream', () => {
  const options = { premultiply: false, linear: true };
  // dune.jpg at 1/4 is 420×263: 17 strips; the downscales' vertical windows span strip boundaries.
  it.each([
    ['the whole image, down', { x: 0, y: 0, width: 420, height: 263 }, 150, 94],
    ['a crop from mid-image, down', { x: 37, y: 41, width: 300, height: 200 }, 97, 61],
    ['a crop ending at the last row, up', { x: 200, y: 213, width: 40, height: 50 }, 120, 150],
  ])('equals resample of the whole decode: %s', (_name, crop, width, height) => {
    const whole = decodeJpegScaled(dune, 4);
    const expected = resample(whole, crop, width, height, options);
    const rows = streamJpegScaled(CodecSession.open(), dune, 4);
    const streamed = resample(rows, crop, width, height, options);
    rows.finish();
    expect(firstDifference(streamed, expected), 'first differing byte').toBe(-1);
  });

  it("writes into a target in the stream's own session, allocated after the stream started (memory grows under the strip)", () => {
    const crop = { x: 37, y: 41, width: 300, height: 200 };
    const session = CodecSession.open();
    const rows = streamJpegScaled(session, dune, 4);
    const before = session.memoryBytes;
    const target = session.allocate(600, 400);
    expect(session.memoryBytes).toBeGreaterThan(before);
    resample(rows, crop, 600, 400, options, target);
    rows.finish();
    expect(firstDifference(target, resample(decodeJpegScaled(dune, 4), crop, 600, 400, options))).toBe(-1);
  });

  it('copyRows from the stream equals the same crop of the whole decode', () => {
    const crop = { x: 37, y: 41, width: 300, height: 200 };
    const blank = () => ({ data: new Uint8ClampedArray(300 * 200 * 4), width: 300, height: 200 });
    const rows = streamJpegScaled(CodecSession.open(), dune, 4);
    const streamed = copyRows(rows, crop, blank());
    rows.finish();
    expect(firstDifference(streamed, copyRows(rowsOf(decodeJpegScaled(dune, 4)), crop, blank()))).toBe(-1);
  });
});

describe('encodeWebpScaled (libwebp in the session)', () => {
  it('encodes a smooth gradient at quality 90 that jSquash decodes close to the input', async () => {
    const image = gradient(200, 150);
    const webp = encodeWebpScaled(image, 90);
    expect(magicOf(webp)).toBe('webp');
    expect(webpChunks(webp)).toEqual(['VP8 ']);
    const decoded = await jsquashDecodeWebp(webp);
    expect([decoded.width, decoded.height]).toEqual([200, 150]);
    // Measured 1.57.
    expect(meanAbsDiff(decoded, image)).toBeLessThan(2);
  });

  it('keeps alpha (an ALPH chunk, decoded exactly at alpha quality 100)', async () => {
    const image = gradient(64, 48, { alpha: true });
    const webp = encodeWebpScaled(image, 90);
    expect(webpChunks(webp)).toEqual(['VP8X', 'ALPH', 'VP8 ']);
    const decoded = await jsquashDecodeWebp(webp);
    expect(meanAbsDiff(decoded, image, 3, 4)).toBe(0);
    // Measured 1.80 (libwebp may change the colour under the one fully transparent pixel).
    expect(meanAbsDiff(decoded, image)).toBeLessThan(3);
  });

  it.each([
    [1, 1],
    [1, 300],
    [300, 1],
  ])('encodes a %i×%i image', async (width, height) => {
    const image = gradient(width, height);
    const decoded = await jsquashDecodeWebp(encodeWebpScaled(image, 90));
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    // Measured 0.67 (1×1), 1.03 (1×300), 1.01 (300×1).
    expect(meanAbsDiff(decoded, image)).toBeLessThan(3);
  });

  it('consumes the pixels it encodes', () => {
    const session = CodecSession.open();
    const pixels = session.hold(gradient(16, 16));
    expect(magicOf(session.encodeWebp(pixels, { quality: 80, method: 4, alphaQuality: 100 }))).toBe('webp');
    expect(pixels.released).toBe(true);
    expect(() => pixels.data).toThrow(/released/);
  });
});

/** The major brand of an ISOBMFF file's leading ftyp box. */
function majorBrand(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(4, 12));
}

describe('encodeAvifScaled (libavif + libaom in the session)', () => {
  it('encodes a smooth gradient that jSquash\'s AVIF decoder (libavif + dav1d) reads back close to the input', async () => {
    const image = gradient(200, 150);
    const avif = encodeAvifScaled(image, { quality: 75, speed: 8, alpha: false });
    expect(magicOf(avif)).toBe('avif');
    expect(majorBrand(avif)).toBe('ftypavif');
    const decoded = await jsquashDecodeAvif(avif);
    expect([decoded.width, decoded.height]).toEqual([200, 150]);
    const error = meanAbsDiff(decoded, image);
    console.log(`avif q75 gradient 200×150: ${avif.length} bytes, mean |Δ| RGB ${error.toFixed(2)}`);
    expect(error).toBeLessThan(3);
    expect(meanAbsDiff(decoded, { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? 255 : v)) }, 3, 4)).toBe(0);
  });

  it('keeps alpha when asked, and drops it (opaque output) when not', async () => {
    const image = gradient(64, 48, { alpha: true });
    const kept = await jsquashDecodeAvif(encodeAvifScaled(image, { quality: 75, speed: 8, alpha: true }));
    const alphaError = meanAbsDiff(kept, image, 3, 4);
    console.log(`avif q75 alpha ramp 64×48: mean |Δ| alpha ${alphaError.toFixed(2)}`);
    expect(alphaError).toBeLessThan(3);
    const dropped = await jsquashDecodeAvif(encodeAvifScaled(image, { quality: 75, speed: 8, alpha: false }));
    expect(dropped.data.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
  });

  it.each([
    [1, 1],
    [37, 101],
    [300, 1],
  ])('encodes a %i×%i image (odd sizes under 4:2:0)', async (width, height) => {
    const image = gradient(width, height);
    const decoded = await jsquashDecodeAvif(encodeAvifScaled(image, { quality: 75, speed: 8, alpha: false }));
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    expect(meanAbsDiff(decoded, image)).toBeLessThan(6);
  });

  it('consumes the pixels it encodes, and a bad setting fails cleanly (the session then refuses further work)', () => {
    const session = CodecSession.open();
    const pixels = session.hold(gradient(16, 16));
    expect(majorBrand(session.encodeAvif(pixels, { quality: 60, speed: 8, alpha: false }))).toBe('ftypavif');
    expect(() => pixels.data).toThrow(/released/);
    const error = scaledFailure(() => session.encodeAvif(session.hold(gradient(8, 8)), { quality: 101, speed: 8, alpha: false }));
    expect(error.code).toBe('invalid');
    expect(() => session.allocate(1, 1)).toThrow(CodecError);
  });

  it('an opaque 512×512 encode costs under 36 bytes per pixel (libaom all-intra, the RGBA freed for it)', () => {
    const session = CodecSession.open();
    const initial = session.memoryBytes;
    session.encodeAvif(session.hold(gradient(512, 512)), { quality: 60, speed: 8, alpha: false });
    const cost = session.memoryBytes - initial;
    console.log(`avif encode 512×512 opaque: +${(cost / MiB).toFixed(2)} MiB over ${(initial / MiB).toFixed(2)} MiB`);
    // Measured +8.06 MiB (32.2 bytes per pixel; at 1600×1600, 60.4 MiB = 24.7 B/px, the fixed part weighs less;
    // libaom 3.6.0 took +7.19 and 51.9 MiB):
    // libaom's whole-frame coefficients, a 2× output buffer, mode info and two frame copies, after the RGBA is
    // freed. jSquash's encoder heap was 83.5 MiB for 1600×1600 (34 B/px) before its JS and heap copies of the RGBA.
    expect(cost).toBeLessThan(512 * 512 * 36);
  });
});

describe('the module memory cap (96 MiB, below the isolate\'s 128 MB)', () => {
  it('a transparent WebP whose alpha is noise runs out of memory inside the module, cleanly; the next session works', () => {
    // libwebp encodes alpha losslessly (VP8L): noise costs ~30 MiB per megapixel (a real one, corpus
    // alpha/flower_alpha.png at 3.4 MP, needed 105 MiB), so 2000×2000 cannot fit under the cap.
    const image = gradient(2000, 2000);
    let seed = 1;
    for (let i = 3; i < image.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      image.data[i] = seed >>> 24;
    }
    const session = CodecSession.open();
    const error = scaledFailure(() => session.encodeWebp(session.hold(image), { quality: 80, method: 4, alphaQuality: 100 }));
    expect(error.code).toBe('out-of-memory');
    expect(session.memoryBytes).toBeLessThanOrEqual(96 * MiB);
    expect(magicOf(encodeWebpScaled(gradient(64, 64, { alpha: true }), 80))).toBe('webp');
  });
});

describe('SessionPixels', () => {
  it('still read their pixels after the memory has grown (the old buffer is detached)', () => {
    const session = CodecSession.open();
    const small = session.allocate(33, 17);
    for (let i = 0; i < small.data.length; i++) small.data[i] = (i * 7) & 255;
    const before = session.memoryBytes;
    const oldView = small.data;
    const large = session.allocate(4096, 2048); // 32 MiB
    expect(session.memoryBytes).toBeGreaterThanOrEqual(before + 32 * MiB);
    expect(oldView.byteLength).toBe(0); // detached: why `data` is re-viewed
    expect(small.data.length).toBe(33 * 17 * 4);
    expect(small.data.findIndex((value, i) => value !== ((i * 7) & 255))).toBe(-1);
    expect(large.data.length).toBe(32 * MiB);
  });

  it('throw when read after release; releaseAllExcept frees all but the one kept', () => {
    const session = CodecSession.open();
    const [a, b, c] = [session.allocate(8, 8), session.allocate(8, 8), session.allocate(8, 8)];
    c.data.fill(9);
    session.release(a);
    expect(() => a.data).toThrow(/released/);
    session.release(a); // a second release is a no-op, not a double free
    session.releaseAllExcept(c);
    expect([a.released, b.released, c.released]).toEqual([true, true, false]);
    expect(() => b.data).toThrow(/released/);
    expect(c.data.every((value) => value === 9)).toBe(true);
  });
});

describe('session memory', () => {
  it('reuses a freed block: a second 4 MiB image after releasing the first does not grow memory', () => {
    const session = CodecSession.open();
    const first = session.allocate(1024, 1024);
    const afterFirst = session.memoryBytes;
    session.release(first);
    const second = session.allocate(1024, 1024);
    expect(session.memoryBytes).toBe(afterFirst);
    expect(second.pointer).toBe(first.pointer);
  });

  /** What encoding a 1000×1000 gradient (in the session) adds to the session's memory, logged. */
  function encodeCost(alpha: boolean): number {
    const session = CodecSession.open();
    const initial = session.memoryBytes;
    const webp = session.encodeWebp(session.hold(gradient(1000, 1000, { alpha })), { quality: 80, method: 4, alphaQuality: 100 });
    const cost = session.memoryBytes - initial;
    console.log(`webp encode 1000×1000 ${alpha ? 'with alpha' : 'opaque'}: +${(cost / MiB).toFixed(2)} MiB over ${(initial / MiB).toFixed(2)} MiB, ${webp.length} bytes`);
    return cost;
  }

  it('encoding an opaque 1000×1000 costs no more than its RGBA and YUV: the RGBA is freed for the encoder', () => {
    // Measured +5.25 MiB = RGBA (4 MB) + YUV 4:2:0 (1.5 MB): libwebp's other buffers fit in the freed RGBA.
    // Keeping the RGBA (take_input = 0) measured +6.94 MiB.
    expect(encodeCost(false)).toBeLessThan(4_000_000 + 1_500_000 + 0.5 * MiB);
  });

  it('encoding a 1000×1000 with alpha costs about 7× its RGBA (libwebp encodes the alpha plane losslessly, VP8L)', () => {
    // Not derived but measured, as a guard: +26.31 MiB (YUVA 2.5 MB, the rest VP8L's buffers for the alpha plane);
    // 2500×2000 (5 MP, the default MAX_OUTPUT_PIXELS) measured +93.7 MiB. Keeping the RGBA measured +28.50 MiB.
    expect(encodeCost(true)).toBeLessThan(27 * MiB);
  });
});

describe('recycling: one idle session per isolate, kept only when healthy and small', () => {
  it('a recycled session is handed out again, with everything it held freed', () => {
    CodecSession.dropIdleForTesting();
    const first = CodecSession.acquire();
    const pixels = first.allocate(16, 16);
    first.recycle();
    expect(() => pixels.data).toThrow(/released/);
    const second = CodecSession.acquire();
    expect(second).toBe(first);
    expect(CodecSession.acquire()).not.toBe(first); // the idle slot is empty until it is recycled again
  });

  it('a failed session is not kept', () => {
    CodecSession.dropIdleForTesting();
    const session = CodecSession.acquire();
    expect(() => session.trapForTesting()).toThrow(CodecError);
    session.recycle();
    expect(CodecSession.acquire()).not.toBe(session);
  });

  // The isolate's sessions are streaming ones (JSPI): their input exports are entered asynchronously.
  it('a session with a JPEG stream still open is not kept', async () => {
    CodecSession.dropIdleForTesting();
    const session = CodecSession.acquire();
    session.setInput(quadrants);
    await (await beginJpegRows(session, 1)).ensure(0);
    session.recycle();
    expect(CodecSession.acquire()).not.toBe(session);
  });

  it(`a session whose memory grew past POOL_LIMIT_BYTES (${POOL_LIMIT_BYTES / 2 ** 20} MiB) is let go`, () => {
    CodecSession.dropIdleForTesting();
    const session = CodecSession.acquire();
    session.release(session.allocate(4096, Math.ceil(POOL_LIMIT_BYTES / (4096 * 4)) + 1));
    expect(session.memoryBytes).toBeGreaterThan(POOL_LIMIT_BYTES);
    session.recycle();
    expect(CodecSession.acquire()).not.toBe(session);
  });
});
