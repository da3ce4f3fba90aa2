/**
 * Progressive JPEGs of 24 and 48 MP through the worker: taken at upload (validated at 1/8) and served at 1600 px
 * (decoded at 1/2 and 1/4), which needed 72 and 144 MB of coefficients before progressive.c and were a 413
 * (now 22.6 and 27.1 MB).
 */
import { describe, expect, it } from 'vitest';
import { decodeAny, magicOf } from '../helpers/images.js';
import { writeFlatProgressiveJpeg } from '../helpers/jpeg-writer.js';
import { bodyBytes, get } from '../helpers/worker.js';
import { upload } from './masters-client.js';

describe('large progressive JPEG masters', () => {
  it.each([
    ['24 MP (6000×4000, decoded at 1/2)', 6000, 4000, 1600, 1067],
    ['48 MP (8000×6000, decoded at 1/4)', 8000, 6000, 1600, 1200],
  ])('%s: 201 at upload, 200 at 1600 px', async (name, width, height, outWidth, outHeight) => {
    const key = `progressive/${width}x${height}.jpg`;
    const stored = await upload(key, writeFlatProgressiveJpeg(width, height));
    expect(stored.status).toBe(201);
    expect(await stored.json()).toMatchObject({ format: 'jpeg', width, height });
    const response = await get(`/cdn-cgi/image/width=1600,format=webp/${key}`);
    expect(response.status).toBe(200);
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe('webp');
    const image = await decodeAny(bytes);
    expect({ width: image.width, height: image.height }).toEqual({ width: outWidth, height: outHeight });
    const centre = ((outHeight >> 1) * outWidth + (outWidth >> 1)) * 4;
    for (const c of [0, 1, 2]) expect(Math.abs(image.data[centre + c]! - 200)).toBeLessThanOrEqual(2);
  });

  it('still answers 413 for a variant that needs the 24 MP master at 1/1 (72 MB of coefficients, over the 48 MiB budget)', async () => {
    await upload('progressive/full.jpg', writeFlatProgressiveJpeg(6000, 4000));
    // 3100 px wide needs more than half of 6000 columns, so the decode is at 1/1; 3100×1000 is within the output limits.
    const response = await get('/cdn-cgi/image/width=3100,height=1000,fit=cover,format=webp/progressive/full.jpg');
    expect(response.status).toBe(413);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/more than 50331648 bytes of working memory/);
  });
});
