/**
 * The framework loaders through the worker: each URL built as the framework builds it is served as the equivalent
 * /cdn-cgi/image/ URL — after the Cloudflare URL, the loader's is a cache hit with the same ETag.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import storm from '../../samples/photos/storm.jpg?bytes';
import { astroImageUrl, nextDefaultLoader, nuxtIpxUrl, unpicCloudflareUrl } from '../helpers/framework-urls.js';
import { decodeAny } from '../helpers/images.js';
import { accept, bodyBytes, get, putMaster } from '../helpers/worker.js';
import { getWith } from '../helpers/governance.js';

beforeAll(async () => {
  await putMaster('loaders/storm.jpg', storm);
});

/** The Cloudflare URL first (a miss), then the loader's: a hit on the same entry. */
async function expectSharedEntry(cloudflare: string, loader: string, headers: Record<string, string> = { Accept: accept.chrome }) {
  const first = await get(cloudflare, headers);
  expect(first.status).toBe(200);
  expect(first.headers.get('X-Cache')).toBe('MISS');
  const firstBytes = await bodyBytes(first);
  const second = await get(loader, headers);
  expect(second.status).toBe(200);
  expect(second.headers.get('X-Cache')).toBe('HIT');
  expect(second.headers.get('ETag')).toBe(first.headers.get('ETag'));
  expect(second.headers.get('Content-Type')).toBe(first.headers.get('Content-Type'));
  const bytes = await bodyBytes(second);
  expect(bytes).toEqual(firstBytes);
  return { response: second, bytes };
}

describe('Next.js: next/image default loader with images.path', () => {
  it('shares the variant of width=640,quality=75,format=auto', async () => {
    const loader = nextDefaultLoader('/_next/image', { src: '/loaders/storm.jpg', width: 640 });
    const { response } = await expectSharedEntry('/cdn-cgi/image/width=640,quality=75,format=auto/loaders/storm.jpg', loader);
    expect(response.headers.get('Content-Type')).toBe('image/avif');
    expect(response.headers.get('Vary')).toBe('Accept');
  });

  it('answers HEAD, and an absolute URL on its own host', async () => {
    const head = await get(nextDefaultLoader('/_next/image', { src: '/loaders/storm.jpg', width: 128, quality: 50 }), {}, 'HEAD');
    expect(head.status).toBe(200);
    const absolute = await get(nextDefaultLoader('/_next/image', { src: 'http://images.test/loaders/storm.jpg', width: 128, quality: 50 }));
    expect(absolute.headers.get('X-Cache')).toBe('HIT');
  });

  it('refuses what Next refuses, with Next\'s message, as problem+json', async () => {
    const response = await get('/_next/image?url=%2Floaders%2Fstorm.jpg&w=641&q=75');
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    expect(((await response.json()) as { detail: string }).detail).toBe('"w" parameter (width) of 641 is not allowed');
    const foreign = await get(nextDefaultLoader('/_next/image', { src: 'https://elsewhere.test/a.jpg', width: 640 }));
    expect(foreign.status).toBe(400);
  });

  it('takes ALLOWED_WIDTHS as its sizes when they are configured', async () => {
    const refused = await getWith({ ALLOWED_WIDTHS: '100,200' }, nextDefaultLoader('/_next/image', { src: '/loaders/storm.jpg', width: 640 }));
    expect(refused.status).toBe(400);
    const served = await getWith({ ALLOWED_WIDTHS: '100,200' }, nextDefaultLoader('/_next/image', { src: '/loaders/storm.jpg', width: 200 }));
    expect(served.status).toBe(200);
  });
});

describe('Nuxt Image: the ipx provider with baseURL', () => {
  it('shares the variant of a width and format', async () => {
    await expectSharedEntry('/img/width=320,format=webp/loaders/storm.jpg', nuxtIpxUrl('/loaders/storm.jpg', { width: 320, format: 'webp' }));
  });

  it('crops to width × height as ipx does (sharp cover, never enlarging)', async () => {
    const { bytes } = await expectSharedEntry(
      '/cdn-cgi/image/width=200,height=200,fit=crop,quality=70,format=jpeg/loaders/storm.jpg',
      nuxtIpxUrl('/loaders/storm.jpg', { width: 200, height: 200, quality: 70, format: 'jpeg' }),
    );
    const image = await decodeAny(bytes);
    expect([image.width, image.height]).toEqual([200, 200]);
  });

  it('says what the URL should look like when the modifiers are missing', async () => {
    const response = await get('/_ipx/loaders/');
    expect(response.status).toBe(400);
  });
});

describe('Astro: the default image service endpoint', () => {
  it('shares the variant of what getURL writes for an imported image', async () => {
    const { bytes } = await expectSharedEntry(
      '/cdn-cgi/image/width=480,height=320,fit=crop,format=webp/loaders/storm.jpg',
      astroImageUrl('/loaders/storm.jpg', { width: 480, height: 320, format: 'webp' }),
    );
    const image = await decodeAny(bytes);
    expect([image.width, image.height]).toEqual([480, 320]);
  });
});

describe('unpic: the Cloudflare provider', () => {
  it('writes URLs the image route serves as they are', async () => {
    const path = unpicCloudflareUrl('/loaders/storm.jpg', { width: 300, height: 200 });
    expect(path).toBe('/cdn-cgi/image/width=300,height=200,f=auto,fit=cover/loaders/storm.jpg');
    const response = await get(path, { Accept: accept.firefox });
    expect(response.status).toBe(200);
    const image = await decodeAny(await bodyBytes(response));
    expect([image.width, image.height]).toEqual([300, 200]);
  });
});
