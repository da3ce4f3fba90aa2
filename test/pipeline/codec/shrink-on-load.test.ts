import { describe, expect, it } from 'vitest';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';

import { resample } from '../../../src/pipeline/pixels/resample.js';
import { decodeJpegScaled, decodeWebpScaled, jpegScaleFor, type JpegScale } from '../../../src/pipeline/codec/index.js';
import { corpusAvailable, corpusFile } from '../../helpers/corpus.js';
import { gradient } from '../../helpers/pixels.js';
import { jsquashDecodeJpeg, jsquashDecodeWebp, jsquashEncodeJpeg } from '../../helpers/jsquash-reference.js';
import dune from '../../../samples/photos/dune.jpg?bytes';
import portrait from '../../../samples/photos/flower-portrait-exif6.jpg?bytes';
import storm from '../../../samples/photos/storm.jpg?bytes';
import rose from '../../../samples/webp/rose.webp?bytes';

const SCALES: JpegScale[] = [1, 2, 4, 8];

/**
 * Peak signal-to-noise ratio over R, G, B, in dB. With `alpha`, over premultiplied R, G, B and A: the colour under a
 * fully transparent pixel is invisible, and resamplers disagree about it.
 */
function psnr(a: Pixels, b: Pixels, alpha = false): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const [wa, wb] = alpha ? [a.data[i + 3]! / 255, b.data[i + 3]! / 255] : [1, 1];
    for (let c = 0; c < 3; c++) sum += (a.data[i + c]! * wa - b.data[i + c]! * wb) ** 2;
    if (alpha) sum += (a.data[i + 3]! - b.data[i + 3]!) ** 2;
  }
  const mse = sum / ((a.data.length / 4) * (alpha ? 4 : 3));
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** The pipeline's Lanczos-3 resize of a whole image (premultiplied when it has alpha). */
function resize(image: Pixels, width: number, height: number, premultiply = false): Pixels {
  return resample(image, { x: 0, y: 0, width: image.width, height: image.height }, width, height, { premultiply, linear: false });
}

/** The reference path: jSquash's full decode, then the pipeline's Lanczos-3 resize. */
async function fullDecodeResized(bytes: Uint8Array, width: number, height: number): Promise<Pixels> {
  const full = await jsquashDecodeJpeg(bytes);
  return full.width === width && full.height === height ? full : resize(full, width, height);
}

/** A smooth synthetic photo of any size, encoded by jSquash's mozjpeg (independent of our decoder). */
async function syntheticJpeg(width: number, height: number, progressive: boolean): Promise<Uint8Array> {
  return jsquashEncodeJpeg(gradient(width, height), { quality: 90, progressive });
}

describe('jpegScaleFor', () => {
  it.each([
    // src, need → denom: the largest 1/d whose ceil(src / d) still covers the need on both axes
    [4032, 3024, 1600, 1200, 2],
    [4032, 3024, 1008, 756, 4],
    [4032, 3024, 1009, 756, 2],
    [4032, 3024, 504, 378, 8],
    [4032, 3024, 505, 1, 4],
    [4032, 3024, 1, 379, 4],
    [4032, 3024, 4032, 3024, 1],
    [4032, 3024, 5000, 10, 1],
    [1001, 999, 126, 125, 8], // ceil(1001 / 8) = 126, ceil(999 / 8) = 125
    [1001, 999, 127, 125, 4],
    [10, 10, 2, 2, 8],
  ])('%i×%i needing %i×%i decodes at 1/%i', (sw, sh, nw, nh, denom) => {
    expect(jpegScaleFor(sw, sh, nw, nh)).toBe(denom);
  });

  it('keeps a margin for the final resize when asked, as libvips thumbnail does', () => {
    expect(jpegScaleFor(4032, 3024, 500, 375)).toBe(8);
    expect(jpegScaleFor(4032, 3024, 500, 375, 2)).toBe(4);
  });
});

describe('decodeJpegScaled dimensions', () => {
  it.each(SCALES)('dune.jpg (1680×1050) at 1/%i is ceil(w/d)×ceil(h/d) RGBA', (denom) => {
    const image = decodeJpegScaled(dune, denom);
    expect([image.width, image.height]).toEqual([Math.ceil(1680 / denom), Math.ceil(1050 / denom)]);
    expect(image.data.length).toBe(image.width * image.height * 4);
    expect(image.stats).toMatchObject({ sourceWidth: 1680, sourceHeight: 1050, progressive: false });
    for (let i = 3; i < image.data.length; i += 4 * 97) expect(image.data[i]).toBe(255);
  });

  it.each([
    [37, 23, false],
    [37, 23, true],
    [1, 1, false],
    [9, 17, true],
    [255, 129, false],
  ])('a synthetic %i×%i JPEG (progressive: %s) rounds up at every scale', async (width, height, progressive) => {
    const bytes = await syntheticJpeg(width, height, progressive);
    for (const denom of SCALES) {
      const image = decodeJpegScaled(bytes, denom);
      expect([image.width, image.height, image.stats.progressive]).toEqual([Math.ceil(width / denom), Math.ceil(height / denom), progressive]);
    }
  });

  it('keeps the stored orientation (EXIF orientation 6 is not applied)', () => {
    const image = decodeJpegScaled(portrait, 2);
    expect([image.width, image.height]).toEqual([756, 504]); // stored 1512×1008; displayed would be 504×756
  });
});

describe('decodeJpegScaled agrees with a full decode and a lanczos3 resize', () => {
  // The DCT-domain reduction is a different (boxier) filter than lanczos3, so the bar falls with the factor.
  // Measured (PSNR, dB): dune 1/1 identical, 1/2 45.6, 1/4 33.0, 1/8 29.0; storm (progressive) 1/4 52.9.
  it.each([
    ['dune.jpg', 1, 60, dune],
    ['dune.jpg', 2, 42, dune],
    ['dune.jpg', 4, 30, dune],
    ['dune.jpg', 8, 26, dune],
    ['storm.jpg (progressive)', 4, 48, storm],
  ] as const)('%s at 1/%i (PSNR > %i dB)', async (name, denom, minPsnr, bytes) => {
    const scaled = decodeJpegScaled(bytes, denom);
    const reference = await fullDecodeResized(bytes, scaled.width, scaled.height);
    const value = psnr(scaled, reference);
    console.log(`scaled-vs-full ${name} 1/${denom}: ${value.toFixed(1)} dB`);
    expect(value).toBeGreaterThan(minPsnr);
  });

  // The pipeline's use: pick the reduction for the output size, decode, resize the rest of the way with lanczos3.
  // Measured (PSNR, dB): 560×350 at 1/2 48.6; 400×250 at 1/4 33.4 but at 1/2 (margin 2) 51.0; 200×125 at 1/8 29.7
  // but at 1/4 (margin 2) 38.5. The 1/4 and 1/8 reductions alias visibly more than lanczos3: libvips's margin of 2.
  it.each([
    [560, 350, 1, 2, 45],
    [400, 250, 1, 4, 30],
    [400, 250, 2, 2, 47],
    [200, 125, 1, 8, 27],
    [200, 125, 2, 4, 35],
  ])('dune.jpg to %i×%i (margin %i → 1/%i) matches resizing the full decode (PSNR > %i dB)', async (width, height, margin, expected, minPsnr) => {
    const denom = jpegScaleFor(1680, 1050, width, height, margin);
    expect(denom).toBe(expected);
    const scaled = decodeJpegScaled(dune, denom);
    const viaScaled = resize(scaled, width, height);
    const viaFull = await fullDecodeResized(dune, width, height);
    const value = psnr(viaScaled, viaFull);
    console.log(`shrink-on-load pipeline dune ${width}×${height} margin ${margin} (1/${denom}): ${value.toFixed(1)} dB`);
    expect(value).toBeGreaterThan(minPsnr);
  });
});

describe.skipIf(!corpusAvailable)('decodeJpegScaled on the corpus', () => {
  it.each([
    ['photos/flower-q85-420.jpg', false],
    ['photos/flower-q85-420_progr.jpg', true],
    ['photos/flower-q85-444.jpg', false],
    ['photos/flower-q85-gray.jpg', false],
    ['edge/video-001.q50.444.progressive.jpeg', true],
    ['edge/video-001.separate.dc.progression.progressive.jpeg', true],
    ['edge/video-005.gray.jpeg', false],
  ])('%s: every scale, close to the full decode', async (path, progressive) => {
    const bytes = await corpusFile(path);
    const full = await jsquashDecodeJpeg(bytes);
    for (const denom of SCALES) {
      const image = decodeJpegScaled(bytes, denom);
      expect([image.width, image.height]).toEqual([Math.ceil(full.width / denom), Math.ceil(full.height / denom)]);
      expect(image.stats.progressive).toBe(progressive);
      const reference = denom === 1 ? full : resize(full, image.width, image.height);
      // Small images at 1/8 are a few dozen pixels: edge effects weigh more, so the bar is lower there.
      expect(psnr(image, reference)).toBeGreaterThan(denom === 1 ? 40 : full.width < 400 ? 24 : 29);
    }
  });

  it('greyscale decodes to R = G = B', async () => {
    const image = decodeJpegScaled(await corpusFile('photos/flower-q85-gray.jpg'), 4);
    for (let i = 0; i < image.data.length; i += 4 * 101) {
      expect(image.data[i + 1]).toBe(image.data[i]);
      expect(image.data[i + 2]).toBe(image.data[i]);
    }
  });

  // 4×4 grids of mean RGB from sharp (libvips with lcms and its CMYK profile), from `node native/bench.mjs cmyk-grids`;
  // we convert naively (no ICC), so cells agree only roughly, but far better than the wrong inversion would.
  const SHARP_GRIDS: Record<string, number[]> = {
    'edge/cmyk-video-001.jpg': [104, 28, 33, 85, 4, 18, 82, 4, 18, 101, 22, 26, 133, 63, 48, 93, 21, 17, 85, 18, 17, 104, 51, 44, 91, 79, 73, 110, 68, 54, 125, 80, 68, 104, 78, 68, 78, 59, 55, 228, 227, 231, 172, 177, 191, 32, 17, 24],
    'edge/cmyk-premature-end.jpg': [24, 58, 53, 26, 59, 55, 31, 58, 53, 50, 56, 51, 26, 60, 56, 35, 61, 57, 81, 55, 49, 42, 57, 51, 50, 57, 52, 73, 56, 50, 32, 63, 59, 25, 59, 55, 66, 62, 59, 45, 62, 58, 52, 65, 64, 49, 64, 62],
  };

  function grid(image: Pixels, n = 4): number[] {
    const out: number[] = [];
    for (let gy = 0; gy < n; gy++) {
      for (let gx = 0; gx < n; gx++) {
        const [x0, x1] = [Math.floor((gx * image.width) / n), Math.floor(((gx + 1) * image.width) / n)];
        const [y0, y1] = [Math.floor((gy * image.height) / n), Math.floor(((gy + 1) * image.height) / n)];
        const sum = [0, 0, 0];
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum[c]! += image.data[(y * image.width + x) * 4 + c]!;
        out.push(...sum.map((s) => Math.round(s / ((x1 - x0) * (y1 - y0)))));
      }
    }
    return out;
  }

  it.each(Object.keys(SHARP_GRIDS))('%s converts CMYK to plausible RGB (vs sharp)', async (path) => {
    const bytes = await corpusFile(path);
    const strict = !path.includes('premature'); // that one is truncated: strict mode refuses it (see scaled-safety)
    const image = decodeJpegScaled(bytes, 1, { strict });
    const reference = SHARP_GRIDS[path]!;
    const ours = grid(image);
    const mad = ours.reduce((sum, v, i) => sum + Math.abs(v - reference[i]!), 0) / ours.length;
    console.log(`cmyk ${path}: mean abs diff of 4×4 cell means vs sharp ${mad.toFixed(1)}`);
    expect(mad).toBeLessThan(24); // measured 10.4 and 15.8; the inverted reading would be ~150
    // Every scale works on CMYK too (the conversion runs on the scaled rows).
    for (const denom of SCALES) expect(decodeJpegScaled(bytes, denom, { strict }).width).toBe(Math.ceil(image.width / denom));
  });
});

describe('decodeWebpScaled', () => {
  it.each([
    [400, 301],
    [200, 150],
    [133, 100],
    [57, 43],
    [1, 1],
    [800, 602],
  ])('rose.webp (400×301, lossy + alpha) to exactly %i×%i, alpha kept', (width, height) => {
    const image = decodeWebpScaled(rose, width, height);
    expect([image.width, image.height, image.data.length]).toEqual([width, height, width * height * 4]);
    expect(image.stats).toMatchObject({ sourceWidth: 400, sourceHeight: 301, inputBytesInHeap: rose.length });
    if (width > 1) {
      const alphas = new Set<number>();
      for (let i = 3; i < image.data.length; i += 4) alphas.add(image.data[i]!);
      expect(alphas.has(0) && alphas.has(255)).toBe(true);
    }
  });

  // Measured (PSNR over premultiplied RGBA, dB): 43.3 and 41.8; corpus files 41.7–48.8.
  it.each([
    [200, 150, 38],
    [100, 75, 37],
  ])('agrees with a full decode and a lanczos3 resize at %i×%i', async (width, height, minPsnr) => {
    const scaled = decodeWebpScaled(rose, width, height);
    const full = await jsquashDecodeWebp(rose);
    const reference = resize(full, width, height, true);
    const value = psnr(scaled, reference, true);
    console.log(`webp scaled-vs-full ${width}×${height}: ${value.toFixed(1)} dB (RGBA)`);
    expect(value).toBeGreaterThan(minPsnr);
  });

  it.skipIf(!corpusAvailable).each([
    ['webp/yellow_rose.lossless.webp', 200, 150],
    ['webp/yellow_rose.lossy.webp', 200, 150],
    ['webp/blue-purple-pink-large.lossless.webp', 150, 100],
    ['webp/wood-4096x4096.webp', 1600, 1600],
  ])('%s to %i×%i agrees with the full decode', async (path, width, height) => {
    const bytes = await corpusFile(path);
    const scaled = decodeWebpScaled(bytes, width, height);
    const full = await jsquashDecodeWebp(bytes);
    const reference = resize(full, width, height, true);
    const value = psnr(scaled, reference, true);
    console.log(`webp scaled-vs-full ${path} ${width}×${height}: ${value.toFixed(1)} dB; peak ${(scaled.stats.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB`);
    expect(value).toBeGreaterThan(37);
  });
});
