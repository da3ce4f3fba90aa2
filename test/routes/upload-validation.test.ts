/**
 * Uploads are decoded end to end before anything is stored: truncated and corrupt files of every format are a 422
 * saying what is wrong, a file the transform path would refuse for size is a 413 naming the limit, and R2 is left
 * exactly as it was. Every file here has a header that reads (checked), so it is the decode that refuses it.
 */
import { describe, expect, it } from 'vitest';
import roseWebp from '../../samples/webp/rose.webp?bytes';
import flowerAvif from '../../samples/avif/flower.avif?bytes';
import trafficGif from '../../samples/gif/traffic-light.gif?bytes';
import storm from '../../samples/photos/storm.jpg?bytes';
import { readImageHeader } from '../../src/formats/header.js';
import animatedWebp from '../fixtures/animated-3-frames-32x32.webp?bytes';
import animatedGif from '../fixtures/animated-8-frames-32x32.gif?bytes';
import losslessWebp from '../fixtures/lossless-alpha-32x32.webp?bytes';
import lossyWebp from '../fixtures/lossy-40x30.webp?bytes';
import quadAvif from '../fixtures/quadrants-24x16.avif?bytes';
import interlacedPng from '../fixtures/quadrants-interlaced-64x48.png?bytes';
import quadJpg from '../fixtures/quadrants-64x48.jpg?bytes';
import quadPng from '../fixtures/quadrants-64x48.png?bytes';
import progressiveJpg from '../fixtures/quadrants-progressive-64x48.jpg?bytes';
import truncatedJpg from '../fixtures/truncated-128x96.jpg?bytes';
import { withIspe } from '../helpers/avif-writer.js';
import { writeGif } from '../helpers/gif-writer.js';
import { pngChunk, writePng } from '../helpers/png-writer.js';
import { get } from '../helpers/worker.js';
import { expectProblem, r2Keys, upload } from './masters-client.js';

/** An upload that must be refused with `status`, leaving R2 as it was; the problem body's detail. */
async function refused(key: string, body: Uint8Array, status: number, code: string, detail?: RegExp): Promise<string> {
  const before = await r2Keys();
  const problem = await expectProblem(await upload(key, body), status, code, detail);
  expect(await r2Keys()).toEqual(before);
  return problem.detail;
}

const cut = (bytes: Uint8Array, fraction: number) => bytes.slice(0, Math.floor(bytes.length * fraction));

function patched(bytes: Uint8Array, at: number, values: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, at);
  return out;
}

/** The offset of the first occurrence of `text` (ASCII) in `bytes`. */
function find(bytes: Uint8Array, text: string): number {
  const codes = Array.from(text, (c) => c.charCodeAt(0));
  for (let i = 0; i + codes.length <= bytes.length; i++) if (codes.every((c, j) => bytes[i + j] === c)) return i;
  throw new Error(`${text} not found`);
}

/** The offset just past a JPEG's first SOS segment header (where entropy-coded data begins). */
function scanStart(jpeg: Uint8Array): number {
  for (let at = 2; ; ) {
    const marker = jpeg[at + 1]!;
    const length = (jpeg[at + 2]! << 8) | jpeg[at + 3]!;
    if (marker === 0xda) return at + 2 + length;
    at += 2 + length;
  }
}

const truncated: Array<[string, Uint8Array]> = [
  ['a baseline JPEG cut in its scan (fixture)', truncatedJpg],
  ['a baseline JPEG photo cut at 70%', cut(storm, 0.7)],
  ['a progressive JPEG cut in its later scans', cut(progressiveJpg, 0.8)],
  ['a PNG cut in its IDAT', cut(quadPng, 0.75)],
  ['an interlaced PNG cut in its IDAT', cut(interlacedPng, 0.8)],
  ['a lossy WebP cut at 70%', cut(roseWebp, 0.7)],
  ['a lossy WebP missing its last 8 bytes', lossyWebp.slice(0, lossyWebp.length - 8)],
  ['a lossless WebP missing its last 6 bytes', losslessWebp.slice(0, losslessWebp.length - 6)],
  ['an animated WebP cut inside its first frame', cut(animatedWebp, 0.3)],
  ['an AVIF cut in its mdat', cut(flowerAvif, 0.6)],
  ['a small AVIF missing its last 40 bytes', quadAvif.slice(0, quadAvif.length - 40)],
  ['a GIF cut in its first frame', cut(trafficGif, 0.35)],
];

describe('truncated files of every format: 422, nothing stored', () => {
  it.each(truncated)('%s', async (name, bytes) => {
    expect(() => readImageHeader(bytes)).not.toThrow();
    const detail = await refused(`truncated/${name.replace(/\W+/g, '-')}`, bytes, 422, 'undecodable');
    expect(detail).toMatch(/upload \(\d+×\d+\) is truncated or corrupt: /);
  });
});

describe('corrupt files: 422, nothing stored', () => {
  const jpegScan = scanStart(quadJpg);
  const idat = find(quadPng, 'IDAT');
  it.each([
    ['a JPEG with a restart marker in the middle of its scan', patched(quadJpg, jpegScan + 20, [0xff, 0xd3])],
    ['a JPEG whose Huffman table selector points at a table it lacks', patched(quadJpg, scanStart(quadJpg) - 5, [0x33])],
    ['a PNG with one IDAT byte flipped (its CRC no longer matches)', patched(quadPng, idat + 10, [quadPng[idat + 10]! ^ 0xff])],
    ['a PNG whose IHDR CRC is wrong', patched(quadPng, 29, [0, 0, 0, 0])],
    ['a GIF whose LZW stream has an impossible code', patched(animatedGif, find(animatedGif, ',') + 12, [0xff, 0xff, 0xff])],
    ['a lossless WebP with its transform bits garbled', patched(losslessWebp, 25, [0xff, 0xff, 0xff, 0xff])],
  ])('%s', async (name, bytes) => {
    expect(() => readImageHeader(bytes)).not.toThrow();
    await refused(`corrupt/${name.replace(/\W+/g, '-')}`, bytes, 422, 'undecodable');
  });

  it('a PNG without its IEND chunk (cut after the image data)', async () => {
    const detail = await refused('corrupt/no-iend.png', quadPng.slice(0, quadPng.length - 12), 422, 'undecodable');
    expect(detail).toMatch(/before its IEND chunk/);
  });

  it('a PNG whose tEXt chunk claims 2 GB', async () => {
    const liar = pngChunk('tEXt', [0x61, 0, 0x62], 0x7ffffff0);
    const bytes = writePng({ width: 2, height: 2, bitDepth: 8, colourType: 0, pixels: [1, 2, 3, 4], before: [liar] });
    expect(await refused('corrupt/chunk.png', bytes, 422, 'undecodable')).toMatch(/chunk 'tEXt' at byte 33 claims 2147483632 bytes/);
  });

  it("takes a PNG whose only damage is an ancillary chunk's CRC (ignored, as libpng does)", async () => {
    const text = pngChunk('tEXt', [0x61, 0, 0x62]);
    text[text.length - 1] = text.at(-1)! ^ 0xff;
    const bytes = writePng({ width: 2, height: 2, bitDepth: 8, colourType: 0, pixels: [1, 2, 3, 4], before: [text] });
    expect((await upload('corrupt/ancillary-crc.png', bytes)).status).toBe(201);
  });

  it('an AVIF whose AV1 frame is larger than its ispe (422 naming both, before the decoder runs)', async () => {
    const detail = await refused('corrupt/ispe.avif', withIspe(flowerAvif, 16, 16), 422, 'undecodable');
    expect(detail).toMatch(/1200×800, larger than the 16×16 image/);
  });
});

describe('what a transform would refuse for size is refused at upload, with the same status', () => {
  it('a progressive JPEG of 20000×20000: over the 100 MP JPEG limit, the same 413 as its transforms', async () => {
    const sof = find(progressiveJpg, '\xff\xc2');
    const big = patched(progressiveJpg, sof + 5, [20000 >> 8, 20000 & 255, 20000 >> 8, 20000 & 255]);
    const detail = await refused('size/progressive.jpg', big, 413, 'input-too-large');
    expect(detail).toMatch(/20000×20000 \(400\.0 MP\), over the 100\.0 MP limit for jpeg/);
    const { env } = await import('cloudflare:test');
    await env.MASTERS.put('masters/size/progressive.jpg', big);
    expect((await get('/cdn-cgi/image/width=100/size/progressive.jpg')).status).toBe(413);
  });

  it('a progressive JPEG whose SOF claims 6000×4000 over 64×48 of data: 422, its scans end early (taken at 1/8: 6.8 MB of coefficients)', async () => {
    const sof = find(progressiveJpg, '\xff\xc2');
    const big = patched(progressiveJpg, sof + 5, [4000 >> 8, 4000 & 255, 6000 >> 8, 6000 & 255]);
    expect(readImageHeader(big)).toMatchObject({ width: 6000, height: 4000, progressive: true });
    await refused('size/lying.jpg', big, 422, 'undecodable', /truncated or corrupt/);
  });

  it('a GIF whose first frame would take more decoding work than the GIF limit (413 naming the frame)', async () => {
    const grey = Array.from({ length: 4 }, (_, i) => [i * 80, i * 80, i * 80]);
    const gif = writeGif({ width: 10, height: 10, palette: grey, frames: [{ left: 50000, top: 50000, width: 57000, height: 60000, indices: [1, 2] }] });
    const detail = await refused('size/frame.gif', gif, 413, 'input-too-large');
    expect(detail).toMatch(/first frame is 57000×60000 at \(50000, 50000\) on a 10×10 screen/);
  });
});

describe('whole files of every format are still taken', () => {
  it.each([
    ['baseline JPEG', quadJpg, 'jpeg'],
    ['progressive JPEG', progressiveJpg, 'jpeg'],
    ['PNG', quadPng, 'png'],
    ['interlaced PNG', interlacedPng, 'png'],
    ['lossy WebP', lossyWebp, 'webp'],
    ['lossless WebP', losslessWebp, 'webp'],
    ['animated WebP', animatedWebp, 'webp'],
    ['AVIF', quadAvif, 'avif'],
    ['animated GIF', animatedGif, 'gif'],
    ['JPEG with 4 extraneous bytes before EOI (a libjpeg warning that loses nothing)', new Uint8Array([...quadJpg.subarray(0, quadJpg.length - 2), 0, 0, 0, 0, 0xff, 0xd9]), 'jpeg'],
  ])('%s', async (name, bytes, format) => {
    const response = await upload(`whole/${name.replace(/\W+/g, '-')}`, bytes);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ format });
  });
});
