/**
 * Objects put straight into R2 (rclone, the S3 API, `wrangler r2 object put`), not through the upload route: empty,
 * shorter than a header, a header that lies, customMetadata that lies. Every read of them is a 4xx, never a 5xx.
 */
import { describe, expect, it } from 'vitest';
import quadJpg from '../fixtures/quadrants-64x48.jpg?bytes';
import quadPng from '../fixtures/quadrants-64x48.png?bytes';
import truncatedJpg from '../fixtures/truncated-128x96.jpg?bytes';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

/** Every route that reads a master, each as GET and HEAD. */
function reads(key: string): Array<[string, string]> {
  const paths = [`/cdn-cgi/image/width=32/${key}`, `/img/width=32,format=json/${key}`, `/originals/${key}`, `/masters/${key}`];
  return paths.flatMap((path) => [['GET', path], ['HEAD', path]] as Array<[string, string]>);
}

/** Every read of `key` answers `status` (a problem+json body with `code` on GETs). */
async function expectEveryRead(key: string, status: number, code: string, detail?: RegExp) {
  for (const [method, path] of reads(key)) {
    const response = await get(path, {}, method);
    expect({ method, path, status: response.status }).toEqual({ method, path, status });
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    if (method === 'GET') {
      const body = (await response.json()) as { type: string; detail: string };
      expect(body.type).toBe(`urn:edge-image-worker:problem:${code}`);
      if (detail) expect(body.detail).toMatch(detail);
    }
  }
}

const jpegMeta = { format: 'jpeg', width: '64', height: '48', hasAlpha: 'false', animated: 'false', orientation: '1' };

describe('objects that are not whole images', () => {
  it('answers 422 for a zero-byte object (was a 500: the header read asked for a range the object lacks)', async () => {
    await putMaster('bad/empty.jpg', new Uint8Array(0));
    await expectEveryRead('bad/empty.jpg', 422, 'empty-master', /empty object \(0 bytes\)/);
  });

  it('answers 422 for a zero-byte object whose customMetadata describes a JPEG', async () => {
    await putMaster('bad/empty-meta.jpg', new Uint8Array(0), jpegMeta);
    await expectEveryRead('bad/empty-meta.jpg', 422, 'empty-master');
  });

  it.each([
    ['one byte', new Uint8Array([0xff]), 415, 'unsupported-format'],
    ['a text file', new TextEncoder().encode('hello, world'), 415, 'unsupported-format'],
    ['JPEG SOI only', new Uint8Array([0xff, 0xd8, 0xff]), 422, 'unreadable-header'],
    ['a JPEG cut inside its first segment', quadJpg.subarray(0, 10), 422, 'unreadable-header'],
    ['the PNG signature and half an IHDR', quadPng.subarray(0, 20), 422, 'unreadable-header'],
    ['a GIF signature alone', new TextEncoder().encode('GIF89a'), 422, 'unreadable-header'],
    ['a WebP RIFF header alone', new TextEncoder().encode('RIFF\x04\x00\x00\x00WEBP'), 422, 'unreadable-header'],
  ])('answers %s, shorter than its header, with %i on every route', async (name, bytes, status, code) => {
    const key = `bad/short-${name.replace(/\W+/g, '-')}`;
    await putMaster(key, bytes);
    await expectEveryRead(key, status, code);
  });
});

describe('headers that lie', () => {
  it.each([
    ['a PNG that ends after its IHDR', quadPng.subarray(0, 33)],
    ['a PNG cut in its IDAT', quadPng.subarray(0, quadPng.length - 30)],
    ['a JPEG cut in its scan', truncatedJpg],
    ['a PNG whose IHDR claims 640×480 over 64×48 of data', withPngSize(quadPng, 640, 480)],
    ['a JPEG whose SOF claims 6400×4800 over 64×48 of data', withJpegSize(quadJpg, 6400, 4800)],
  ])('answers 422 for %s, and the metadata routes describe what the header says', async (name, bytes) => {
    const key = `bad/lying-${name.replace(/\W+/g, '-')}`;
    await putMaster(key, bytes);
    for (const path of [`/cdn-cgi/image/width=32/${key}`, `/cdn-cgi/image/width=32,format=webp/${key}`]) {
      const response = await get(path);
      expect(response.status).toBe(422);
      expect(((await response.json()) as { type: string }).type).toBe('urn:edge-image-worker:problem:undecodable');
    }
    expect((await get(`/masters/${key}`)).status).toBe(200);
  });
});

describe('customMetadata that lies', () => {
  it('answers 422 naming both when the metadata says PNG and the bytes are a JPEG', async () => {
    await putMaster('meta/png-is-jpeg', quadJpg, { ...jpegMeta, format: 'png' });
    const response = await get('/cdn-cgi/image/width=32/meta/png-is-jpeg');
    expect(response.status).toBe(422);
    const body = (await response.json()) as { type: string; detail: string };
    expect(body.type).toBe('urn:edge-image-worker:problem:master-metadata-mismatch');
    expect(body.detail).toMatch(/stored as png 64×48, but its bytes are jpeg 64×48/);
  });

  it('answers 422 when the metadata gives a smaller size than the bytes (its limits would not hold)', async () => {
    await putMaster('meta/small', quadJpg, { ...jpegMeta, width: '8', height: '6' });
    const response = await get('/cdn-cgi/image/width=4/meta/small');
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/stored as jpeg 8×6, but its bytes are jpeg 64×48/);
  });

  it('answers 422 when the metadata describes an image and the bytes are not one', async () => {
    await putMaster('meta/text', new TextEncoder().encode('not an image at all'), jpegMeta);
    const response = await get('/cdn-cgi/image/width=32/meta/text');
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/cannot be read as an image/);
  });

  it('answers 413 from metadata over the limits, before reading the bytes', async () => {
    await putMaster('meta/huge', quadPng, { ...jpegMeta, format: 'png', width: '50000', height: '50000' });
    expect((await get('/cdn-cgi/image/width=32/meta/huge')).status).toBe(413);
  });

  it.each([
    ['a fractional width', { width: '64.5' }],
    ['an exponent', { width: '6.4e1' }],
    ['a negative height', { height: '-48' }],
    ['a width over 100 000', { width: '1000000' }],
    ['an orientation of 9', { orientation: '9' }],
    ['an unknown format', { format: 'heic' }],
  ])('reads the header instead of metadata with %s, and serves the image', async (name, change) => {
    const key = `meta/malformed-${name.replace(/\W+/g, '-')}`;
    await putMaster(key, quadJpg, { ...jpegMeta, ...change });
    const json = (await (await get(`/masters/${key}`)).json()) as { format: string; width: number; height: number };
    expect(json).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
    const response = await get(`/cdn-cgi/image/width=32,format=png/${key}`);
    expect(response.status).toBe(200);
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe('png');
    expect(await decodeAny(bytes)).toMatchObject({ width: 32, height: 24 });
  });
});

/** A copy of a PNG with its IHDR width and height replaced (and the IHDR CRC left stale, as a careless tool would). */
function withPngSize(png: Uint8Array, width: number, height: number): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return out;
}

/** A copy of a baseline JPEG with its SOF0 height and width replaced. */
function withJpegSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = jpeg.slice();
  for (let at = 2; at + 9 < out.length; ) {
    if (out[at] !== 0xff) throw new Error('not at a marker');
    const marker = out[at + 1]!;
    const length = (out[at + 2]! << 8) | out[at + 3]!;
    if (marker === 0xc0) {
      const view = new DataView(out.buffer);
      view.setUint16(at + 5, height);
      view.setUint16(at + 7, width);
      return out;
    }
    at += 2 + length;
  }
  throw new Error('no SOF0');
}
