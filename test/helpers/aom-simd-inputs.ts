/**
 * The AVIF encodes on which libaom's x86 intrinsics kernels, compiled to WebAssembly SIMD (native/build/aom-simd.sh),
 * must give exactly the files libaom's generic C gives: test/pipeline/codec/aom-simd-exact.test.ts checks them
 * against test/pipeline/codec/aom-simd-exact.json, which scripts/aom-simd-reference.mjs wrote with a build of the
 * module without them (AOM_SIMD=0), checking each file with sharp.
 */
import type { Pixels } from '../../src/pipeline/pixels/rgba.js';

/** The synthetic input: big enough for 64×64 superblocks, partial ones at the edges, every transform size. */
export const AOM_SIMD_TEXTURE = { width: 200, height: 136 } as const;

/**
 * Repository photos and the scale our JPEG decoder reads them at (bit-exact against libjpeg-turbo's C:
 * jsimd-exact.test.ts): 480×320 and 320×240.
 */
export const AOM_SIMD_PHOTOS = [
  ['samples/photos/storm.jpg', 4],
  ['samples/photos/wood.jpg', 8],
] as const;

/** Every input is encoded with each of these (q60 and speed 8 are the worker's defaults). */
export const AOM_SIMD_ENCODES = [
  { quality: 60, speed: 8, alpha: false },
  { quality: 60, speed: 8, alpha: true },
  { quality: 60, speed: 6, alpha: false },
  { quality: 85, speed: 10, alpha: false },
] as const;

/**
 * Deterministic texture: gradients, hard edges, a sine pattern and xorshift noise, with an alpha ramp and a
 * transparent hole (so the alpha plane is not flat).
 */
export function aomSimdTexture(): Pixels {
  const { width, height } = AOM_SIMD_TEXTURE;
  const data = new Uint8ClampedArray(width * height * 4);
  let s = 0x2545f491;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const noise = (s >>> 24) - 128;
      const i = (y * width + x) * 4;
      const edge = ((x >> 4) + (y >> 3)) & 1 ? 50 : -50;
      data[i] = (255 * x) / width + noise / 6 + edge;
      data[i + 1] = (255 * y) / height + noise / 3;
      data[i + 2] = 128 + 100 * Math.sin((x + 2 * y) / 7) + (y % 5 === 0 ? noise / 2 : 0);
      const dx = x - width / 3;
      const dy = y - height / 2;
      data[i + 3] = dx * dx + dy * dy < 400 ? 0 : (255 * (x + y)) / (width + height);
    }
  }
  return { data, width, height };
}
