/**
 * libaom in our module runs its x86 SSE2/SSSE3/SSE4.1 intrinsics kernels compiled to WebAssembly SIMD
 * (native/build/aom-simd.sh), which must make exactly the AVIF files libaom's generic C makes. CI has no compiler
 * to build the C path, so its files are committed as hashes with sharp's reading of each (aom-simd-exact.json,
 * written by scripts/aom-simd-reference.mjs from an AOM_SIMD=0 build): a synthetic texture (with alpha) and two
 * repository photos, at the worker's settings (q60 speed 8, opaque and with alpha) and at speeds 6 and 10.
 */
import { describe, expect, it } from 'vitest';
import { CodecSession, decodeJpegScaled } from '../../../src/pipeline/codec/index.js';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import { AOM_SIMD_ENCODES, AOM_SIMD_PHOTOS, aomSimdTexture } from '../../helpers/aom-simd-inputs.js';
import { magicOf } from '../../helpers/images.js';
import { ssimY8 } from '../../helpers/ssim8.js';
import { jsquashDecodeAvif } from '../../helpers/jsquash-reference.js';
import table from './aom-simd-exact.json';
import storm from '../../../samples/photos/storm.jpg?bytes';
import wood from '../../../samples/photos/wood.jpg?bytes';

interface Expected {
  bytes: number;
  sha256: string;
  width: number;
  height: number;
  sharpMeanAbs: number;
  sharpSsimY: number;
}
const expected: Record<string, Expected> = table.outputs;
const photos: Record<(typeof AOM_SIMD_PHOTOS)[number][0], Uint8Array> = {
  'samples/photos/storm.jpg': storm,
  'samples/photos/wood.jpg': wood,
};

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, 32);
}

function inputs(): [string, Pixels][] {
  const list: [string, Pixels][] = [['synthetic', aomSimdTexture()]];
  for (const [path, denom] of AOM_SIMD_PHOTOS) {
    const session = CodecSession.open();
    const image = decodeJpegScaled(photos[path], denom, { maxOutputBytes: 2 ** 26, maxWorkBytes: 2 ** 26 }, session);
    list.push([`${path} 1/${denom}`, { width: image.width, height: image.height, data: image.data.slice() }]);
    session.recycle();
  }
  return list;
}

function encode(image: Pixels, options: (typeof AOM_SIMD_ENCODES)[number]): Uint8Array {
  const session = CodecSession.open();
  try {
    return session.encodeAvif(session.hold(image), options).slice();
  } finally {
    session.recycle();
  }
}

describe("libaom's SIMD kernels in WebAssembly make the generic C build's exact AVIF files", () => {
  const cases = inputs();

  it('the table covers every input and setting (so no check below is vacuous)', () => {
    expect(Object.keys(expected).length).toBe(cases.length * AOM_SIMD_ENCODES.length);
    for (const [name] of cases) for (const o of AOM_SIMD_ENCODES) expect(expected[`${name} q${o.quality} s${o.speed}${o.alpha ? ' alpha' : ''}`]).toBeDefined();
  });

  it.each(cases.map(([name]) => name))('%s: every setting gives the same bytes, an AVIF another decoder reads at its size', async (name) => {
    const image = cases.find(([n]) => n === name)![1];
    for (const options of AOM_SIMD_ENCODES) {
      const key = `${name} q${options.quality} s${options.speed}${options.alpha ? ' alpha' : ''}`;
      const want = expected[key]!;
      const avif = encode(image, options);
      expect(magicOf(avif), key).toBe('avif');
      expect(avif.length, key).toBe(want.bytes);
      expect(await sha256(avif), key).toBe(want.sha256);
      // jSquash's decoder (libavif + dav1d), independent of our libaom: the size, and pixels as close to the input
      // as sharp found the C build's file (the same bytes decode the same in any conformant AV1 decoder).
      const decoded = await jsquashDecodeAvif(avif);
      expect([decoded.width, decoded.height], key).toEqual([want.width, want.height]);
      let [abs, n] = [0, 0];
      for (let i = 0; i < decoded.data.length; i++) {
        if (!options.alpha && i % 4 === 3) continue;
        abs += Math.abs(decoded.data[i]! - image.data[i]!);
        n++;
      }
      const ssim = ssimY8(image.data, decoded.data, decoded.width, decoded.height);
      console.log(`${key}: ${avif.length} bytes; jSquash: mean |Δ| ${(abs / n).toFixed(3)}, SSIM-Y ${ssim.toFixed(5)}; sharp: ${want.sharpMeanAbs}, ${want.sharpSsimY}`);
      // libavif and libheif upsample chroma differently: close, not equal, on the synthetic texture's colour noise.
      expect(Math.abs(abs / n - want.sharpMeanAbs), key).toBeLessThan(0.2 * want.sharpMeanAbs + 0.1);
      expect(Math.abs(ssim - want.sharpSsimY), key).toBeLessThan(0.002);
    }
  });
});
