/**
 * libjpeg-turbo's jsimd_* hooks in our module run native/src/jsimd-wasm.c's WebAssembly SIMD kernels, which must give
 * exactly what libjpeg-turbo's C gives. CI has no compiler to build the C path, so its outputs are committed as hashes
 * (jsimd-exact.json, made by `node bench/native/jsimd-exact.mjs write` with a SIMD=0 build): every JPEG of
 * test/helpers/jsimd-inputs.ts decoded at 1/1, 1/2, 1/4 and 1/8 (SHA-256 of the RGBA), and synthetic textures encoded
 * (SHA-256 of the file) then decoded at each scale. Corpus inputs are checked where the corpus is present.
 */
import { describe, expect, it } from 'vitest';
import { CodecSession, decodeJpegScaled, encodeJpegScaled } from '../../../src/pipeline/codec/index.js';
import { corpusAvailable, corpusFile } from '../../helpers/corpus.js';
import { JSIMD_CORPUS, JSIMD_ENCODES, JSIMD_FILES, JSIMD_SCALES, JSIMD_SYNTHETIC, jsimdPixels } from '../../helpers/jsimd-inputs.js';
import table from './jsimd-exact.json';
import quadrants from '../../fixtures/quadrants-64x48.jpg?bytes';
import quadrantsProgressive from '../../fixtures/quadrants-progressive-64x48.jpg?bytes';
import grey from '../../fixtures/grey-64x48.jpg?bytes';
import cmyk from '../../fixtures/cmyk-64x48.jpg?bytes';
import arithmetic from '../../fixtures/arithmetic-64x48.jpg?bytes';
import arithmeticProgressive from '../../fixtures/arithmetic-progressive-128x96.jpg?bytes';
import quant16 from '../../fixtures/quant16-64x48.jpg?bytes';
import quant64 from '../../fixtures/quant64-64x48.jpg?bytes';
import dune from '../../../samples/photos/dune.jpg?bytes';
import storm from '../../../samples/photos/storm.jpg?bytes';
import portrait from '../../../samples/photos/flower-portrait-exif6.jpg?bytes';
import wood from '../../../samples/photos/wood.jpg?bytes';

const expected: Record<string, string> = table.outputs;
const files: Record<(typeof JSIMD_FILES)[number], Uint8Array> = {
  'test/fixtures/quadrants-64x48.jpg': quadrants,
  'test/fixtures/quadrants-progressive-64x48.jpg': quadrantsProgressive,
  'test/fixtures/grey-64x48.jpg': grey,
  'test/fixtures/cmyk-64x48.jpg': cmyk,
  'test/fixtures/arithmetic-64x48.jpg': arithmetic,
  'test/fixtures/arithmetic-progressive-128x96.jpg': arithmeticProgressive,
  'test/fixtures/quant16-64x48.jpg': quant16,
  'test/fixtures/quant64-64x48.jpg': quant64,
  'samples/photos/dune.jpg': dune,
  'samples/photos/storm.jpg': storm,
  'samples/photos/flower-portrait-exif6.jpg': portrait,
  'samples/photos/wood.jpg': wood,
};

async function sha256(bytes: Uint8Array | Uint8ClampedArray): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, 32);
}

/** What the script records for one decode: size and hash, or the error code. */
async function decoded(bytes: Uint8Array, denom: (typeof JSIMD_SCALES)[number]): Promise<string> {
  const session = CodecSession.open();
  try {
    const image = decodeJpegScaled(bytes, denom, { maxOutputBytes: 256 * 2 ** 20, maxWorkBytes: 256 * 2 ** 20 }, session);
    return `${image.width}x${image.height} ${await sha256(image.data)}`;
  } catch (error) {
    return `error ${(error as { code?: string }).code ?? (error as Error).message}`;
  } finally {
    session.recycle();
  }
}

async function expectDecodes(name: string, bytes: Uint8Array): Promise<void> {
  for (const denom of JSIMD_SCALES) {
    const key = `${name} 1/${denom}`;
    expect(expected[key], `${key} is in jsimd-exact.json`).toBeDefined();
    expect(await decoded(bytes, denom), key).toBe(expected[key]);
  }
}

describe('libjpeg-turbo with our WebAssembly SIMD kernels gives the C path\'s exact outputs', () => {
  it('the table covers every input (so no check below is vacuous)', () => {
    const keys = Object.keys(expected);
    expect(keys.length).toBe((JSIMD_FILES.length + JSIMD_CORPUS.length + JSIMD_SYNTHETIC.length * JSIMD_ENCODES.length) * JSIMD_SCALES.length + JSIMD_SYNTHETIC.length * JSIMD_ENCODES.length);
    // Decodes that fail would prove nothing about the kernels: only the truncated-free inputs are listed.
    expect(keys.filter((k) => expected[k]!.startsWith('error'))).toEqual([]);
  });

  it.each(JSIMD_FILES)('decodes %s at 1/1, 1/2, 1/4, 1/8 exactly as the C does', async (path) => {
    await expectDecodes(path, files[path]);
  });

  it.each(JSIMD_SYNTHETIC)('encodes a %i×%i texture exactly as the C does, and decodes that file exactly', async (width, height) => {
    const pixels = jsimdPixels(width, height);
    for (const options of JSIMD_ENCODES) {
      const key = `synthetic ${width}x${height} q${options.quality}${options.progressive ? ' progressive' : ''}`;
      const session = CodecSession.open();
      const jpeg = encodeJpegScaled(pixels, options, session).slice();
      session.recycle();
      expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
      expect(await sha256(jpeg), `${key} encode`).toBe(expected[`${key} encode`]);
      await expectDecodes(key, jpeg);
    }
  });

  it.skipIf(!corpusAvailable).each(JSIMD_CORPUS)('decodes corpus %s at every scale exactly as the C does', async (path) => {
    await expectDecodes(`corpus:${path}`, await corpusFile(path));
  });
});
