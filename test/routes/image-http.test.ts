/** HTTP semantics of the image route: negotiation, caching, conditional requests, errors. */
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import png from '../../samples/alpha/rose.png?bytes';
import dune from '../../samples/photos/dune.jpg?bytes';
import storm from '../../samples/photos/storm.jpg?bytes';
import { dropMasterMeta } from '../../src/storage/meta-cache.js';
import { decodeAny, magicOf } from '../helpers/images.js';
import { ORIGIN, accept, bodyBytes, get, putMaster } from '../helpers/worker.js';

beforeAll(async () => {
  await putMaster('photos/storm.jpg', storm);
  await putMaster('alpha/rose.png', png);
});

async function expectProblem(response: Response, status: number, detail?: RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get('Content-Type')).toBe('application/problem+json');
  const body = (await response.json()) as { type: string; title: string; status: number; detail: string };
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:edge-image-worker:problem:/);
  expect(body.title).toBeTruthy();
  if (detail) expect(body.detail).toMatch(detail);
  return body;
}

describe('format=auto negotiation', () => {
  it.each([
    ['Chrome', accept.chrome, 'image/avif'],
    ['Safari 17', accept.safari, 'image/avif'],
    ['Firefox', accept.firefox, 'image/avif'],
    ['an older browser with WebP', accept.oldWebp, 'image/webp'],
    ['curl', accept.curl, 'image/jpeg'],
    ['no Accept at all', undefined, 'image/jpeg'],
    ['a client refusing AVIF', 'image/avif;q=0,image/webp', 'image/webp'],
  ])('%s gets %s', async (_, acceptHeader, type) => {
    const response = await get('/cdn-cgi/image/width=64,format=auto/photos/storm.jpg', acceptHeader ? { Accept: acceptHeader } : {});
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe(type);
    expect(response.headers.get('Vary')).toBe('Accept');
    expect(magicOf(await bodyBytes(response))).toBe(type.slice(6));
  });

  it('gives PNG for transparency when WebP is not accepted, and WebP when it is', async () => {
    const plain = await get('/cdn-cgi/image/width=64/alpha/rose.png', { Accept: accept.curl });
    expect(plain.headers.get('Content-Type')).toBe('image/png');
    const webp = await get('/cdn-cgi/image/width=64/alpha/rose.png', { Accept: accept.oldWebp });
    expect(webp.headers.get('Content-Type')).toBe('image/webp');
  });

  it('prefers WebP over AVIF above the AVIF pixel budget', async () => {
    // 1920×1280 = 2.5 MP, over the default AVIF_MAX_PIXELS of 1.5 MP.
    const response = await get('/cdn-cgi/image/format=auto/photos/storm.jpg', { Accept: accept.chrome });
    expect(response.headers.get('Content-Type')).toBe('image/webp');
  });
});

describe('the variant cache', () => {
  it('answers a repeated request from the Cache API without touching R2 or a codec', async () => {
    await putMaster('cache/dune.jpg', dune);
    const first = await get('/cdn-cgi/image/width=120,format=webp/cache/dune.jpg');
    expect(first.status).toBe(200);
    expect(first.headers.get('X-Cache')).toBe('MISS');
    expect(first.headers.get('Server-Timing')).toMatch(/decode;dur=.*resize;dur=.*encode;dur=/);
    const firstBytes = await bodyBytes(first);

    // With the master gone from R2, only the cache can answer.
    await env.MASTERS.delete('masters/cache/dune.jpg');
    const second = await get('/cdn-cgi/image/width=120,format=webp/cache/dune.jpg');
    expect(second.status).toBe(200);
    expect(second.headers.get('X-Cache')).toBe('HIT');
    expect(second.headers.get('Server-Timing')).not.toMatch(/decode/);
    expect(second.headers.get('ETag')).toBe(first.headers.get('ETag'));
    expect(await bodyBytes(second)).toEqual(firstBytes);
  });

  it('treats aliases, option order and dpr as one variant', async () => {
    const first = await get('/cdn-cgi/image/w=100,f=webp,q=70/photos/storm.jpg');
    expect(first.headers.get('X-Cache')).toBe('MISS');
    for (const options of ['format=webp,quality=70,width=100', 'quality=70,width=50,dpr=2,format=webp,fit=scale-down']) {
      const again = await get(`/cdn-cgi/image/${options}/photos/storm.jpg`);
      expect(again.headers.get('X-Cache')).toBe('HIT');
      expect(again.headers.get('ETag')).toBe(first.headers.get('ETag'));
    }
    const different = await get('/cdn-cgi/image/w=100,f=webp,q=71/photos/storm.jpg');
    expect(different.headers.get('ETag')).not.toBe(first.headers.get('ETag'));
  });

  it('carries caching headers and a Cache-Tag naming the master', async () => {
    const response = await get('/cdn-cgi/image/width=80,format=jpeg/photos/storm.jpg');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, stale-while-revalidate=86400');
    expect(response.headers.get('ETag')).toMatch(/^"v2-[0-9a-f]{32}"$/);
    expect(response.headers.get('Cache-Tag')).toBe('master:photos%2Fstorm.jpg');
  });
});

describe('conditional requests and HEAD', () => {
  it('answers If-None-Match with 304 on a hit', async () => {
    const first = await get('/cdn-cgi/image/width=90,format=webp/photos/storm.jpg');
    const etag = first.headers.get('ETag')!;
    const revalidated = await get('/cdn-cgi/image/width=90,format=webp/photos/storm.jpg', { 'If-None-Match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('ETag')).toBe(etag);
    expect(revalidated.headers.get('Cache-Control')).toContain('max-age=');
    expect(await revalidated.text()).toBe('');
  });

  it('answers If-None-Match with 304 on a miss, without transforming', async () => {
    // The variant ETag depends on the master's bytes, not its key: the same bytes under a new key
    // give the same ETag, for a variant this data centre has never made.
    const first = await get('/cdn-cgi/image/width=91,format=webp/photos/storm.jpg');
    await putMaster('copy/storm.jpg', storm);
    const revalidated = await get('/cdn-cgi/image/width=91,format=webp/copy/storm.jpg', { 'If-None-Match': `W/${first.headers.get('ETag')}, "other"` });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('Server-Timing') ?? '').not.toMatch(/decode/);
  });

  it('answers HEAD with the same headers and no body', async () => {
    const got = await get('/cdn-cgi/image/width=92,format=webp/photos/storm.jpg');
    const head = await get('/cdn-cgi/image/width=92,format=webp/photos/storm.jpg', {}, 'HEAD');
    expect(head.status).toBe(200);
    for (const name of ['Content-Type', 'ETag', 'Cache-Control', 'Cache-Tag']) expect(head.headers.get(name)).toBe(got.headers.get(name));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});

describe('sources', () => {
  it('serves the same grammar under IMAGE_PREFIX', async () => {
    const response = await get('/img/width=40,format=png/photos/storm.jpg');
    expect(response.status).toBe(200);
    expect((await decodeAny(await bodyBytes(response))).width).toBe(40);
  });

  it('maps an absolute URL on its own host to the key of its path', async () => {
    for (const source of [`${ORIGIN}/photos/storm.jpg`, 'http:/images.test/photos/storm.jpg']) {
      const response = await get(`/cdn-cgi/image/width=40,format=png/${source}`);
      expect(response.status).toBe(200);
    }
  });

  it('refuses other hosts: it is not an open proxy', async () => {
    await expectProblem(await get('/cdn-cgi/image/width=40/https://evil.example/photos/storm.jpg'), 400, /evil\.example/);
  });

  // Dot segments never reach the worker: URL parsing resolves them (even as %2E%2E). key.test.ts covers them.
  it('refuses keys with empty segments, backslashes, control characters or a leading slash', async () => {
    for (const key of ['a%5Cb.jpg', 'a%00b.jpg', 'a%7Fb.jpg', '%2Fabs.jpg', 'a//b.jpg']) {
      await expectProblem(await get(`/cdn-cgi/image/width=40/${key}`), 400, /key/);
    }
  });

  it('answers format=json with the master metadata', async () => {
    const response = await get('/cdn-cgi/image/width=100,format=json/photos/storm.jpg');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      width: 100,
      height: 67,
      original: { width: 1920, height: 1280, format: 'jpeg', bytes: storm.length },
    });
  });
});

describe('errors', () => {
  it.each([
    ['an unknown option', 'foo=1', /foo/],
    ['a bad width', 'width=abc', /width/],
    ['a duplicate', 'w=10,width=20', /width/],
    ['a width over the limit', 'width=9000', /width/],
    ['a bad fit', 'fit=stretch', /fit/],
  ])('answers 400 naming %s', async (_, options, detail) => {
    await expectProblem(await get(`/cdn-cgi/image/${options}/photos/storm.jpg`), 400, detail);
  });

  it('answers 404 for a master that does not exist', async () => {
    await expectProblem(await get('/cdn-cgi/image/width=40/nope.jpg'), 404, /nope\.jpg/);
  });

  it('answers 413 from the metadata alone, before reading or decoding anything', async () => {
    // The metadata claims sizes over each format's limit; the bytes are small images that would decode fine.
    await putMaster('huge.jpg', storm, { width: '12000', height: '10000', format: 'jpeg', orientation: '1', hasAlpha: 'false', animated: 'false' });
    await expectProblem(await get('/cdn-cgi/image/width=40/huge.jpg'), 413, /\(120\.0 MP\), over the 100\.0 MP limit for jpeg/);
    await putMaster('huge.png', png, { width: '10000', height: '6000', format: 'png', orientation: '1', hasAlpha: 'true', animated: 'false' });
    await expectProblem(await get('/cdn-cgi/image/width=40/huge.png'), 413, /\(60\.0 MP\), over the 50\.0 MP limit for png/);
  });

  it('answers 413 for an output larger than the output limit', async () => {
    await putMaster('thin.png', png, { width: '1', height: '10000', format: 'png', orientation: '1', hasAlpha: 'true', animated: 'false' });
    await expectProblem(await get('/cdn-cgi/image/width=100,fit=contain/thin.png'), 413, /output/);
  });

  it('answers 415 for a master that is not an image we take', async () => {
    await putMaster('vector.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    await expectProblem(await get('/cdn-cgi/image/width=40/vector.svg'), 415);
  });

  it('answers 422 for a truncated JPEG, and redirects to the original with onerror=redirect', async () => {
    const truncated = storm.slice(0, Math.floor(storm.length / 2));
    await putMaster('broken.jpg', truncated);
    await expectProblem(await get('/cdn-cgi/image/width=40,format=webp/broken.jpg'), 422);

    const redirected = await get('/cdn-cgi/image/width=40,format=webp,onerror=redirect/broken.jpg');
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('Location')).toBe('/originals/broken.jpg');
    const original = await get('/originals/broken.jpg');
    expect(original.status).toBe(200);
    expect(original.headers.get('Content-Type')).toBe('image/jpeg');
    expect(await bodyBytes(original)).toEqual(truncated);
  });

  it('answers 405 for methods other than GET and HEAD', async () => {
    const response = await get('/cdn-cgi/image/width=40/photos/storm.jpg', {}, 'POST');
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET, HEAD');
  });
});

describe('a changed master', () => {
  it('is never served from an old variant once its metadata entry is dropped', async () => {
    await putMaster('changing.jpg', storm);
    const before = await get('/cdn-cgi/image/width=100,format=webp/changing.jpg');
    expect((await decodeAny(await bodyBytes(before))).height).toBe(67);

    // What an upload does: write the new bytes, then drop the metadata entry in this data centre.
    await putMaster('changing.jpg', dune);
    await dropMasterMeta(caches.default, ORIGIN, 'changing.jpg');
    const after = await get('/cdn-cgi/image/width=100,format=webp/changing.jpg');
    expect(after.headers.get('X-Cache')).toBe('MISS');
    expect(after.headers.get('ETag')).not.toBe(before.headers.get('ETag'));
    expect((await decodeAny(await bodyBytes(after))).height).toBe(63); // 1680×1050 → 100×62.5, rounded half up
  });

  it('is noticed on a miss even while stale metadata is cached', async () => {
    await putMaster('swapped.jpg', storm);
    await get('/cdn-cgi/image/width=100,format=webp/swapped.jpg');
    await putMaster('swapped.jpg', dune);
    // A variant not made before: the read of the old ETag fails, and the worker starts again afresh.
    const response = await get('/cdn-cgi/image/width=101,format=webp/swapped.jpg');
    expect(response.status).toBe(200);
    const image = await decodeAny(await bodyBytes(response));
    expect(image.height).toBe(Math.round((1050 * 101) / 1680));
  });
});

describe('originals', () => {
  it('serves the bytes as stored, and answers revalidation from metadata (a list of tags too)', async () => {
    const first = await get('/originals/photos/storm.jpg');
    expect(first.status).toBe(200);
    expect(await bodyBytes(first)).toEqual(storm);
    const etag = first.headers.get('ETag')!;
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect((await get('/originals/photos/storm.jpg', { 'If-None-Match': `"other", ${etag}` })).status).toBe(304);
    expect((await get('/originals/photos/storm.jpg', { 'If-None-Match': '"other"' })).status).toBe(200);
    const head = await get('/originals/photos/storm.jpg', {}, 'HEAD');
    expect(head.headers.get('Content-Length')).toBe(String(storm.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect((await get('/originals/nothing.jpg')).status).toBe(404);
  });
});

describe('onerror=redirect', () => {
  it('redirects failures found before any decode too (415, 413), but never a bad URL or a missing master', async () => {
    await putMaster('svg.jpg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect((await get('/cdn-cgi/image/width=40,onerror=redirect/svg.jpg')).status).toBe(302);
    await putMaster('claims-huge.png', png, { width: '3000', height: '2000', format: 'png', orientation: '1', hasAlpha: 'true', animated: 'false' });
    expect((await get('/cdn-cgi/image/width=40,onerror=redirect/claims-huge.png')).headers.get('Location')).toBe('/originals/claims-huge.png');
    expect((await get('/cdn-cgi/image/width=abc,onerror=redirect/photos/storm.jpg')).status).toBe(400);
    expect((await get('/cdn-cgi/image/width=40,onerror=redirect/missing.jpg')).status).toBe(404);
  });
});

describe('a stampede', () => {
  it('runs one transform for many concurrent requests of one uncached variant', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => get('/cdn-cgi/image/width=77,format=webp/photos/storm.jpg')));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const ran = responses.filter((r) => r.headers.get('X-Cache') === 'MISS' && !/coalesced/.test(r.headers.get('Server-Timing') ?? ''));
    expect(ran).toHaveLength(1);
    const etags = new Set(responses.map((r) => r.headers.get('ETag')));
    expect(etags.size).toBe(1);
  });
});

describe('cache busting', () => {
  it('ignores query strings: they are not part of the variant, so they cannot force work', async () => {
    const first = await get('/cdn-cgi/image/width=78,format=webp/photos/storm.jpg');
    expect(first.headers.get('X-Cache')).toBe('MISS');
    const busted = await get('/cdn-cgi/image/width=78,format=webp/photos/storm.jpg?v=12345&cb=67890');
    expect(busted.status).toBe(200);
    expect(busted.headers.get('X-Cache')).toBe('HIT');
    expect(busted.headers.get('ETag')).toBe(first.headers.get('ETag'));
  });
});
