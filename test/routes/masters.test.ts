/** /masters/<key>: who may write, what is taken, what is stored, and what GET and DELETE answer. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import rosePng from '../../samples/alpha/rose.png?bytes';
import flowerAvif from '../../samples/avif/flower.avif?bytes';
import tinyAvif from '../../samples/avif/tiny.avif?bytes';
import trafficGif from '../../samples/gif/traffic-light.gif?bytes';
import dune from '../../samples/photos/dune.jpg?bytes';
import exif6 from '../../samples/photos/flower-portrait-exif6.jpg?bytes';
import storm from '../../samples/photos/storm.jpg?bytes';
import roseWebp from '../../samples/webp/rose.webp?bytes';
import animatedGif from '../fixtures/animated-8-frames-32x32.gif?bytes';
import cmyk from '../fixtures/cmyk-64x48.jpg?bytes';
import fixtureExif6 from '../fixtures/exif-orientation-6-48x32.jpg?bytes';
import hugeJpg from '../fixtures/huge-header-20000x20000.jpg?bytes';
import hugePng from '../fixtures/huge-header-20000x20000.png?bytes';
import losslessWebp from '../fixtures/lossless-alpha-32x32.webp?bytes';
import lossyWebp from '../fixtures/lossy-40x30.webp?bytes';
import paletteTrns from '../fixtures/palette-trns-32x32.png?bytes';
import quadAvif from '../fixtures/quadrants-24x16.avif?bytes';
import quadJpg from '../fixtures/quadrants-64x48.jpg?bytes';
import quadPng from '../fixtures/quadrants-64x48.png?bytes';
import { configOf } from '../../src/config.js';
import { infoFromMetadata } from '../../src/storage/masters.js';
import { writePng } from '../helpers/png-writer.js';
import { ORIGIN, get } from '../helpers/worker.js';
import { type MasterJson, TOKEN, concat, expectProblem, r2Keys, remove, send, sha256Hex, upload } from './masters-client.js';

/** Runs a request that must be refused, and checks that R2 is exactly as it was before. */
async function refused(request: () => Promise<Response>, status: number, code?: string, detail?: RegExp) {
  const before = await r2Keys();
  const body = await expectProblem(await request(), status, code, detail);
  expect(await r2Keys()).toEqual(before);
  return body;
}

describe('auth: reads are public, writes need the upload token', () => {
  it('answers 401 with a Bearer challenge when there are no credentials', async () => {
    const response = await send('PUT', '/masters/auth/none.png', quadPng);
    expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="masters"/);
    await refused(async () => response, 401, 'unauthorized');
    expect(await env.MASTERS.head('masters/auth/none.png')).toBeNull();
  });

  it.each([
    ['another scheme', `Basic ${btoa(`user:${TOKEN}`)}`],
    ['an empty bearer', 'Bearer '],
    ['a token that is no b64token', 'Bearer a b c'],
  ])('treats %s as no credentials (401)', async (_, header) => {
    await refused(() => upload('auth/other.png', quadPng, { Authorization: header }), 401, 'unauthorized');
  });

  it.each([
    ['a wrong token', 'wrong-token-wrong-token-0000'],
    ['a prefix of the token', TOKEN.slice(0, -1)],
    ['the token and more', `${TOKEN}x`],
    ['the token in other case', TOKEN.toUpperCase()],
  ])('answers 403 with WWW-Authenticate to %s, without saying what was wrong', async (_, token) => {
    const response = await upload('auth/wrong.png', quadPng, { Authorization: `Bearer ${token}` });
    expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="masters"/);
    const body = await refused(async () => response, 403, 'forbidden');
    expect(body.detail).not.toMatch(/length|prefix|character|expected/i);
    expect(body.detail).not.toContain(TOKEN);
  });

  it('takes the scheme in any case', async () => {
    const response = await upload('auth/case.png', quadPng, { Authorization: `bearer ${TOKEN}` });
    expect(response.status).toBe(201);
  });

  it('guards DELETE too, and leaves the master in place', async () => {
    expect((await upload('auth/keep.png', quadPng)).status).toBe(201);
    await expectProblem(await send('DELETE', '/masters/auth/keep.png'), 401, 'unauthorized');
    await expectProblem(await remove('auth/keep.png', { Authorization: 'Bearer nope-nope-nope-nope' }), 403, 'forbidden');
    expect(await env.MASTERS.head('masters/auth/keep.png')).not.toBeNull();
  });

  it('serves metadata without credentials', async () => {
    expect((await upload('auth/public.png', quadPng)).status).toBe(201);
    const response = await get('/masters/auth/public.png');
    expect(response.status).toBe(200);
  });
});

describe('keys', () => {
  it.each([
    ['empty', ''],
    ['a leading slash', '/abs.png'],
    ['an empty segment', 'a//b.png'],
    ['a ".." segment (as %2F..%2F)', 'a%2F..%2Fb.png'],
    ['a "." segment (as %2F.%2F)', 'a%2F.%2Fb.png'],
    ['a backslash', 'a%5Cb.png'],
    ['a NUL', 'a%00b.png'],
    ['a newline', 'a%0Ab.png'],
    ['bad percent-encoding', 'a%E0%A4%A.png'],
    ['513 bytes', 'k'.repeat(509) + '.png'],
  ])('refuses a key with %s (400), storing nothing', async (_, key) => {
    await refused(() => upload(key, quadPng), 400, 'invalid-key');
  });

  it('takes 512 bytes of UTF-8, slashes and spaces, stored under masters/', async () => {
    const key = `deep/ü ñ/${'x'.repeat(512 - 'deep/ü ñ/'.length - 2 - 4)}.png`;
    expect(new TextEncoder().encode(key).length).toBe(512);
    const response = await upload(key.split('/').map(encodeURIComponent).join('/'), quadPng);
    expect(response.status).toBe(201);
    expect(((await response.json()) as MasterJson).key).toBe(key);
    expect(await env.MASTERS.head(`masters/${key}`)).not.toBeNull();
  });
});

describe('what is taken: magic bytes decide', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>';
  it.each([
    ['an empty body', new Uint8Array(0), /empty/],
    ['SVG', svg, /magic bytes/],
    ['SVG behind an XML declaration', `<?xml version="1.0"?>\n${svg}`, /magic bytes/],
    ['HTML', '<!doctype html><html><body>hi</body></html>', /magic bytes/],
    ['a PDF', '%PDF-1.7\n%âãÏÓ\n1 0 obj\n', /magic bytes/],
    ['plain text', 'hello, world', /magic bytes/],
    ['HEIC', concat(new Uint8Array([0, 0, 0, 0x18]), 'ftypheic\0\0\0\0mif1heic'), /magic bytes/],
    ['a BMP', concat(new TextEncoder().encode('BM'), new Uint8Array(60)), /magic bytes/],
  ])('refuses %s with 415', async (_, body, detail) => {
    await refused(() => upload('types/x.png', body), 415, 'unsupported-format', detail);
  });

  it('refuses a GIF/HTML polyglot with 415', async () => {
    const polyglot = concat(trafficGif, '<html><script>alert(document.cookie)</script></html>');
    await refused(() => upload('types/polyglot.gif', polyglot, { 'Content-Type': 'image/gif' }), 415, 'unsupported-format', /polyglot/);
  });

  it.each([
    ['image/png', dune],
    ['image/svg+xml', dune],
    ['text/html', trafficGif],
    ['image/jpeg', rosePng],
    ['image/gif; charset=binary', roseWebp],
  ])('refuses a Content-Type (%s) that contradicts the bytes', async (type, body) => {
    await refused(() => upload('types/liar', body, { 'Content-Type': type }), 415, 'unsupported-format', /Content-Type/);
  });

  it.each([
    ['no Content-Type', undefined],
    ['application/octet-stream', 'application/octet-stream'],
    ['image/jpeg', 'image/jpeg'],
    ['IMAGE/JPEG with a parameter', 'IMAGE/JPEG; q=1'],
    ['the older image/jpg', 'image/jpg'],
  ])('takes a JPEG sent with %s', async (_, type) => {
    const key = `types/ok-${encodeURIComponent(type ?? 'none')}.jpg`;
    const response = await upload(key, quadJpg, type ? { 'Content-Type': type } : {});
    expect(response.status).toBe(201);
    expect((await env.MASTERS.head(`masters/${decodeURIComponent(key)}`))?.httpMetadata?.contentType).toBe('image/jpeg');
  });
});

/** A PNG of only a signature and an IHDR of the given size (the reader checks no CRC; nothing is decoded). */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = hugePng.slice();
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

/** The same, with IHDR's interlace method set to Adam7. */
function interlacedHeader(width: number, height: number): Uint8Array {
  const bytes = pngHeader(width, height);
  bytes[28] = 1;
  return bytes;
}

describe('dimensions, from the header alone', () => {
  // Whatever wrangler.toml sets: 1000 pixels wide, as many rows as fit, and then one more.
  const rows = Math.floor(configOf(env).maxInputPixels / 1000);

  it.each([
    ['a PNG of 20000×20000', hugePng],
    ['a JPEG of 20000×20000', hugeJpg],
    ['a PNG one row over MAX_PNG_INPUT_PIXELS', pngHeader(1000, Math.floor(configOf(env).maxPngPixels / 1000) + 1)],
    ['an interlaced PNG one row over MAX_INPUT_PIXELS (Adam7 is decoded whole)', interlacedHeader(1000, rows + 1)],
  ])('refuses %s with 413 before storing it', async (_, body) => {
    await refused(() => upload('dims/huge', body), 413, 'input-too-large', /MP limit for (png|jpeg)/);
  });

  it('takes an image right at MAX_INPUT_PIXELS (decoded whole at upload)', async () => {
    // 1-bit grey, so the body stays small (stored deflate): 1000 × rows pixels, all black.
    const response = await upload('dims/limit.png', writePng({ width: 1000, height: rows, bitDepth: 1, colourType: 0, raw: new Uint8Array(rows * 126) }));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ width: 1000, height: rows });
  });

  it.each([
    ['a PNG with a width of 0', pngHeader(0, 10)],
    ['a PNG with a height of 0', pngHeader(10, 0)],
    ['a PNG 200000 pixels wide', pngHeader(200_000, 1)],
    ['a PNG cut inside its IHDR', hugePng.slice(0, 20)],
    ['a JPEG that ends before its frame header', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46])],
    ['a JPEG with EOI before any frame', new Uint8Array([0xff, 0xd8, 0xff, 0xd9])],
    ['a WebP whose first chunk is unknown', concat(new TextEncoder().encode('RIFF\x1a\0\0\0WEBPJUNK\x0a\0\0\0'), new Uint8Array(10))],
    ['an AVIF with no meta box', tinyAvif.slice(0, 40)],
    ['a GIF with no image', new TextEncoder().encode('GIF89a\x0a\0\x0a\0\0\0\0;')],
  ])('refuses %s with 422', async (_, body) => {
    await refused(() => upload('dims/bad', body), 422, 'unreadable-header');
  });

  // Expected values from sharp's metadata() on the same files (see samples/LICENSES.md and test/fixtures/README.md).
  it.each([
    ['samples/photos/dune.jpg', dune, { format: 'jpeg', width: 1680, height: 1050, hasAlpha: false, orientation: 1 }],
    ['samples/photos/storm.jpg (progressive)', storm, { format: 'jpeg', width: 1920, height: 1280, hasAlpha: false }],
    ['samples/photos/flower-portrait-exif6.jpg', exif6, { format: 'jpeg', width: 1512, height: 1008, orientation: 6 }],
    ['samples/alpha/rose.png', rosePng, { format: 'png', width: 400, height: 301, hasAlpha: true, animated: false }],
    ['samples/webp/rose.webp (VP8X + ALPH)', roseWebp, { format: 'webp', width: 400, height: 301, hasAlpha: true, animated: false }],
    ['samples/avif/flower.avif', flowerAvif, { format: 'avif', width: 1200, height: 800, animated: false }],
    ['samples/avif/tiny.avif', tinyAvif, { format: 'avif', width: 23, height: 42 }],
    ['samples/gif/traffic-light.gif', trafficGif, { format: 'gif', width: 60, height: 105, hasAlpha: true, animated: true }],
    ['fixtures/cmyk-64x48.jpg', cmyk, { format: 'jpeg', width: 64, height: 48 }],
    ['fixtures/exif-orientation-6-48x32.jpg', fixtureExif6, { format: 'jpeg', width: 48, height: 32, orientation: 6 }],
    ['fixtures/palette-trns-32x32.png', paletteTrns, { format: 'png', width: 32, height: 32, hasAlpha: true }],
    ['fixtures/lossy-40x30.webp (VP8)', lossyWebp, { format: 'webp', width: 40, height: 30, hasAlpha: false }],
    ['fixtures/lossless-alpha-32x32.webp (VP8L)', losslessWebp, { format: 'webp', width: 32, height: 32, hasAlpha: true }],
    ['fixtures/quadrants-24x16.avif', quadAvif, { format: 'avif', width: 24, height: 16 }],
    ['fixtures/animated-8-frames-32x32.gif', animatedGif, { format: 'gif', width: 32, height: 32, animated: true }],
  ])('reads %s', async (name, bytes, expected) => {
    const key = `formats/${name.split(' ')[0]}`;
    const response = await upload(key, bytes);
    expect(response.status).toBe(201);
    const body = (await response.json()) as MasterJson;
    expect(body).toMatchObject({ key, bytes: bytes.byteLength, ...expected });

    const object = await env.MASTERS.get(`masters/${key}`);
    expect(object).not.toBeNull();
    expect(object!.httpMetadata?.contentType).toBe(`image/${expected.format}`);
    // Exactly the fields the transform path reads, and they read back as what the upload answered.
    expect(Object.keys(object!.customMetadata ?? {}).sort()).toEqual(
      ['animated', 'format', 'hasAlpha', 'height', 'orientation', 'sha256', 'uploadedAt', 'width'],
    );
    const { format, width, height, hasAlpha, animated, orientation } = body;
    expect(infoFromMetadata(object!.customMetadata)).toEqual({ format, width, height, hasAlpha, animated, orientation });
    const stored = new Uint8Array(await object!.arrayBuffer());
    expect(stored).toEqual(bytes);
    expect(object!.customMetadata!.sha256).toBe(await sha256Hex(bytes));
  });
});

describe('the answer and the metadata', () => {
  it('answers 201 with the master, its ETag and URLs; GET answers the same shape', async () => {
    const response = await upload('meta/rose.webp', roseWebp, { 'Content-Type': 'image/webp' });
    expect(response.status).toBe(201);
    expect(response.headers.get('Location')).toBe(`${ORIGIN}/masters/meta/rose.webp`);
    const body = (await response.json()) as MasterJson;
    const object = await env.MASTERS.head('masters/meta/rose.webp');
    expect(response.headers.get('ETag')).toBe(object!.httpEtag);
    expect(body).toEqual({
      key: 'meta/rose.webp',
      etag: object!.etag,
      bytes: roseWebp.byteLength,
      format: 'webp',
      width: 400,
      height: 301,
      hasAlpha: true,
      animated: false,
      orientation: 1,
      uploaded: object!.uploaded.toISOString(),
      urls: {
        original: `${ORIGIN}/originals/meta/rose.webp`,
        example: `${ORIGIN}/cdn-cgi/image/width=640,format=auto/meta/rose.webp`,
      },
    });

    const meta = await get('/masters/meta/rose.webp');
    expect(meta.status).toBe(200);
    expect(meta.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(meta.headers.get('ETag')).toBe(object!.httpEtag);
    expect(await meta.json()).toEqual(body);

    const head = await get('/masters/meta/rose.webp', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    const original = await get('/originals/meta/rose.webp');
    expect(original.status).toBe(200);
    expect(new Uint8Array(await original.arrayBuffer())).toEqual(roseWebp);
  });

  it('answers 304 to GET with the current ETag', async () => {
    const put = await upload('meta/304.png', quadPng);
    const response = await get('/masters/meta/304.png', { 'If-None-Match': put.headers.get('ETag')! });
    expect(response.status).toBe(304);
  });

  it('answers 404 for a master that is not there', async () => {
    await expectProblem(await get('/masters/meta/none.png'), 404, 'no-master');
  });

  it('treats identical bytes as no change: 200, the same ETag, nothing rewritten', async () => {
    const first = await upload('meta/same.png', quadPng);
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as MasterJson;
    const again = await upload('meta/same.png', quadPng);
    expect(again.status).toBe(200);
    const againBody = (await again.json()) as MasterJson;
    expect(againBody.etag).toBe(firstBody.etag);
    expect(againBody.uploaded).toBe(firstBody.uploaded);
    expect(again.headers.get('Location')).toBeNull();
  });

  it('answers 200 with a new ETag when different bytes replace a master', async () => {
    const first = (await (await upload('meta/replace.png', quadPng)).json()) as MasterJson;
    const second = await upload('meta/replace.png', paletteTrns);
    expect(second.status).toBe(200);
    const body = (await second.json()) as MasterJson;
    expect(body.etag).not.toBe(first.etag);
    expect(body).toMatchObject({ width: 32, height: 32, hasAlpha: true });
    expect((await env.MASTERS.head('masters/meta/replace.png'))!.etag).toBe(body.etag);
  });
});

describe('delete', () => {
  it('answers 204, then 404; R2 holds nothing', async () => {
    expect((await upload('del/a.png', quadPng)).status).toBe(201);
    const response = await remove('del/a.png');
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(await env.MASTERS.head('masters/del/a.png')).toBeNull();
    await expectProblem(await remove('del/a.png'), 404, 'no-master');
    await expectProblem(await get('/masters/del/a.png'), 404, 'no-master');
  });

  it('refuses a bad key with 400', async () => {
    await expectProblem(await remove('a%2F..%2Fb'), 400, 'invalid-key');
  });
});

describe('a rejected upload leaves an existing master as it was', () => {
  it.each([
    ['an SVG', '<svg xmlns="http://www.w3.org/2000/svg"/>', {}, 415],
    ['a contradicting Content-Type', quadJpg, { 'Content-Type': 'image/png' }, 415],
    ['an unreadable header', pngHeader(0, 0), {}, 422],
    ['too many pixels', hugePng, {}, 413],
    ['a wrong token', quadJpg, { Authorization: 'Bearer not-the-token-at-all' }, 403],
    ['a bad If-Match', quadJpg, { 'If-Match': '"nope"' }, 412],
  ])('%s', async (_, body, headers, status) => {
    const first = (await (await upload('intact/a.png', quadPng)).json()) as MasterJson;
    await expectProblem(await upload('intact/a.png', body, headers as Record<string, string>), status);
    const object = await env.MASTERS.get('masters/intact/a.png');
    expect(object!.etag).toBe(first.etag);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(quadPng);
  });
});
