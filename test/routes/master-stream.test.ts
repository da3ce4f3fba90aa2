/**
 * Masters streamed from Miniflare's R2 into the decoders through the image route: a PNG over the old 25 MiB
 * MAX_INPUT_BYTES (a 413 before) served, a progressive JPEG put straight into R2 served, a master replaced between
 * its lookup and its read answered from the new bytes, and formats read whole still under MAX_BUFFERED_INPUT_BYTES.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import png from '../fixtures/quadrants-64x48.png?bytes';
import jpeg from '../fixtures/quadrants-64x48.jpg?bytes';
import { decodeAny, magicOf, meanColour } from '../helpers/images.js';
import { writeFlatProgressiveJpeg } from '../helpers/jpeg-writer.js';
import { writePng } from '../helpers/png-writer.js';
import { oversizedWebp } from '../helpers/webp-writer.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';
import { expectProblem } from './masters-client.js';

describe('masters streamed from R2', () => {
  it('serves a 30 MB PNG (6000×5000 grey, stored deflate): over the old 25 MiB byte limit, streamed into the decoder', async () => {
    const width = 6000;
    const height = 5000;
    // Top half grey 200, bottom half grey 40: each row is a filter byte then `width` samples.
    const raw = new Uint8Array((width + 1) * height);
    for (let y = 0; y < height; y++) raw.fill(y < height / 2 ? 200 : 40, y * (width + 1) + 1, (y + 1) * (width + 1));
    const master = writePng({ width, height, bitDepth: 8, colourType: 0, raw });
    expect(master.length).toBeGreaterThan(25 * 1024 * 1024);
    await putMaster('stream/30mb.png', master);
    const response = await get('/cdn-cgi/image/width=600,format=png/stream/30mb.png');
    expect(response.status).toBe(200);
    const image = await decodeAny(await bodyBytes(response));
    expect({ width: image.width, height: image.height }).toEqual({ width: 600, height: 500 });
    expect(meanColour(image, 0, 0, 600, 200).slice(0, 3).map(Math.round)).toEqual([200, 200, 200]);
    expect(meanColour(image, 0, 300, 600, 200).slice(0, 3).map(Math.round)).toEqual([40, 40, 40]);
  });

  it('serves a 24 MP progressive JPEG put straight into R2 (no metadata: the header is read, then the bytes streamed)', async () => {
    await putMaster('stream/progressive.jpg', writeFlatProgressiveJpeg(6000, 4000, [90, 128, 128]));
    const response = await get('/cdn-cgi/image/width=1600,format=webp/stream/progressive.jpg');
    expect(response.status).toBe(200);
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe('webp');
    const image = await decodeAny(bytes);
    expect({ width: image.width, height: image.height }).toEqual({ width: 1600, height: 1067 });
    const [r, g, b] = meanColour(image, 0, 0, 1600, 1067);
    for (const channel of [r, g, b]) expect(Math.abs(channel! - 90)).toBeLessThan(3);
  });

  it('a master replaced after its lookup (etag no longer matches) is looked up again and served from its new bytes', async () => {
    await putMaster('stream/changing', jpeg);
    const first = await get('/cdn-cgi/image/width=32,format=png/stream/changing');
    expect(first.status).toBe(200);
    expect(await decodeAny(await bodyBytes(first))).toMatchObject({ width: 32, height: 24 });
    // Replaced in R2 behind the worker's back: its cached metadata still names the old etag (and JPEG, 64×48).
    const square = writePng({ width: 40, height: 40, bitDepth: 8, colourType: 0, raw: new Uint8Array(41 * 40).fill(0) });
    await env.MASTERS.put('masters/stream/changing', square);
    const second = await get('/cdn-cgi/image/width=20,format=png/stream/changing');
    expect(second.status).toBe(200);
    expect(await decodeAny(await bodyBytes(second))).toMatchObject({ width: 20, height: 20 });
  });

  it('a master whose bytes disagree with its stored metadata is still a 422 (checked on the stream`s head)', async () => {
    await putMaster('stream/liar', png, { format: 'png', width: '10', height: '10' });
    await expectProblem(await get('/cdn-cgi/image/width=5,format=png/stream/liar'), 422, 'master-metadata-mismatch');
  });

  it('a WebP over MAX_BUFFERED_INPUT_BYTES is a 413 naming it: its decoder needs the whole file', async () => {
    // A VP8X header for a 100×100 WebP with a 26 MiB RIFF: refused on size before a byte of it is decoded.
    const size = 26 * 1024 * 1024 + 64;
    const webp = oversizedWebp(size);
    await putMaster('stream/big.webp', webp, { format: 'webp', width: '100', height: '100' });
    await expectProblem(await get('/cdn-cgi/image/width=50,format=png/stream/big.webp'), 413, 'input-too-large', /MAX_BUFFERED_INPUT_BYTES/);
  });
});
