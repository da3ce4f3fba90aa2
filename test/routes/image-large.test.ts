/**
 * Shrink-on-load through the worker: JPEG masters far larger than what may be held decoded are served by
 * decoding at 1/2..1/8, and each format has its own source limit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/pipeline/codec/index.js';
import { encodeJpegScaled } from '../../src/pipeline/codec/index.js';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

/** A smooth gradient photo stand-in, encoded by the pipeline's JPEG encoder (quadrant colours known). */
async function syntheticJpeg(width: number, height: number): Promise<Uint8Array> {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const left = x < width / 2;
      const top = y < height / 2;
      data[i] = top && left ? 230 : 20;
      data[i + 1] = top && !left ? 230 : 20;
      data[i + 2] = !top && left ? 230 : 20;
      data[i + 3] = 255;
    }
  }
  return encodeJpegScaled({ data, width, height }, { quality: 70, progressive: false });
}

beforeAll(async () => {
  // 4000×3000 = 12 MP: more than twice MAX_INPUT_PIXELS (5 MP), under MAX_JPEG_INPUT_PIXELS (100 MP).
  await putMaster('big/12mp.jpg', await syntheticJpeg(4000, 3000));
}, 120_000);

describe('a 12 MP JPEG master', () => {
  it.each([
    ['width=500', 500, 375],
    ['width=1600', 1600, 1200],
    ['width=300,height=300,fit=cover', 300, 300],
  ])('is served at %s by decoding it scaled', async (options, width, height) => {
    const response = await get(`/cdn-cgi/image/${options},format=png/big/12mp.jpg`);
    expect(response.status).toBe(200);
    const image = await decodeAny(await bodyBytes(response));
    expect([image.width, image.height]).toEqual([width, height]);
    // Quadrant colours survive the scaled decode: top-left red, bottom-right dark.
    const at = (x: number, y: number) => Array.from(image.data.subarray((y * width + x) * 4, (y * width + x) * 4 + 3));
    expect(at(5, 5)[0]).toBeGreaterThan(200);
    expect(at(width - 5, height - 5).every((c) => c < 50)).toBe(true);
  });

  it('is encoded as AVIF when asked, up to AVIF_LIMIT_PIXELS (2.6 MP), and as WebP beyond it', async () => {
    const within = await get('/cdn-cgi/image/width=1600,format=avif/big/12mp.jpg');
    expect(within.status).toBe(200);
    expect(within.headers.get('Content-Type')).toBe('image/avif');
    const avif = await bodyBytes(within);
    expect(magicOf(avif)).toBe('avif');
    const small = await decodeAny(avif);
    expect([small.width, small.height]).toEqual([1600, 1200]);

    // 2000×1500 = 3 MP: libaom would need ~63 MiB for it.
    const beyond = await get('/cdn-cgi/image/width=2000,format=avif/big/12mp.jpg');
    expect(beyond.status).toBe(200);
    expect(beyond.headers.get('Content-Type')).toBe('image/webp');
    expect(beyond.headers.get('Vary')).toBeNull(); // the same URL always gets WebP: nothing varies
    const webp = await bodyBytes(beyond);
    expect(magicOf(webp)).toBe('webp');
    const large = await decodeAny(webp);
    expect([large.width, large.height]).toEqual([2000, 1500]);
  });

  it('refuses an output over MAX_OUTPUT_PIXELS before reading the master', async () => {
    const response = await get('/cdn-cgi/image/width=3000,format=webp/big/12mp.jpg');
    expect(response.status).toBe(413);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/output limit/);
  });
});

describe('a transform whose encoder would outgrow the codec session', () => {
  it('is a clean 413 (not a dead isolate), and the next transform on the isolate works', async () => {
    // 2000×2000 whose alpha is noise: libwebp's lossless alpha encoder needs ~30 MiB per megapixel for it, more
    // than the module's 96 MiB cap (a real one, corpus alpha/flower_alpha.png, needed 105 MiB at 3.4 MP).
    const width = 2000;
    const data = new Uint8ClampedArray(width * width * 4);
    let seed = 7;
    for (let i = 0; i < data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = 200;
      data[i + 1] = 120;
      data[i + 2] = 40;
      data[i + 3] = seed >>> 24;
    }
    await putMaster('big/noisy-alpha.png', new Uint8Array(await encodePng({ data, width, height: width })));
    const response = await get('/cdn-cgi/image/format=webp/big/noisy-alpha.png');
    expect(response.status).toBe(413);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/more memory to encode/);
    // A smaller size of the same master fits.
    const small = await get('/cdn-cgi/image/width=400,format=webp/big/noisy-alpha.png');
    expect(small.status).toBe(200);
    expect(magicOf(await bodyBytes(small))).toBe('webp');
  });
});

