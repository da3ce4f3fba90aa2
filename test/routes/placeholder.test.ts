/** Placeholders: decoded back (the PNG, the ThumbHash) and compared with the master's own mean colour. */
import { thumbHashToAverageRGBA, thumbHashToRGBA } from 'thumbhash';
import { beforeAll, describe, expect, it } from 'vitest';
import storm from '../../samples/photos/storm.jpg?bytes';
import quadrants from '../fixtures/quadrants-64x48.png?bytes';
import { summarize } from '../../src/pipeline/pixels/placeholder.js';
import { decodeAny, meanColour, magicOf } from '../helpers/images.js';
import { getWith } from '../helpers/governance.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';
import { expectProblem } from './masters-client.js';

const KEY = 'placeholder/storm.jpg';

interface PlaceholderJson {
  thumbhash: string;
  averageColor: string;
  dominantColor: string;
  alpha: number;
  dataUrl: string;
  width: number;
  height: number;
}

function rgbOf(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function bytesOf(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function expectClose(actual: number[], expected: number[], tolerance: number) {
  actual.forEach((value, i) => expect(Math.abs(value - expected[i]!), `channel ${i}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance));
}

let masterMean: number[];

beforeAll(async () => {
  await putMaster(KEY, storm);
  const master = await decodeAny(storm);
  masterMean = meanColour(master, 0, 0, master.width, master.height).slice(0, 3);
});

describe('GET /placeholder/<key>', () => {
  it('is a tiny blurred PNG whose mean colour is the master’s', async () => {
    const response = await get(`/placeholder/${KEY}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/png');
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe('png');
    expect(bytes.byteLength).toBeLessThan(4096);
    const image = await decodeAny(bytes);
    expect(Math.max(image.width, image.height)).toBeLessThanOrEqual(32);
    // The master is 3:2; ThumbHash keeps the aspect ratio roughly.
    expect(image.width / image.height).toBeCloseTo(1.5, 0);
    expectClose(meanColour(image, 0, 0, image.width, image.height).slice(0, 3), masterMean, 10);
  });

  it('?format=json gives a ThumbHash that decodes back to the master’s mean colour, and the colours', async () => {
    const response = await get(`/placeholder/${KEY}?format=json`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as PlaceholderJson;
    expect([body.width, body.height]).toEqual([100, 67]);
    const hash = bytesOf(body.thumbhash);
    expect(hash.byteLength).toBeLessThanOrEqual(25);
    const average = thumbHashToAverageRGBA(hash);
    expectClose([average.r, average.g, average.b].map((v) => v * 255), masterMean, 10);
    const rendered = thumbHashToRGBA(hash);
    expectClose(meanColour({ width: rendered.w, height: rendered.h, data: new Uint8ClampedArray(rendered.rgba) }, 0, 0, rendered.w, rendered.h).slice(0, 3), masterMean, 10);
    // The mean of the ≤ 100 px decode is the master's mean (a box-filtered downscale keeps it).
    expectClose(rgbOf(body.averageColor), masterMean, 4);
    expect(body.dominantColor).toMatch(/^#[0-9a-f]{6}$/);
    expect(body.alpha).toBe(1);
    // The data URL holds the bytes /placeholder/<key> answers.
    const png = await bodyBytes(await get(`/placeholder/${KEY}`));
    expect(bytesOf(body.dataUrl.replace('data:image/png;base64,', ''))).toEqual(png);
  });

  it('is cached: the same ETag every time, and If-None-Match gives 304', async () => {
    const first = await get(`/placeholder/${KEY}`);
    const etag = first.headers.get('ETag');
    expect(etag).toMatch(/^"ph-v2-[0-9a-f]{32}"$/);
    expect(first.headers.get('Cache-Control')).toMatch(/max-age=31536000/);
    await first.arrayBuffer();
    const again = await get(`/placeholder/${KEY}`, { 'If-None-Match': etag! });
    expect(again.status).toBe(304);
    const json = await get(`/placeholder/${KEY}?format=json`);
    expect(json.headers.get('ETag')).not.toBe(etag);
    await json.arrayBuffer();
  });

  it('is in format=json beside the metadata', async () => {
    const response = await get(`/cdn-cgi/image/format=json/${KEY}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { width: number; placeholder: PlaceholderJson };
    const own = (await (await get(`/placeholder/${KEY}?format=json`)).json()) as PlaceholderJson;
    expect(body.width).toBe(1920);
    expect(body.placeholder).toEqual(own);
  });

  it('is null in format=json when the client is over its transform quota, and the metadata still answers', async () => {
    await putMaster('placeholder/quota.jpg', storm);
    const client = { 'CF-Connecting-IP': '198.51.100.77' };
    const vars = { TRANSFORM_QUOTA_PER_MINUTE: '1' };
    const spent = await getWith(vars, '/img/width=50,format=png/placeholder/quota.jpg', client);
    expect(spent.status).toBe(200);
    await spent.arrayBuffer();
    const response = await getWith(vars, '/img/format=json/placeholder/quota.jpg', client);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { width: number; placeholder: PlaceholderJson | null };
    expect([body.width, body.placeholder]).toEqual([1920, null]);
  });

  it('finds the dominant colour of an image with exact colours', async () => {
    await putMaster('placeholder/quadrants.png', quadrants);
    const body = (await (await get('/placeholder/placeholder/quadrants.png?format=json')).json()) as PlaceholderJson;
    expect(['#ff0000', '#00ff00', '#0000ff', '#ffffff']).toContain(body.dominantColor);
    // Four equal quadrants: red + green + blue + white, averaged.
    expectClose(rgbOf(body.averageColor), [128, 128, 128], 2);
  });

  it('answers 404 without a master and 400 for an unknown format', async () => {
    await expectProblem(await get('/placeholder/placeholder/none.jpg'), 404, 'no-master');
    await expectProblem(await get(`/placeholder/${KEY}?format=gif`), 400, 'invalid-option');
  });
});

describe('summarize', () => {
  it('weights colours by alpha and refuses more than 100 px a side', () => {
    const data = new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 255, 0]);
    const summary = summarize({ width: 2, height: 1, data });
    expect([summary.averageColor, summary.dominantColor, summary.alpha]).toEqual(['#ff0000', '#ff0000', 0.5]);
    expect(() => summarize({ width: 101, height: 1, data: new Uint8ClampedArray(404) })).toThrow(/100/);
  });
});
