/**
 * PNG masters larger than MAX_INPUT_PIXELS (5 MP) through the worker: streamed a strip of rows at a time (native/src/png.c),
 * validated that way at upload and served; an interlaced one of the same size is still a 413 naming the limit.
 */
import { describe, expect, it } from 'vitest';
import { decodeAny, magicOf } from '../helpers/images.js';
import { writePng } from '../helpers/png-writer.js';
import { bodyBytes, get } from '../helpers/worker.js';
import { expectProblem, upload } from './masters-client.js';

/** A 1-bit grey PNG, left half white, right half black (stored deflate, so ~width/8 bytes a row). */
function halves(width: number, height: number, interlaced = false): Uint8Array {
  const stride = Math.ceil(width / 8);
  const row = new Uint8Array(stride + 1);
  for (let x = 0; x < width / 2; x++) row[1 + (x >> 3)]! |= 0x80 >> (x & 7);
  const raw = new Uint8Array(row.length * height);
  for (let y = 0; y < height; y++) raw.set(row, y * row.length);
  // Interlaced: the same bytes cannot be valid Adam7 data, but the limit is checked before any is read.
  return writePng({ width, height, bitDepth: 1, colourType: 0, raw, interlaced });
}

describe('large PNG masters', () => {
  it('takes a 5000×3000 (15 MP) PNG and serves it at 500 px', async () => {
    const stored = await upload('png/15mp.png', halves(5000, 3000));
    expect(stored.status).toBe(201);
    expect(await stored.json()).toMatchObject({ format: 'png', width: 5000, height: 3000 });
    const response = await get('/cdn-cgi/image/width=500,format=png/png/15mp.png');
    expect(response.status).toBe(200);
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe('png');
    const image = await decodeAny(bytes);
    expect({ width: image.width, height: image.height }).toEqual({ width: 500, height: 300 });
    const at = (x: number, y: number) => Array.from(image.data.subarray((y * 500 + x) * 4, (y * 500 + x) * 4 + 4));
    expect(at(100, 150)).toEqual([255, 255, 255, 255]);
    expect(at(400, 150)).toEqual([0, 0, 0, 255]);
  });

  it('refuses the same size interlaced at upload: Adam7 is decoded whole, within MAX_INPUT_PIXELS', async () => {
    await expectProblem(await upload('png/15mp-adam7.png', halves(5000, 3000, true)), 413, 'input-too-large', /interlaced \(Adam7\).*save it without interlacing/);
  });
});
