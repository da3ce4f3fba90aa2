/**
 * The AVIF encodes on which native/src/avif-yuv.c (RGBA to YUV 4:2:0 in WebAssembly SIMD) must give exactly the files
 * libavif's own avifImageRGBToYUV gives: sizes that exercise its 8-pixel SIMD body, the scalar blocks of an odd right
 * or bottom edge and the 1-pixel corner, at quality 100 (AV1 lossless, so any difference in the planes shows in the
 * file). test/pipeline/codec/avif-yuv-exact.json holds the hashes scripts/avif-yuv-reference.mjs made with the module
 * from before avif-yuv.c.
 */
import type { Pixels } from '../../src/pipeline/pixels/rgba.js';

export const AVIF_YUV_SIZES = [
  [1, 1],
  [2, 1],
  [1, 3],
  [3, 2],
  [9, 5],
  [37, 23],
] as const;

export const AVIF_YUV_ENCODES = [
  { quality: 100, speed: 10, alpha: false },
  { quality: 100, speed: 10, alpha: true },
] as const;

/** Deterministic RGBA: xorshift noise over gradients, every tenth pixel pure black or white, an uneven alpha. */
export function avifYuvTexture(width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  let s = 0x6b43a9b5 ^ (width * 131 + height);
  for (let i = 0; i < width * height; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const x = i % width;
    const y = Math.floor(i / width);
    const noise = s >>> 24;
    const extreme = i % 10 === 0 ? (noise & 1) * 255 : -1;
    data[i * 4] = extreme >= 0 ? extreme : (255 * x) / width + noise / 4;
    data[i * 4 + 1] = extreme >= 0 ? extreme : noise;
    data[i * 4 + 2] = extreme >= 0 ? extreme : (255 * y) / height + noise / 8;
    data[i * 4 + 3] = (noise * 7 + x * 29) & 255;
  }
  return { data, width, height };
}
