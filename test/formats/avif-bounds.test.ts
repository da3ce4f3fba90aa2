/** AV1 frame sizes and grids in an AVIF, bounded against the image its header describes before anything decodes. */
import { describe, expect, it } from 'vitest';
import flowerAvif from '../../samples/avif/flower.avif?bytes';
import tinyAvif from '../../samples/avif/tiny.avif?bytes';
import { ImageError } from '../../src/http/problem.js';
import { checkAvifFrames } from '../../src/formats/avif-bounds.js';
import { readImageHeader } from '../../src/formats/header.js';
import p3Avif from '../fixtures/p3-srgb-quadrants-24x16.avif?bytes';
import quadAvif from '../fixtures/quadrants-24x16.avif?bytes';
import { sequenceHeaderObu, withIspe, writeAvif } from '../helpers/avif-writer.js';
import { corpusAvailable, corpusFile } from '../helpers/corpus.js';

function refusal(bytes: Uint8Array): ImageError {
  try {
    checkAvifFrames(bytes, readImageHeader(bytes));
  } catch (error) {
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).status).toBe(422);
    return error as ImageError;
  }
  throw new Error('accepted');
}

describe('real AVIFs pass', () => {
  it.each([
    ['samples/avif/flower.avif', flowerAvif],
    ['samples/avif/tiny.avif', tinyAvif],
    ['fixtures/quadrants-24x16.avif', quadAvif],
    ['fixtures/p3-srgb-quadrants-24x16.avif', p3Avif],
  ])('%s', (_, bytes) => {
    expect(() => checkAvifFrames(bytes, readImageHeader(bytes))).not.toThrow();
  });

  it.runIf(corpusAvailable)('corpus edge/sample-23x42.avif', async () => {
    const bytes = await corpusFile('edge/sample-23x42.avif');
    expect(() => checkAvifFrames(bytes, readImageHeader(bytes))).not.toThrow();
  });

  it('a written 16×16 item whose sequence header says 16×16', () => {
    const bytes = writeAvif({ width: 16, height: 16, data: sequenceHeaderObu(16, 16) });
    expect(readImageHeader(bytes)).toMatchObject({ format: 'avif', width: 16, height: 16 });
    expect(() => checkAvifFrames(bytes, readImageHeader(bytes))).not.toThrow();
  });
});

describe('frames larger than the image are refused', () => {
  it('a 1200×800 AV1 frame behind an ispe of 16×16 (the limits saw 16×16)', () => {
    expect(refusal(withIspe(flowerAvif, 16, 16)).detail).toMatch(/item 1 declares AV1 frames of up to 1200×800, larger than the 16×16 image/);
  });

  it('a sequence header of 65536×65536 behind an ispe of 16×16', () => {
    const bytes = writeAvif({ width: 16, height: 16, data: sequenceHeaderObu(65536, 65536) });
    expect(refusal(bytes).detail).toMatch(/65536×65536, larger than the 16×16 image/);
  });

  it('a grid whose output is larger than its ispe', () => {
    const bytes = writeAvif({ width: 64, height: 64, data: sequenceHeaderObu(64, 64), grid: { width: 60000, height: 60000, rows: 1, columns: 1 } });
    expect(refusal(bytes).detail).toMatch(/grid item 1 is 60000×60000, larger than the 64×64 image/);
  });

  it('a grid of more than 256 tiles', () => {
    const bytes = writeAvif({ width: 64, height: 64, data: sequenceHeaderObu(4, 4), grid: { width: 64, height: 64, rows: 200, columns: 200 } });
    expect(refusal(bytes).detail).toMatch(/40000 tiles/);
  });

  it('an OBU whose size runs past its item', () => {
    const bytes = writeAvif({ width: 16, height: 16, data: [(1 << 3) | 2, 0x7f, 1, 2, 3] });
    expect(refusal(bytes).detail).toMatch(/OBU claims 127 bytes, past its item/);
  });
});
