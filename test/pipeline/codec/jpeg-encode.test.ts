/**
 * The native JPEG encoder (libjpeg-turbo's compressor in our module, native/jpeg-encode.c `encode_jpeg`, through
 * CodecSession.encodeJpeg / encodeJpegScaled): what it writes (SOI, a baseline or progressive SOF, 4:2:0), that
 * our decoder and jSquash's independent mozjpeg decoder both read it back close to the input, odd sizes, errors,
 * and what it costs in the session's memory.
 */
import { describe, expect, it } from 'vitest';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import { CodecSession, decodeJpegScaled, encodeJpegScaled, CodecError } from '../../../src/pipeline/codec/index.js';
import { magicOf } from '../../helpers/images.js';
import { jsquashDecodeJpeg } from '../../helpers/jsquash-reference.js';
import { gradient } from '../../helpers/pixels.js';

const MiB = 1024 * 1024;

/** The mean absolute difference over R, G, B. */
function meanAbsDiff(a: Pixels, b: Pixels): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) for (let c = 0; c < 3; c++) sum += Math.abs(a.data[i + c]! - b.data[i + c]!);
  return sum / ((a.data.length / 4) * 3);
}

interface Frame {
  /** The SOF marker's second byte: 0xC0 baseline, 0xC1 extended sequential, 0xC2 progressive. */
  sof: number;
  width: number;
  height: number;
  /** Per component: horizontal and vertical sampling factors. */
  sampling: [number, number][];
  scans: number;
}

/** Walks the marker segments: the frame header (SOF) and the number of scans (SOS); entropy-coded data is skipped. */
function frameOf(jpeg: Uint8Array): Frame {
  expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
  expect([jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd9]);
  let frame: Omit<Frame, 'scans'> | undefined;
  let scans = 0;
  let i = 2;
  while (i < jpeg.length - 1) {
    if (jpeg[i] !== 0xff) throw new Error(`no marker at ${i}`);
    const marker = jpeg[i + 1]!;
    if (marker === 0xd9) break;
    const length = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const count = jpeg[i + 9]!;
      const sampling: [number, number][] = [];
      for (let c = 0; c < count; c++) {
        const factors = jpeg[i + 11 + c * 3]!;
        sampling.push([factors >> 4, factors & 15]);
      }
      frame = { sof: marker, height: (jpeg[i + 5]! << 8) | jpeg[i + 6]!, width: (jpeg[i + 7]! << 8) | jpeg[i + 8]!, sampling };
    }
    i += 2 + length;
    if (marker === 0xda) {
      scans++;
      // Entropy-coded data: up to the next marker that is neither a stuffed 0xFF00 nor a restart marker.
      while (i < jpeg.length - 1 && !(jpeg[i] === 0xff && jpeg[i + 1] !== 0 && (jpeg[i + 1]! < 0xd0 || jpeg[i + 1]! > 0xd7))) i++;
    }
  }
  if (!frame) throw new Error('no SOF marker');
  return { ...frame, scans };
}

describe('encodeJpegScaled (libjpeg-turbo in the session)', () => {
  it('writes a JFIF that starts FF D8 FF, 4:2:0 YCbCr, which our decoder and jSquash\'s mozjpeg read back close to the input', async () => {
    const image = gradient(200, 150);
    const jpeg = encodeJpegScaled(image, { quality: 90, progressive: true });
    expect(magicOf(jpeg)).toBe('jpeg');
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    // JFIF APP0 right after SOI.
    expect(String.fromCharCode(...jpeg.subarray(6, 10))).toBe('JFIF');
    const frame = frameOf(jpeg);
    expect([frame.width, frame.height]).toEqual([200, 150]);
    expect(frame.sampling).toEqual([
      [2, 2],
      [1, 1],
      [1, 1],
    ]);

    const ours = decodeJpegScaled(jpeg, 1);
    expect([ours.width, ours.height]).toEqual([200, 150]);
    const oursError = meanAbsDiff(ours, image);
    const theirs = await jsquashDecodeJpeg(jpeg);
    expect([theirs.width, theirs.height]).toEqual([200, 150]);
    const theirsError = meanAbsDiff(theirs, image);
    console.log(`jpeg q90 progressive gradient 200×150: ${jpeg.length} bytes, mean |Δ| RGB ${oursError.toFixed(2)} (our decoder), ${theirsError.toFixed(2)} (mozjpeg)`);
    // Measured 1.17 with both decoders (4207 bytes).
    expect(oursError).toBeLessThan(1.5);
    expect(theirsError).toBeLessThan(1.5);
  });

  it('progressive: true writes a progressive frame (SOF2) in several scans; false a baseline frame (SOF0) in one', () => {
    const image = gradient(120, 80);
    const progressive = frameOf(encodeJpegScaled(image, { quality: 82, progressive: true }));
    expect(progressive.sof).toBe(0xc2);
    // jpeg_simple_progression for YCbCr: 10 scans.
    expect(progressive.scans).toBe(10);
    const baseline = frameOf(encodeJpegScaled(image, { quality: 82, progressive: false }));
    expect(baseline.sof).toBe(0xc0);
    expect(baseline.scans).toBe(1);
  });

  it('the same pixels decode the same from the baseline and the progressive file (only the entropy coding differs)', () => {
    const image = gradient(96, 64);
    const a = decodeJpegScaled(encodeJpegScaled(image, { quality: 75, progressive: false }), 1);
    const b = decodeJpegScaled(encodeJpegScaled(image, { quality: 75, progressive: true }), 1);
    expect(meanAbsDiff(a, b)).toBe(0);
  });

  it('lower quality gives a smaller file and a larger error', () => {
    const image = gradient(256, 256);
    const high = encodeJpegScaled(image, { quality: 95, progressive: true });
    const low = encodeJpegScaled(image, { quality: 40, progressive: true });
    expect(low.length).toBeLessThan(high.length);
    expect(meanAbsDiff(decodeJpegScaled(low, 1), image)).toBeGreaterThan(meanAbsDiff(decodeJpegScaled(high, 1), image));
  });

  it.each([
    [1, 1, true],
    [1, 1, false],
    [37, 101, true],
    [37, 101, false],
    [300, 1, true],
  ])('encodes a %i×%i image (odd sizes under 4:2:0; progressive %s)', async (width, height, progressive) => {
    const image = gradient(width, height);
    const jpeg = encodeJpegScaled(image, { quality: 85, progressive });
    const frame = frameOf(jpeg);
    expect([frame.width, frame.height]).toEqual([width, height]);
    const ours = decodeJpegScaled(jpeg, 1);
    expect([ours.width, ours.height]).toEqual([width, height]);
    const theirs = await jsquashDecodeJpeg(jpeg);
    expect([theirs.width, theirs.height]).toEqual([width, height]);
    const oursError = meanAbsDiff(ours, image);
    const theirsError = meanAbsDiff(theirs, image);
    console.log(`jpeg q85 ${width}×${height} ${progressive ? 'progressive' : 'baseline'}: ${jpeg.length} bytes, mean |Δ| RGB ${oursError.toFixed(2)} (ours), ${theirsError.toFixed(2)} (mozjpeg)`);
    // Measured 0.33 (1×1), 1.51 (37×101), 0.75 (300×1), the same from both decoders and both modes.
    expect(oursError).toBeLessThan(2.5);
    expect(theirsError).toBeLessThan(2.5);
  });

  it('ignores alpha: the output is opaque YCbCr whatever the alpha bytes hold', () => {
    const image = gradient(32, 32);
    const seeThrough = { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? (i * 7) & 255 : v)) };
    const a = encodeJpegScaled(image, { quality: 80, progressive: true });
    const b = encodeJpegScaled(seeThrough, { quality: 80, progressive: true });
    expect(b).toEqual(a);
  });

  it('consumes the pixels it encodes', () => {
    const session = CodecSession.open();
    const pixels = session.hold(gradient(16, 16));
    expect(magicOf(session.encodeJpeg(pixels, { quality: 80, progressive: false }))).toBe('jpeg');
    expect(pixels.released).toBe(true);
    expect(() => pixels.data).toThrow(/released/);
    // The session is still healthy.
    expect(magicOf(session.encodeJpeg(session.hold(gradient(8, 8)), { quality: 80, progressive: true }))).toBe('jpeg');
  });

  it('refuses a quality outside 1..100 before calling the module (the pixels stay live, the session healthy)', () => {
    const session = CodecSession.open();
    const pixels = session.hold(gradient(8, 8));
    for (const quality of [0, 101, 82.5]) expect(() => session.encodeJpeg(pixels, { quality, progressive: true })).toThrow(RangeError);
    expect(pixels.released).toBe(false);
    expect(magicOf(session.encodeJpeg(pixels, { quality: 1, progressive: true }))).toBe('jpeg');
  });

  it("a module-side failure (a bad quality called directly) is 'invalid' and kills the session", () => {
    const session = CodecSession.open();
    const pixels = session.hold(gradient(8, 8));
    let caught: unknown;
    try {
      session.call((wasm) => wasm.encode_jpeg(pixels.pointer, 8, 8, 0, 1, 0));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CodecError);
    expect((caught as CodecError).code).toBe('invalid');
    expect((caught as CodecError).message).toMatch(/quality/);
    expect(() => session.allocate(1, 1)).toThrow(CodecError);
  });

  it("coefficients beyond libjpeg's 48 MiB working-memory budget fail as 'too-large', cleanly", () => {
    // 4200×4200 at 4:2:0: 263×263 MCUs of 6 blocks × 128 bytes = 53.1 MB of coefficients > 48 MiB. The RGBA (70.6 MB,
    // left uninitialised) fits in the module; libjpeg refuses in jpeg_start_compress, before reading a row.
    const session = CodecSession.open();
    const pixels = session.allocate(4200, 4200);
    let caught: unknown;
    try {
      session.encodeJpeg(pixels, { quality: 82, progressive: true });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CodecError);
    expect((caught as CodecError).code).toBe('too-large');
    expect(session.memoryBytes).toBeLessThanOrEqual(96 * MiB);
    expect(magicOf(encodeJpegScaled(gradient(8, 8), { quality: 82, progressive: true }))).toBe('jpeg');
  });
});

describe('encodeJpeg memory', () => {
  /** Encodes a width×height gradient in a fresh session; returns what that added to the session's memory, logged. */
  function encodeCost(width: number, height: number, progressive: boolean): { initial: number; peak: number; cost: number; bytes: number } {
    const session = CodecSession.open();
    const initial = session.memoryBytes;
    const pixels = session.hold(gradient(width, height));
    const jpeg = session.encodeJpeg(pixels, { quality: 82, progressive });
    const peak = session.memoryBytes;
    const cost = peak - initial;
    console.log(
      `jpeg encode ${width}×${height} q82 ${progressive ? 'progressive' : 'baseline'}: session peak ${(peak / MiB).toFixed(2)} MiB ` +
        `(+${(cost / MiB).toFixed(2)} MiB over ${(initial / MiB).toFixed(2)} MiB), ${jpeg.length} bytes`,
    );
    return { initial, peak, cost, bytes: jpeg.length };
  }

  /** libjpeg's whole-image coefficient buffers at 4:2:0: per 16×16 MCU, 4 luma + 2 chroma blocks of 64 × 2 bytes. */
  const coefficients = (width: number, height: number) => Math.ceil(width / 16) * Math.ceil(height / 16) * 6 * 128;

  it.each([true, false])('a 1600×1200 encode (progressive %s) costs its RGBA and its coefficients, not more', (progressive) => {
    const rgba = 1600 * 1200 * 4; // 7.68 MB
    const coef = coefficients(1600, 1200); // 5.76 MB
    const { peak, cost } = encodeCost(1600, 1200, progressive);
    // Measured +12.94 MiB over a fresh instance's 1.94 MiB (session peak 14.88 MiB), both ways: RGBA + coefficients
    // = 12.82 MiB, libjpeg's row buffers and pools ~0.1 MiB; the Huffman passes, the progressive refinement scans'
    // records and the output (153 KB here) fit in the freed RGBA. The instance's own 1.94 MiB are the module's code
    // tables and static data (256 KiB of them the resampler's linear-light pair table). jSquash's mozjpeg heap was
    // 40 MiB for the same size, besides its JS and heap copies of the RGBA.
    expect(cost).toBeLessThan(rgba + coef + 0.5 * MiB);
    expect(peak).toBeLessThan(rgba + coef + 2.5 * MiB);
  });
});
