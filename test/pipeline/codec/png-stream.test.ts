/**
 * PNG decoded as a stream of rows in the codec session (native/src/png.c, Debian's zlib): every colour type and depth of
 * PngSuite and our fixtures, row by row, against jSquash's decoder (png-rs, an independent implementation); damage
 * found where it is; interlaced files refused (they are decoded whole instead).
 */
import { describe, expect, it } from 'vitest';
import rose from '../../../samples/alpha/rose.png?bytes';
import { decodePng } from '../../../src/pipeline/codec/png.js';
import { CodecSession, streamPngRows } from '../../../src/pipeline/codec/index.js';
import greyAlpha from '../../fixtures/grey-alpha-32x32.png?bytes';
import interlaced from '../../fixtures/quadrants-interlaced-64x48.png?bytes';
import quadPng from '../../fixtures/quadrants-64x48.png?bytes';
import paletteTrns from '../../fixtures/palette-trns-32x32.png?bytes';
import pixel from '../../fixtures/pixel-1x1.png?bytes';
import rgb16 from '../../fixtures/rgb16-32x32.png?bytes';
import stripes from '../../fixtures/stripes-64x64.png?bytes';
import { corpusAvailable, corpusFile } from '../../helpers/corpus.js';
import { scaledFailure } from '../../helpers/pixels.js';
import { writePng } from '../../helpers/png-writer.js';

/** Every row of a streamed decode, concatenated. */
function streamAll(bytes: Uint8Array): { data: Uint8ClampedArray; width: number; height: number } {
  const session = CodecSession.open();
  const rows = streamPngRows(session, bytes);
  const data = new Uint8ClampedArray(rows.width * rows.height * 4);
  for (let y = 0; y < rows.height; y++) data.set(rows.row(y), y * rows.width * 4);
  rows.finish();
  return { data, width: rows.width, height: rows.height };
}

async function expectSameAsJsquash(bytes: Uint8Array) {
  const ours = streamAll(bytes);
  const reference = await decodePng(bytes.slice().buffer);
  expect({ width: ours.width, height: ours.height }).toEqual({ width: reference.width, height: reference.height });
  let worst = 0;
  for (let i = 0; i < ours.data.length; i++) worst = Math.max(worst, Math.abs(ours.data[i]! - reference.data[i]!));
  expect(worst).toBe(0);
}

const suite = [
  'basn0g01.png', 'basn0g02.png', 'basn0g04.png', 'basn0g08.png', 'basn0g16.png', 'basn2c08.png', 'basn2c16.png',
  'basn3p01.png', 'basn3p02.png', 'basn3p04.png', 'basn3p08.png', 'basn3p08-trns.png', 'basn4a08.png', 'basn4a16.png',
  'basn6a08.png', 'basn6a16.png', 'basn0g01-30.png', 'basn0g02-29.png', 'basn0g04-31.png',
  'ftbbn0g01.png', 'ftbbn0g02.png', 'ftbbn0g04.png', 'ftbbn2c16.png', 'ftbbn3p08.png', 'ftbgn2c16.png', 'ftbgn3p08.png',
  'ftbrn2c08.png', 'ftbwn0g16.png', 'ftbwn3p08.png', 'ftbyn3p08.png', 'ftp0n0g08.png', 'ftp0n2c08.png', 'ftp0n3p08.png',
  'ftp1n3p08.png',
];

describe('the same pixels as png-rs (jSquash)', () => {
  it.runIf(corpusAvailable).each(suite)('PngSuite %s', async (name) => {
    await expectSameAsJsquash(await corpusFile(`pngsuite/${name}`));
  });

  it.each([
    ['fixtures/quadrants-64x48.png', quadPng],
    ['fixtures/rgb16-32x32.png (16-bit RGB)', rgb16],
    ['fixtures/palette-trns-32x32.png', paletteTrns],
    ['fixtures/grey-alpha-32x32.png', greyAlpha],
    ['fixtures/stripes-64x64.png', stripes],
    ['fixtures/pixel-1x1.png', pixel],
    ['samples/alpha/rose.png (RGBA photo, every filter type)', rose],
  ])('%s', async (_, bytes) => {
    await expectSameAsJsquash(bytes);
  });
});

describe('damage and what is not streamed', () => {
  it('refuses an interlaced PNG as unsupported (decoded whole instead)', () => {
    scaledFailure(() => streamAll(interlaced), 'unsupported');
  });

  it.each([
    ['cut in its IDAT', quadPng.slice(0, quadPng.length - 30), /ends inside an IDAT chunk|image data ends|cut short/],
    ['without IEND', quadPng.slice(0, quadPng.length - 12), /ends inside a chunk header/],
    ['an IDAT byte flipped', flip(quadPng, idatAt(quadPng) + 12), /zlib: invalid|CRC of an IDAT chunk does not match/],
    ['a filter type of 7', writePng({ width: 2, height: 1, bitDepth: 8, colourType: 0, raw: [7, 1, 2] }), /filter type 7/],
    ['fewer rows than IHDR says', writePng({ width: 2, height: 3, bitDepth: 8, colourType: 0, raw: [0, 1, 2] }), /ends at row 1 of 3/],
    ['with 100 kB of image data after its last row', writePng({ width: 2, height: 1, bitDepth: 8, colourType: 0, raw: new Array(100_003).fill(0) }), /more than 64 KiB of image data after its last row/],
  ])('answers corrupt for a PNG %s', (_, bytes, message) => {
    const error = scaledFailure(() => streamAll(bytes), 'corrupt');
    expect(error.message).toMatch(message);
  });
});

/** Offset of the first IDAT chunk's type field. */
function idatAt(bytes: Uint8Array): number {
  for (let i = 8; i + 4 <= bytes.length; i++) if (String.fromCharCode(...bytes.subarray(i, i + 4)) === 'IDAT') return i;
  throw new Error('no IDAT');
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] = out[at]! ^ 0xff;
  return out;
}
