/**
 * Every size an image declares is bounded before it is used, through the worker: masters put straight into R2 (as
 * other tools would) whose frames, chunks or palettes claim more than the file has, transformed without a 5xx and
 * without the allocation they ask for.
 */
import { describe, expect, it } from 'vitest';
import flowerAvif from '../../samples/avif/flower.avif?bytes';
import { withIspe } from '../helpers/avif-writer.js';
import { decodeAny, magicOf } from '../helpers/images.js';
import { writeGif } from '../helpers/gif-writer.js';
import { pngChunk, writePng } from '../helpers/png-writer.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

const grey = Array.from({ length: 256 }, (_, i) => [i, i, i]);

async function problem(path: string): Promise<{ status: number; type: string; detail: string }> {
  const response = await get(path);
  expect(response.headers.get('Content-Type')).toBe('application/problem+json');
  const body = (await response.json()) as { type: string; detail: string };
  return { status: response.status, type: body.type.split(':').pop()!, detail: body.detail };
}

describe('GIF frame descriptors', () => {
  it('serves a 10×10 GIF whose first frame claims 57000×60000 at (50000, 50000) as its transparent screen', async () => {
    const bytes = writeGif({ width: 10, height: 10, palette: grey, frames: [{ left: 50000, top: 50000, width: 57000, height: 60000, indices: [1, 2, 3] }] });
    await putMaster('bounds/far-frame.gif', bytes);
    const response = await get('/cdn-cgi/image/format=png/bounds/far-frame.gif');
    expect(response.status).toBe(200);
    const out = await bodyBytes(response);
    expect(magicOf(out)).toBe('png');
    const image = await decodeAny(out);
    expect({ width: image.width, height: image.height }).toEqual({ width: 10, height: 10 });
    expect(image.data.every((v) => v === 0)).toBe(true);
  });

  it('serves a 57000×60000 first frame at (0, 0) of a 16×8 screen clipped to the screen', async () => {
    const indices = Array.from({ length: 57000 * 8 }, (_, i) => (i % 57000 < 8 ? 255 : 0));
    await putMaster('bounds/huge-frame.gif', writeGif({ width: 16, height: 8, palette: grey, frames: [{ width: 57000, height: 60000, indices }] }));
    const response = await get('/cdn-cgi/image/format=png/bounds/huge-frame.gif');
    expect(response.status).toBe(200);
    const image = await decodeAny(await bodyBytes(response));
    expect({ width: image.width, height: image.height }).toEqual({ width: 16, height: 8 });
    // Columns 0–7 white (index 255), 8–15 black (index 0), all opaque: the frame's first 16 columns of 8 rows.
    expect(Array.from(image.data.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    expect(Array.from(image.data.subarray(12 * 4, 13 * 4))).toEqual([0, 0, 0, 255]);
  });

  it('answers 413 naming the frame when an interlaced oversized frame would take more work than the GIF limit', async () => {
    await putMaster('bounds/interlaced.gif', writeGif({ width: 10, height: 10, palette: grey, frames: [{ width: 57000, height: 60000, indices: [1], interlaced: true }] }));
    const body = await problem('/cdn-cgi/image/width=8/bounds/interlaced.gif');
    expect(body.status).toBe(413);
    expect(body.detail).toMatch(/first frame is 57000×60000 at \(0, 0\) on a 10×10 screen/);
  });

  it('paints indices past the palette black, nowhere else', async () => {
    await putMaster('bounds/index.gif', writeGif({ width: 4, height: 1, palette: [[255, 0, 0], [0, 255, 0]], frames: [{ indices: [0, 1, 77, 255] }] }));
    const response = await get('/cdn-cgi/image/format=png/bounds/index.gif');
    expect(response.status).toBe(200);
    const image = await decodeAny(await bodyBytes(response));
    expect(Array.from(image.data)).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
  });
});

describe('PNG chunks and palettes', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => i & 3);

  it('answers 413 for an IHDR of 10000×6000 (over the 50 MP PNG limit) before decoding a byte', async () => {
    await putMaster('bounds/big-ihdr.png', writePng({ width: 10000, height: 6000, bitDepth: 8, colourType: 0, raw: [0, 0] }));
    const body = await problem('/cdn-cgi/image/width=8/bounds/big-ihdr.png');
    expect(body).toMatchObject({ status: 413, type: 'input-too-large' });
    expect(body.detail).toMatch(/10000×6000 \(60\.0 MP\), over the 50\.0 MP limit for png/);
  });

  it('answers 413 for an interlaced IHDR of 4000×4000 (Adam7 is decoded whole, within the 5 MP limit)', async () => {
    await putMaster('bounds/big-adam7.png', writePng({ width: 4000, height: 4000, bitDepth: 8, colourType: 0, raw: [0, 0], interlaced: true }));
    const body = await problem('/cdn-cgi/image/width=8/bounds/big-adam7.png');
    expect(body).toMatchObject({ status: 413, type: 'input-too-large' });
    expect(body.detail).toMatch(/interlaced \(Adam7\) and 4000×4000 \(16\.0 MP\).*5\.0 MP limit for png when interlaced \(MAX_INPUT_PIXELS\); save it without interlacing/);
  });

  it('answers 422 for a 4000×4000 streamed PNG whose IDAT holds one row', async () => {
    await putMaster('bounds/short-big.png', writePng({ width: 4000, height: 4000, bitDepth: 1, colourType: 0, raw: new Array(501).fill(0) }));
    const body = await problem('/cdn-cgi/image/width=8/bounds/short-big.png');
    expect(body).toMatchObject({ status: 422, type: 'undecodable' });
    expect(body.detail).toMatch(/image data ends at row 1 of 4000/);
  });

  it('answers 422 for a chunk whose length claims 2 GB', async () => {
    const liar = pngChunk('tEXt', [0x61, 0, 0x62], 0x7ffffff0);
    await putMaster('bounds/chunk-length.png', writePng({ width: 4, height: 4, bitDepth: 8, colourType: 0, pixels: rows(16), before: [liar] }));
    const body = await problem('/cdn-cgi/image/width=2/bounds/chunk-length.png');
    expect(body.status).toBe(422);
  });

  it('paints palette indices past a 2-entry PLTE opaque black, never past the image', async () => {
    const plte = pngChunk('PLTE', [255, 0, 0, 0, 255, 0]);
    await putMaster('bounds/palette.png', writePng({ width: 4, height: 1, bitDepth: 8, colourType: 3, pixels: [0, 1, 7, 255], before: [plte] }));
    const response = await get('/cdn-cgi/image/format=png/bounds/palette.png');
    expect(response.status).toBe(200);
    const image = await decodeAny(await bodyBytes(response));
    // png-rs pads the palette with opaque black, as our GIF decoder does.
    expect(Array.from(image.data)).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
  });

  it('answers 422 for IDAT holding fewer rows than IHDR declares', async () => {
    await putMaster('bounds/short-idat.png', writePng({ width: 8, height: 8, bitDepth: 8, colourType: 0, raw: [0, 1, 2, 3, 4, 5, 6, 7, 8] }));
    expect((await problem('/cdn-cgi/image/width=4/bounds/short-idat.png')).status).toBe(422);
  });
});

describe('AVIF frames and grids', () => {
  it('answers 422 before decoding when the AV1 frame (1200×800) is larger than the ispe the limits saw (16×16)', async () => {
    await putMaster('bounds/ispe.avif', withIspe(flowerAvif, 16, 16));
    const body = await problem('/cdn-cgi/image/width=8/bounds/ispe.avif');
    expect(body).toMatchObject({ status: 422, type: 'undecodable' });
    expect(body.detail).toMatch(/declares AV1 frames of up to 1200×800, larger than the 16×16 image/);
  });
});
