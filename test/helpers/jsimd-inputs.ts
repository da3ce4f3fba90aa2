/**
 * The inputs on which native/src/jsimd-wasm.c (libjpeg-turbo's jsimd_* hooks in WebAssembly SIMD) must give exactly
 * the C path's outputs: test/pipeline/codec/jsimd-exact.test.ts checks them against hashes that
 * bench/native/jsimd-exact.mjs made with a build of the module without the SIMD kernels (SIMD=0).
 */
import type { Pixels } from '../../src/pipeline/pixels/rgba.js';

/** Every JPEG is decoded at each of these. */
export const JSIMD_SCALES = [1, 2, 4, 8] as const;

/** Repository files (fixtures and samples, always present). */
export const JSIMD_FILES = [
  'test/fixtures/quadrants-64x48.jpg',
  'test/fixtures/quadrants-progressive-64x48.jpg',
  'test/fixtures/grey-64x48.jpg',
  'test/fixtures/cmyk-64x48.jpg',
  'test/fixtures/arithmetic-64x48.jpg',
  'test/fixtures/arithmetic-progressive-128x96.jpg',
  'test/fixtures/quant16-64x48.jpg', // 16-bit quantisation tables: the IDCTs' overflow fallbacks
  'test/fixtures/quant64-64x48.jpg', // quantisation 64: the 16-bit IDCTs' fallback when pass 1 overflows 16 bits
  'samples/photos/dune.jpg',
  'samples/photos/storm.jpg',
  'samples/photos/flower-portrait-exif6.jpg',
  'samples/photos/wood.jpg', // 4:2:2
] as const;

/** Corpus files (../shared/corpus), checked when it is present: 4:2:0, 4:2:2, 4:4:4, grey, CMYK, progressive. */
export const JSIMD_CORPUS = [
  'photos/Storm.jpg', // 4:2:2
  'photos/Dune.jpg', // 4:2:2
  'photos/flower-q85-420.jpg',
  'photos/flower-q85-420_progr.jpg',
  'photos/flower-q85-444.jpg',
  'photos/flower-q85-gray.jpg',
  'photos/colorfulcups-icc-progressive.jpg',
  'photos/FreshFlower.jpg',
  'edge/video-001.q50.444.progressive.jpeg',
  'edge/video-001.separate.dc.progression.progressive.jpeg',
  'edge/cmyk-video-001.jpg',
  'edge/icc-profile.jpg',
] as const;

/** Encoder inputs: synthetic pixels at odd sizes (edges, partial MCUs), each encoded with these settings. */
export const JSIMD_SYNTHETIC = [
  [203, 97],
  [1001, 67],
  [16, 16],
  [1, 1],
] as const;
export const JSIMD_ENCODES = [
  { quality: 82, progressive: true },
  { quality: 82, progressive: false },
  { quality: 97, progressive: false },
  { quality: 30, progressive: true },
  { quality: 100, progressive: true }, // every divisor 8: the largest coefficients, long refinement scans
  { quality: 3, progressive: true }, // divisors up to 2040: nearly every AC coefficient zero
] as const;

/** Deterministic texture: gradients, hard edges and xorshift noise (every DCT coefficient in use). */
export function jsimdPixels(width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  let s = 0x9e3779b9 ^ (width * 7919 + height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const noise = (s >>> 24) - 128;
      const i = (y * width + x) * 4;
      const edge = ((x >> 3) + (y >> 4)) & 1 ? 60 : -60;
      data[i] = (255 * x) / width + noise / 4 + edge;
      data[i + 1] = (255 * y) / height + noise / 2;
      data[i + 2] = 128 + 110 * Math.sin((x * 3 + y) / 5) + (x % 7 === 0 ? noise : 0);
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}
