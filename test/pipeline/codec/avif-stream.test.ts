/**
 * The AVIF decoder in the codec session (native/src/avif-decode.c: libavif 0.11.1 + dav1d, YUV converted to RGBA a
 * strip at a time; src/pipeline/codec/avif-stream.ts) against an independent decoder's pixels: sharp's (libheif +
 * libaom, irot/imir applied, so ours go through the worker's orient step first) for 8-bit files, Debian's avifdec
 * with dav1d for 10/12-bit (sharp's prebuilt decoder is 8-bit only; AV1 decoding is bit-exact, and libaom's decoder gave
 * the same pixels here before dav1d replaced it). Fixtures and expected pixels:
 * scripts/avif-sharp-reference.mjs (test/fixtures/avif/avif-sharp.json holds each case's tolerance: exact without
 * chroma subsampling; with it, mean |Δ| ≤ 3 and ≤ 8% of samples more than 8 apart, as libavif's bilinear chroma
 * upsampling differs from libheif's beside colour edges).
 */
import { describe, expect, it } from 'vitest';
import { readImageHeader } from '../../../src/formats/header.js';
import { fromExif } from '../../../src/options/orientation.js';
import { streamAvifRows } from '../../../src/pipeline/codec/avif-stream.js';
import { decodePng } from '../../../src/pipeline/codec/png.js';
import { CodecError, CodecSession } from '../../../src/pipeline/codec/session.js';
import { applyOrientation } from '../../../src/pipeline/pixels/orient.js';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import bigAlphaAvif from '../../fixtures/avif/alpha-quadrants-1600x1600.avif?bytes';
import reference from '../../fixtures/avif/avif-sharp.json';
import f_d8_420Avif from '../../fixtures/avif/d8-420.avif?bytes';
import f_d8_420Png from '../../fixtures/avif/d8-420.sharp.png?bytes';
import f_d8_422Avif from '../../fixtures/avif/d8-422.avif?bytes';
import f_d8_422Png from '../../fixtures/avif/d8-422.sharp.png?bytes';
import f_d8_444Avif from '../../fixtures/avif/d8-444.avif?bytes';
import f_d8_444Png from '../../fixtures/avif/d8-444.sharp.png?bytes';
import f_d8_400Avif from '../../fixtures/avif/d8-400.avif?bytes';
import f_d8_400Png from '../../fixtures/avif/d8-400.sharp.png?bytes';
import f_d10_420_alphaAvif from '../../fixtures/avif/d10-420-alpha.avif?bytes';
import f_d10_420_alphaPng from '../../fixtures/avif/d10-420-alpha.sharp.png?bytes';
import f_d12_444Avif from '../../fixtures/avif/d12-444.avif?bytes';
import f_d12_444Png from '../../fixtures/avif/d12-444.sharp.png?bytes';
import f_d12_420_alpha_premultipliedAvif from '../../fixtures/avif/d12-420-alpha-premultiplied.avif?bytes';
import f_d12_420_alpha_premultipliedPng from '../../fixtures/avif/d12-420-alpha-premultiplied.sharp.png?bytes';
import f_d10_422_limited_bt709Avif from '../../fixtures/avif/d10-422-limited-bt709.avif?bytes';
import f_d10_422_limited_bt709Png from '../../fixtures/avif/d10-422-limited-bt709.sharp.png?bytes';
import f_d8_lossless_identityAvif from '../../fixtures/avif/d8-lossless-identity.avif?bytes';
import f_d8_lossless_identityPng from '../../fixtures/avif/d8-lossless-identity.sharp.png?bytes';
import f_d8_420_grid_128x128Avif from '../../fixtures/avif/d8-420-grid-128x128.avif?bytes';
import f_d8_420_grid_128x128Png from '../../fixtures/avif/d8-420-grid-128x128.sharp.png?bytes';
import f_d8_420_irot1Avif from '../../fixtures/avif/d8-420-irot1.avif?bytes';
import f_d8_420_irot1Png from '../../fixtures/avif/d8-420-irot1.sharp.png?bytes';
import f_d8_420_imir0Avif from '../../fixtures/avif/d8-420-imir0.avif?bytes';
import f_d8_420_imir0Png from '../../fixtures/avif/d8-420-imir0.sharp.png?bytes';
import f_d8_444_irot3_imir1Avif from '../../fixtures/avif/d8-444-irot3-imir1.avif?bytes';
import f_d8_444_irot3_imir1Png from '../../fixtures/avif/d8-444-irot3-imir1.sharp.png?bytes';

const files: Record<string, [Uint8Array, Uint8Array]> = {
  'd8-420': [f_d8_420Avif, f_d8_420Png],
  'd8-422': [f_d8_422Avif, f_d8_422Png],
  'd8-444': [f_d8_444Avif, f_d8_444Png],
  'd8-400': [f_d8_400Avif, f_d8_400Png],
  'd10-420-alpha': [f_d10_420_alphaAvif, f_d10_420_alphaPng],
  'd12-444': [f_d12_444Avif, f_d12_444Png],
  'd12-420-alpha-premultiplied': [f_d12_420_alpha_premultipliedAvif, f_d12_420_alpha_premultipliedPng],
  'd10-422-limited-bt709': [f_d10_422_limited_bt709Avif, f_d10_422_limited_bt709Png],
  'd8-lossless-identity': [f_d8_lossless_identityAvif, f_d8_lossless_identityPng],
  'd8-420-grid-128x128': [f_d8_420_grid_128x128Avif, f_d8_420_grid_128x128Png],
  'd8-420-irot1': [f_d8_420_irot1Avif, f_d8_420_irot1Png],
  'd8-420-imir0': [f_d8_420_imir0Avif, f_d8_420_imir0Png],
  'd8-444-irot3-imir1': [f_d8_444_irot3_imir1Avif, f_d8_444_irot3_imir1Png],
};

/** Every row of an AVIF through the stream, into one RGBA image (stored orientation). */
function decodeAll(bytes: Uint8Array, maxPixels = 1_000_000) {
  const session = CodecSession.open();
  const rows = streamAvifRows(session, bytes, { maxPixels });
  const data = new Uint8ClampedArray(rows.width * rows.height * 4);
  for (let y = 0; y < rows.height; y++) data.set(rows.row(y), y * rows.width * 4);
  rows.finish();
  return { image: { data, width: rows.width, height: rows.height } as Pixels, avif: rows.avif };
}

function diff(a: Pixels, b: Pixels) {
  let sum = 0;
  let max = 0;
  let over8 = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    sum += d;
    if (d > max) max = d;
    if (d > 8) over8++;
  }
  return { mean: sum / a.data.length, max, over8: over8 / a.data.length };
}

const FORMATS: Record<string, number> = { '444': 1, '422': 2, '420': 3, '400': 4 };

describe('streamAvifRows against an independent decoder', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const [avifBytes, pngBytes] = files[name]!;
    const { image, avif } = decodeAll(avifBytes);
    const header = readImageHeader(avifBytes);
    const shown = c.oriented ? applyOrientation(image, fromExif(header.orientation)) : image;
    const expected = await decodePng(pngBytes.slice().buffer);
    expect([shown.width, shown.height]).toEqual(c.size);
    expect([expected.width, expected.height]).toEqual(c.size);
    const { mean, max, over8 } = diff(shown, expected);
    console.log(`${name}: depth ${avif.depth}, format ${avif.yuvFormat}, matrix ${avif.matrixCoefficients}, alpha ${avif.hasAlpha}, orientation ${header.orientation}: mean |Δ| ${mean.toFixed(3)}, max ${max}, over 8: ${(over8 * 100).toFixed(2)}% (vs ${c.reference})`);
    expect(mean).toBeLessThanOrEqual(c.tolerance.mean);
    expect(max).toBeLessThanOrEqual(c.tolerance.max);
    expect(over8).toBeLessThanOrEqual(c.tolerance.over8);
    // What the decoder reports matches how the file was made.
    const depth = /-d (\d+)/.exec(c.avifenc)?.[1];
    if (depth) expect(avif.depth).toBe(Number(depth));
    const yuv = /-y (\d+)/.exec(c.avifenc)?.[1];
    if (yuv) expect(avif.yuvFormat).toBe(FORMATS[yuv]);
    expect(avif.hasAlpha).toBe(c.source === 'alpha');
    expect(header.hasAlpha).toBe(c.source === 'alpha');
  });

  it('reads the lossless (identity matrix) file exactly as sharp does', async () => {
    const [avifBytes, pngBytes] = files['d8-lossless-identity']!;
    const { image, avif } = decodeAll(avifBytes);
    expect(avif.matrixCoefficients).toBe(0);
    expect(diff(image, await decodePng(pngBytes.slice().buffer)).max).toBe(0);
  });

  it('places grid tiles in the order the file declares (each tile has its own colour and mark)', () => {
    const { image } = decodeAll(files['d8-420-grid-128x128']![0]);
    const at = (x: number, y: number) => Array.from(image.data.subarray((y * 128 + x) * 4, (y * 128 + x) * 4 + 3));
    // The tiles' top-left pixels are the source's four colours: red, green / blue, yellow.
    const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 12);
    expect(near(at(1, 1), [220, 40, 30])).toBe(true);
    expect(near(at(65, 1), [30, 180, 60])).toBe(true);
    expect(near(at(1, 65), [40, 60, 210])).toBe(true);
    expect(near(at(65, 65), [235, 225, 120])).toBe(true);
  });
});

describe('streamAvifRows limits and failures', () => {
  it('refuses an image over maxPixels before decoding (too-large: a 413)', () => {
    const session = CodecSession.open();
    expect(() => streamAvifRows(session, files['d8-420']![0], { maxPixels: 64 * 48 - 1 })).toThrow(expect.objectContaining({ code: 'too-large' }));
  });

  it.each([100, 300, 500])('a file cut at %i bytes is a corrupt/invalid CodecError, never a trap', (length) => {
    const bytes = files['d10-420-alpha']![0];
    const session = CodecSession.open();
    let error: unknown;
    try {
      const rows = streamAvifRows(session, bytes.subarray(0, Math.min(length, bytes.length - 1)), { maxPixels: 1_000_000 });
      for (let y = 0; y < rows.height; y++) rows.row(y);
      rows.finish();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CodecError);
    expect(['corrupt', 'invalid', 'unsupported']).toContain((error as CodecError).code);
  });

  it('a 2.56 MP AVIF with alpha: dav1d\'s two pictures and one decoder\'s state at a time (~5 bytes per pixel)', () => {
    const session = CodecSession.open();
    const rows = streamAvifRows(session, bigAlphaAvif, { maxPixels: 16_000_000 });
    expect([rows.width, rows.height, rows.avif.hasAlpha]).toEqual([1600, 1600, true]);
    expect(Array.from(rows.row(1500).subarray(1500 * 4, 1501 * 4))[3]).toBeGreaterThan(120);
    rows.finish();
    console.log(`1600×1600 8-bit 4:2:0 with alpha: session ${(session.memoryBytes / 2 ** 20).toFixed(1)} MiB`);
    // Measured 13.7 MiB: the colour picture (3.84 MB), the alpha picture (2.56 MB), the alpha decoder's state (the
    // colour decoder is closed first: native/src/avif-dav1d-release.c) and the session's own ~1.3 MiB. libaom's
    // decoder took 46.4 MiB one decoder at a time, 72.7 MiB both at once.
    expect(session.memoryBytes).toBeLessThan(20 * 2 ** 20);
  });

  it('frees everything at finish: a second decode in the same session reuses the memory', () => {
    const session = CodecSession.open();
    for (let i = 0; i < 2; i++) {
      const rows = streamAvifRows(session, files['d8-420-grid-128x128']![0], { maxPixels: 1_000_000 });
      for (let y = 0; y < rows.height; y++) rows.row(y);
      rows.finish();
    }
    const after = session.memoryBytes;
    for (let i = 0; i < 3; i++) {
      const rows = streamAvifRows(session, files['d8-420-grid-128x128']![0], { maxPixels: 1_000_000 });
      for (let y = 0; y < rows.height; y++) rows.row(y);
      rows.finish();
    }
    expect(session.memoryBytes).toBe(after);
  });
});
