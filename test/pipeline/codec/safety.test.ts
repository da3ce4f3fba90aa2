import { describe, expect, it } from 'vitest';
import { CodecSession, decodeJpegScaled, decodeWebpScaled, trapForTesting } from '../../../src/pipeline/codec/index.js';
import dune from '../../../samples/photos/dune.jpg?bytes';
import storm from '../../../samples/photos/storm.jpg?bytes';
import rose from '../../../samples/webp/rose.webp?bytes';
import png from '../../../samples/alpha/rose.png?bytes';
import { scaledFailure } from '../../helpers/pixels.js';

/** The next decode is unaffected: a fresh instance per call. */
function stillWorks(): void {
  expect(decodeJpegScaled(dune, 8)).toMatchObject({ width: 210, height: 132 });
  expect(decodeWebpScaled(rose, 40, 30)).toMatchObject({ width: 40, height: 30 });
}

/** A copy of a JPEG whose frame header (SOF0..SOF2) claims another size: a hostile upload. */
function withClaimedSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const bytes = jpeg.slice();
  for (let i = 2; i + 9 < bytes.length; ) {
    const marker = bytes[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      bytes.set([height >> 8, height & 255, width >> 8, width & 255], i + 5);
      return bytes;
    }
    i += 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
  }
  throw new Error('no SOF marker');
}

describe('corrupt input is a clean error, and the next decode works', () => {
  it('a JPEG cut in half (libjpeg: premature end of file, a warning)', () => {
    const error = scaledFailure(() => decodeJpegScaled(dune.subarray(0, dune.length >> 1), 2), 'corrupt');
    expect(error.message).toMatch(/premature end/i);
    stillWorks();
  });

  it('a progressive JPEG cut short', () => {
    scaledFailure(() => decodeJpegScaled(storm.subarray(0, storm.length - 5000), 4), 'corrupt');
    stillWorks();
  });

  it('with strict: false, a truncated JPEG decodes with libjpeg grey filling the rest', () => {
    const image = decodeJpegScaled(dune.subarray(0, dune.length >> 1), 8, { strict: false });
    expect([image.width, image.height]).toEqual([210, 132]);
    const last = image.data.subarray(image.data.length - 4);
    expect(Array.from(last)).toEqual([128, 128, 128, 255]);
  });

  it('an end-of-image marker in the middle of the scan', () => {
    const bytes = dune.slice();
    bytes.set([0xff, 0xd9], bytes.length >> 1);
    scaledFailure(() => decodeJpegScaled(bytes, 1), 'corrupt');
    stillWorks();
  });

  it.each([
    ['empty input', new Uint8Array(0)],
    ['only the header', dune.subarray(0, 300)],
    ['a PNG', png],
    ['a WebP', rose],
  ])('%s is not a JPEG', (_name, bytes) => {
    const error = scaledFailure(() => decodeJpegScaled(bytes, 1), _name === 'only the header' ? 'corrupt' : 'invalid');
    expect(error.message.length).toBeGreaterThan(5);
    stillWorks();
  });

  it.each([
    ['cut in half', rose.subarray(0, rose.length >> 1)],
    ['only the RIFF header', rose.subarray(0, 30)],
    ['empty', new Uint8Array(0)],
    ['a JPEG', dune],
  ])('a WebP %s is a clean error', (_name, bytes) => {
    scaledFailure(() => decodeWebpScaled(bytes, 100, 75), 'invalid');
    stillWorks();
  });

  it('a trap inside the module (unreachable) leaves the next decode unaffected', () => {
    const error = scaledFailure(() => trapForTesting(), 'trap');
    expect(error.cause).toBeInstanceOf(WebAssembly.RuntimeError);
    stillWorks();
  });
});

describe('allocations are bounded', () => {
  it('refuses an output over maxOutputBytes before allocating it', () => {
    const error = scaledFailure(() => decodeJpegScaled(dune, 1, { maxOutputBytes: 1680 * 1050 * 4 - 1 }), 'too-large');
    expect(error.message).toContain('1680x1050');
    expect(decodeJpegScaled(dune, 2, { maxOutputBytes: 840 * 525 * 4 }).width).toBe(840);
    scaledFailure(() => decodeWebpScaled(rose, 4000, 3000, { maxOutputBytes: 40_000_000 }), 'too-large');
  });

  it('refuses a hostile header (65500×65500) by the output limit at any scale', () => {
    const hostile = withClaimedSize(dune, 65500, 65500);
    for (const denom of [1, 2, 4, 8] as const) scaledFailure(() => decodeJpegScaled(hostile, denom), 'too-large');
    stillWorks();
  });

  it('cannot grow past the module maximum (96 MiB) even with the output limit lifted', () => {
    // 1/8 of 65500² is 8188² RGBA = 268 MB: malloc fails inside the module, which reports it.
    scaledFailure(() => decodeJpegScaled(withClaimedSize(dune, 65500, 65500), 8, { maxOutputBytes: 0xffff_ffff }), 'out-of-memory');
    stillWorks();
  });

  it("caps libjpeg's working memory: a progressive file's coefficient buffers", () => {
    // storm.jpg is progressive: at 1/1 libjpeg keeps every coefficient (2 bytes × 64 per block: 7.4 MB here); at 1/8
    // progressive.c keeps the DC and a nonzero bit per other coefficient (10 bytes a block: 0.7 MB).
    const error = scaledFailure(() => decodeJpegScaled(storm, 1, { maxWorkBytes: 1 << 20 }), 'too-large');
    expect(error.message).toMatch(/working memory/);
    scaledFailure(() => decodeJpegScaled(storm, 1, { maxWorkBytes: 7 << 20 }), 'too-large');
    expect(decodeJpegScaled(storm, 1, { maxWorkBytes: 8 << 20 }).width).toBe(1920);
    expect(decodeJpegScaled(storm, 8, { maxWorkBytes: 1 << 20 }).width).toBe(240);
    // A baseline file needs only a few rows of working memory.
    expect(decodeJpegScaled(dune, 8, { maxWorkBytes: 1 << 20 }).width).toBe(210);
    // A hostile progressive header: 30000² needs ~2.7 GB of coefficients at 1/1, ~250 MB even at 1/8.
    scaledFailure(() => decodeJpegScaled(withClaimedSize(storm, 30000, 30000), 8), 'too-large');
    stillWorks();
  });

  it('rejects arguments outside the API', () => {
    expect(() => decodeJpegScaled(dune, 3 as 2)).toThrow(RangeError);
    expect(() => decodeWebpScaled(rose, 0, 10)).toThrow(RangeError);
    expect(() => decodeWebpScaled(rose, 10.5, 10)).toThrow(RangeError);
    expect(() => decodeJpegScaled(dune, 2, { maxOutputBytes: -1 })).toThrow(RangeError);
  });
});

describe('memory follows the output size', () => {
  it('a 1/8 decode right after a 1/1 decode starts from a fresh, small instance', () => {
    const big = decodeJpegScaled(dune, 1);
    const small = decodeJpegScaled(dune, 8);
    console.log(`dune.jpg peak linear memory: 1/1 ${big.stats.peakMemoryBytes} B, 1/8 ${small.stats.peakMemoryBytes} B`);
    expect(big.stats.peakMemoryBytes).toBeGreaterThan(1680 * 1050 * 4);
    // Over what a fresh instance has (its static data: 1.69 MiB since dav1d's tables, 1.38 before).
    const fresh = CodecSession.open().memoryBytes;
    expect(small.stats.peakMemoryBytes - fresh).toBeLessThan((big.stats.peakMemoryBytes - fresh) / 5);
    expect(small.stats.inputBytesInHeap).toBe(65536); // the JPEG is read from JS in 64 KiB pieces
  });

  it('each scale needs about its own output plus a little', () => {
    // A little: libjpeg's state and two 64 KiB input pieces (measured 5–85 KiB over a fresh instance and the output).
    const fresh = CodecSession.open().memoryBytes;
    for (const denom of [1, 2, 4, 8] as const) {
      const image = decodeJpegScaled(dune, denom);
      expect(image.stats.peakMemoryBytes).toBeLessThan(fresh + image.data.length + 128 * 1024);
    }
  });
});

describe("libjpeg's warnings: which lose data", () => {
  /** A copy with `extra` bytes inserted at `at`. */
  const inserted = (bytes: Uint8Array, at: number, extra: number[]) => new Uint8Array([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
  /** The offset of the first SOS marker. */
  const sosAt = (jpeg: Uint8Array) => {
    for (let at = 2; ; at += 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!)) if (jpeg[at + 1] === 0xda) return at;
  };

  it.each([
    ['before its SOS marker', (b: Uint8Array) => inserted(b, sosAt(b), [0x00, 0x12, 0x34])],
    ['before its EOI marker (after the scan)', (b: Uint8Array) => inserted(b, b.length - 2, [0x00, 0x00, 0x00, 0x00])],
  ])('decodes a JPEG with extraneous bytes %s as browsers do, same pixels, even in strict mode', (_, damage) => {
    const damaged = damage(dune);
    for (const denom of [1, 8] as const) {
      const clean = decodeJpegScaled(dune, denom);
      const expected = clean.data.slice();
      const got = decodeJpegScaled(damaged, denom, { strict: true });
      expect(got.data.length).toBe(expected.length);
      expect(got.data.every((v, i) => v === expected[i])).toBe(true);
    }
  });

  it('still refuses a premature end of file in strict mode (data is lost)', () => {
    scaledFailure(() => decodeJpegScaled(dune.subarray(0, dune.length >> 1), 8, { strict: true }), 'corrupt');
  });
});
