/**
 * Progressive JPEGs at a reduced DCT scale keep only the coefficients that scale uses (native/src/progressive.c): the
 * top-left K×K of each block plus a nonzero bit for the rest. Memory per megapixel at each scale, measured through
 * libjpeg's own budget (max_memory_to_use); pixels against an independent decoder's.
 */
import { describe, expect, it } from 'vitest';
import storm from '../../../samples/photos/storm.jpg?bytes';
import { CodecSession, decodeJpegScaled, type JpegScale, streamJpegScaled } from '../../../src/pipeline/codec/index.js';
import { readImageHeader } from '../../../src/formats/header.js';
import { jsquashDecodeJpeg } from '../../helpers/jsquash-reference.js';
import { writeFlatProgressiveJpeg } from '../../helpers/jpeg-writer.js';
import { scaledFailure } from '../../helpers/pixels.js';
import arithmeticProgressive from '../../fixtures/arithmetic-progressive-128x96.jpg?bytes';
import progressiveFixture from '../../fixtures/quadrants-progressive-64x48.jpg?bytes';

const MiB = 1024 * 1024;

/** Streams every row at 1/denom with a working-memory budget; returns the output size and one row's first pixel. */
function streamAll(bytes: Uint8Array, denom: JpegScale, maxWorkBytes: number) {
  const session = CodecSession.open();
  const rows = streamJpegScaled(session, bytes, denom, { maxWorkBytes });
  let pixel: number[] = [];
  for (let y = 0; y < rows.height; y++) {
    const row = rows.row(y);
    if (y === rows.height >> 1) pixel = Array.from(row.subarray(0, 4));
  }
  rows.finish();
  return { width: rows.width, height: rows.height, pixel };
}

describe('the flat progressive JPEG writer (test helper)', () => {
  it('writes a file an independent decoder (mozjpeg) reads as flat grey 200', async () => {
    const bytes = writeFlatProgressiveJpeg(100, 60);
    expect(readImageHeader(bytes)).toMatchObject({ width: 100, height: 60, progressive: true });
    const image = await jsquashDecodeJpeg(bytes);
    expect({ width: image.width, height: image.height }).toEqual({ width: 100, height: 60 });
    for (let i = 0; i < image.data.length; i += 4) expect(Array.from(image.data.subarray(i, i + 3))).toEqual([200, 200, 200]);
  });
});

describe('working memory per scale: a 6000×4000 (24 MP) progressive 4:2:0 JPEG', () => {
  const big = writeFlatProgressiveJpeg(6000, 4000);
  // Per 8×8 block: 1/1 all 64 coefficients (128 B); 1/2 luma 4×4 + 64 bits (40 B), 4:2:0 chroma 4×4 too (of the 8×8
  // libjpeg inverse-transforms it at, zero-padded); 1/4 luma 2×2 (16 B), chroma 4×4 (40 B); 1/8 luma DC (10 B), chroma
  // 2×2 (16 B). 24 MP has 375 000 luma and 2 × 93 750 chroma blocks: 72.0, 22.6, 13.6 and 6.8 MB (3.0, 0.94, 0.57, 0.28
  // MB per MP).
  it.each([
    [1, 68, 70],
    [2, 21, 22.5],
    [4, 12.9, 13.5],
    [8, 6.4, 7],
  ] as const)('at 1/%i its coefficients need between %f and %f MiB', (denom, tooSmall, enough) => {
    scaledFailure(() => streamAll(big, denom, Math.round(tooSmall * MiB)), 'too-large');
    const out = streamAll(big, denom, Math.round(enough * MiB));
    expect(out).toMatchObject({ width: 6000 / denom, height: 4000 / denom });
    expect(out.pixel).toEqual([200, 200, 200, 255]);
  });

  it('so a transform\'s 48 MiB budget takes it at 1/2, 1/4 and 1/8 (not at 1/1)', () => {
    scaledFailure(() => streamAll(big, 1, 48 * MiB), 'too-large');
    for (const denom of [2, 4, 8] as const) expect(streamAll(big, denom, 48 * MiB).width).toBe(6000 / denom);
  });
});

/** Mean absolute difference (RGB) between our 1/d decode and the reference averaged over d×d cells. */
function madAgainst(reference: { data: Uint8ClampedArray; width: number; height: number }, ours: { data: Uint8ClampedArray; width: number; height: number }, d: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < ours.height; y++) {
    for (let x = 0; x < ours.width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let k = 0;
        for (let j = y * d; j < Math.min(reference.height, y * d + d); j++) {
          for (let i = x * d; i < Math.min(reference.width, x * d + d); i++, k++) s += reference.data[(j * reference.width + i) * 4 + c]!;
        }
        sum += Math.abs(ours.data[(y * ours.width + x) * 4 + c]! - s / k);
        n++;
      }
    }
  }
  return sum / n;
}

describe('pixels at every scale against mozjpeg at full size, box-averaged', () => {
  it.each([
    ['samples/photos/storm.jpg (progressive, 1920×1280)', storm, 2.0],
    ['fixtures/quadrants-progressive-64x48.jpg', progressiveFixture, 2.0],
  ])('%s', async (_, bytes, bound) => {
    const reference = await jsquashDecodeJpeg(bytes);
    for (const d of [2, 4, 8] as const) {
      const ours = decodeJpegScaled(bytes, d);
      expect({ width: ours.width, height: ours.height }).toEqual({ width: Math.ceil(reference.width / d), height: Math.ceil(reference.height / d) });
      expect(madAgainst(reference, ours, d)).toBeLessThan(bound);
    }
  });
});

describe('arithmetic-coded progressive (refinement scans read coefficients below their band)', () => {
  it('decodes at 1/2, 1/4 and 1/8 within 2 of our own full-size decode (libjpeg\'s own coefficient buffer), box-averaged', () => {
    const full = decodeJpegScaled(arithmeticProgressive, 1);
    expect(readImageHeader(arithmeticProgressive)).toMatchObject({ progressive: true, arithmetic: true });
    const reference = { data: full.data.slice(), width: full.width, height: full.height };
    for (const d of [2, 4, 8] as const) {
      const ours = decodeJpegScaled(arithmeticProgressive, d);
      expect(madAgainst(reference, ours, d)).toBeLessThan(2);
    }
  });
});
