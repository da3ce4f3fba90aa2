/** brightness, contrast, gamma and saturation through the worker, on the pixels that come back (PNG keeps them exact). */
import { beforeAll, describe, expect, it } from 'vitest';
import quadrants from '../fixtures/quadrants-64x48.png?bytes';
import { type Decoded, decodeAny } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

beforeAll(async () => {
  await putMaster('tone/q.png', quadrants);
});

async function transform(options: string): Promise<Decoded> {
  const response = await get(`/cdn-cgi/image/${options}/tone/q.png`);
  if (response.status !== 200) expect.fail(`${response.status}: ${await response.text()}`);
  return decodeAny(await bodyBytes(response));
}

function at(image: Decoded, x: number, y: number): number[] {
  return Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
}

describe('tone options', () => {
  it('saturation=0 gives each quadrant the grey of its luminance (red 127, green 220, blue 76)', async () => {
    const image = await transform('saturation=0,format=png');
    expect(at(image, 4, 4)).toEqual([127, 127, 127, 255]);
    expect(at(image, 60, 4)).toEqual([220, 220, 220, 255]);
    expect(at(image, 4, 44)).toEqual([76, 76, 76, 255]);
  });

  it('applies after the resize and leaves the pad border in the background colour', async () => {
    const image = await transform('width=100,height=100,fit=pad,background=%23ff0000,saturation=0,format=png');
    expect(image.width).toBe(100);
    expect(at(image, 50, 2)).toEqual([255, 0, 0, 255]);
    expect(at(image, 10, 20)).toEqual([127, 127, 127, 255]);
  });

  it('gamma=0.5 darkens, brightness=0.5 darkens, contrast=0.5 pulls towards mid-grey', async () => {
    const [gamma] = at(await transform('gamma=0.5,format=png'), 4, 4);
    expect(gamma).toBe(255); // full red stays full under a power curve
    const [brightness] = at(await transform('brightness=0.5,format=png'), 4, 4);
    expect(brightness).toBeLessThan(200);
    const [r, g] = at(await transform('contrast=0.5,format=png'), 4, 4);
    expect([r, g]).toEqual([191, 64]);
  });

  it('answers 400 naming the option for a value out of range', async () => {
    const response = await get('/cdn-cgi/image/brightness=11/tone/q.png');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('brightness');
  });

  it('gives a different ETag per factor, and the same one for a factor of 1', async () => {
    const etag = async (options: string) => (await get(`/cdn-cgi/image/${options},format=png/tone/q.png`)).headers.get('etag');
    expect(await etag('saturation=0.5')).not.toBe(await etag('saturation=0.6'));
    expect(await etag('gamma=1,width=20')).toBe(await etag('width=20'));
  });
});
