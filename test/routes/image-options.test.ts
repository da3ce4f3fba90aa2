/**
 * The options that look at the pixels or the client's hints, through the worker: gravity=auto and face, trim=border,
 * fit=aspect-crop, slow-connection-quality (quality, Vary, Accept-CH and cache keys), and width=auto with dpr.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import storm from '../../samples/photos/storm.jpg?bytes';
import bordered from '../fixtures/bordered-64x48.png?bytes';
import subject from '../fixtures/subject-right-192x64.png?bytes';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

beforeAll(async () => {
  await putMaster('opts/subject.png', subject);
  await putMaster('opts/bordered.png', bordered);
  await putMaster('opts/storm.jpg', storm); // 1920×1280
});

async function fetchImage(path: string, headers: Record<string, string> = {}) {
  const response = await get(path, headers);
  if (response.status !== 200) expect.fail(`${response.status}: ${await response.text()}`);
  const bytes = await bodyBytes(response);
  return { response, bytes, image: await decodeAny(bytes) };
}

const rgb = (image: { data: Uint8ClampedArray; width: number }, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3));

describe('gravity=auto and face', () => {
  it('crops onto the off-centre subject; the centre crop (the default) does not show it', async () => {
    const auto = await fetchImage('/cdn-cgi/image/width=64,height=64,fit=cover,gravity=auto,format=png/opts/subject.png');
    expect(auto.image).toMatchObject({ width: 64, height: 64 });
    // The disc (orange ring, checkerboard core) is in the middle of the crop: its centre is orange-free checkerboard.
    expect(rgb(auto.image, 32, 14)).toEqual([255, 128, 0]);
    expect(auto.response.headers.get('Server-Timing')).toContain('prepass');
    const centre = await fetchImage('/cdn-cgi/image/width=64,height=64,fit=cover,format=png/opts/subject.png');
    expect(rgb(centre.image, 32, 14)).not.toEqual([255, 128, 0]);
    expect(centre.response.headers.get('Server-Timing')).not.toContain('prepass');
    expect(auto.response.headers.get('ETag')).not.toBe(centre.response.headers.get('ETag'));
  });

  it('gravity=center is the default: one cache entry for both spellings', async () => {
    const a = await get('/cdn-cgi/image/width=64,height=64,fit=cover,format=png/opts/subject.png');
    const b = await get('/cdn-cgi/image/width=64,height=64,fit=cover,format=png,gravity=center/opts/subject.png');
    expect(b.headers.get('ETag')).toBe(a.headers.get('ETag'));
  });

  it('face with zoom frames closer, at the same output size', async () => {
    const { image } = await fetchImage('/cdn-cgi/image/width=64,height=64,fit=cover,gravity=face,zoom=1,format=png/opts/subject.png');
    expect(image).toMatchObject({ width: 64, height: 64 });
    // A quarter of each side around the subject (48×16, the square crop of it 16×16) lies (almost) inside the disc:
    // under 1% of pixels are the blue-grey background (blue 25 over red; black, white, orange and mixes have blue ≤ red).
    let background = 0;
    for (let i = 0; i < image.data.length; i += 4) if (image.data[i + 2]! - image.data[i]! > 20) background++;
    expect(background).toBeLessThan(41);
    const unzoomed = await fetchImage('/cdn-cgi/image/width=64,height=64,fit=cover,gravity=face,format=png/opts/subject.png');
    let unzoomedBackground = 0;
    for (let i = 0; i < unzoomed.image.data.length; i += 4) if (unzoomed.image.data[i + 2]! - unzoomed.image.data[i]! > 20) unzoomedBackground++;
    expect(unzoomedBackground).toBeGreaterThan(1000);
  });

  it('zoom without gravity=face is a 400 naming it', async () => {
    const response = await get('/cdn-cgi/image/width=64,zoom=0.5/opts/subject.png');
    expect(response.status).toBe(400);
    expect((await response.json<{ detail: string }>()).detail).toContain('zoom');
  });
});

describe('trim=border', () => {
  it('cuts exactly the border before resizing', async () => {
    const { image } = await fetchImage('/cdn-cgi/image/trim=border,format=png/opts/bordered.png');
    expect(image).toMatchObject({ width: 40, height: 32 });
    expect([rgb(image, 0, 0), rgb(image, 39, 31)]).toEqual([[255, 0, 0], [0, 0, 0]]);
    const half = await fetchImage('/cdn-cgi/image/trim=border,width=20,format=png/opts/bordered.png');
    expect(half.image).toMatchObject({ width: 20, height: 16 });
  });

  it('a bad trim.border value is a 400 naming the option', async () => {
    for (const [segment, name] of [['trim=border,trim.border.tolerance=300', 'trim.border.tolerance'], ['trim.border.keep=2', 'trim=border'], ['trim=border,trim.border.color=nope', 'trim.border.color']]) {
      const response = await get(`/cdn-cgi/image/${segment}/opts/bordered.png`);
      expect(response.status).toBe(400);
      expect((await response.json<{ detail: string }>()).detail).toContain(name);
    }
  });
});

describe('fit=aspect-crop', () => {
  it('never enlarges, but always has the asked aspect ratio', async () => {
    // 192×64 asked at 600×300 (2:1): kept at its height, cut to 128×64.
    const small = await fetchImage('/cdn-cgi/image/width=600,height=300,fit=aspect-crop,format=png/opts/subject.png');
    expect(small.image).toMatchObject({ width: 128, height: 64 });
    // Larger than asked: like cover.
    const large = await fetchImage('/cdn-cgi/image/width=96,height=48,fit=aspect-crop,format=png/opts/subject.png');
    expect(large.image).toMatchObject({ width: 96, height: 48 });
    const crop = await fetchImage('/cdn-cgi/image/width=600,height=300,fit=crop,format=png/opts/subject.png');
    expect(crop.image).toMatchObject({ width: 192, height: 64 });
  });
});

describe('slow-connection-quality', () => {
  const path = '/cdn-cgi/image/width=640,quality=90,scq=20,format=jpeg/opts/storm.jpg';

  it.each<[Record<string, string>]>([[{ 'Save-Data': 'on' }], [{ ECT: '3g' }], [{ ECT: 'slow-2g' }], [{ RTT: '400' }], [{ Downlink: '1.5' }]])('uses the slow quality for %j', async (hints) => {
    const slow = await fetchImage(path, hints);
    const fast = await fetchImage(path, { ECT: '4g', RTT: '50', Downlink: '10' });
    expect(magicOf(slow.bytes)).toBe('jpeg');
    expect(slow.bytes.length).toBeLessThan(fast.bytes.length * 0.6);
    // The slow variant is the quality=20 variant: same ETag as asking for it directly.
    const direct = await get('/cdn-cgi/image/width=640,quality=20,format=jpeg/opts/storm.jpg');
    expect(slow.response.headers.get('ETag')).toBe(direct.headers.get('ETag'));
  });

  it('on a fast or unknown connection is the plain variant; Vary and Accept-CH name the hints', async () => {
    const none = await fetchImage(path);
    const plain = await get('/cdn-cgi/image/width=640,quality=90,format=jpeg/opts/storm.jpg');
    expect(none.response.headers.get('ETag')).toBe(plain.headers.get('ETag'));
    for (const name of ['Save-Data', 'ECT', 'RTT', 'Downlink']) expect(none.response.headers.get('Vary')).toContain(name);
    expect(none.response.headers.get('Accept-CH')).toBe('RTT, Save-Data, ECT, Downlink');
    expect(plain.headers.get('Accept-CH')).toBeNull();
    // Borderline hints are not slow: RTT must be over 150, Downlink under 5; malformed hints count as absent.
    for (const hints of [{ RTT: '150' }, { Downlink: '5' }, { ECT: '4g' }, { RTT: '-400' }, { 'Save-Data': 'off' }] as Array<Record<string, string>>) {
      expect((await get(path, hints)).headers.get('ETag')).toBe(plain.headers.get('ETag'));
    }
  });
});

describe('width=auto with dpr', () => {
  it('does not count the device pixel ratio twice: the hinted bucket is already in device pixels', async () => {
    const { image, response } = await fetchImage('/cdn-cgi/image/width=auto,dpr=2,format=jpeg/opts/storm.jpg', { 'Sec-CH-Viewport-Width': '390', 'Sec-CH-DPR': '2' });
    expect(image.width).toBe(960);
    const plain = await get('/cdn-cgi/image/width=960,format=jpeg/opts/storm.jpg');
    expect(response.headers.get('ETag')).toBe(plain.headers.get('ETag'));
  });
});
