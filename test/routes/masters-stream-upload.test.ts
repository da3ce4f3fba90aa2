/**
 * Uploads streamed into R2 while they are decoded (limits/upload-stream.ts): JPEG and non-interlaced PNG bodies
 * over the 2 MiB head with a Content-Length. Stored and served past the old 25 MiB limit; a truncated or corrupt one
 * refused 422 with nothing stored (a replace keeps the old bytes and ETag); no Content-Length read whole under
 * MAX_BUFFERED_INPUT_BYTES; over MAX_UPLOAD_BYTES a 413 before the body is read.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import jpeg from '../fixtures/quadrants-64x48.jpg?bytes';
import app from '../../src/index.js';
import { decodeAny, meanColour } from '../helpers/images.js';
import { writePng } from '../helpers/png-writer.js';
import { oversizedWebp } from '../helpers/webp-writer.js';
import { bodyBytes, get, ORIGIN } from '../helpers/worker.js';
import { auth, expectProblem, type MasterJson, r2Keys, sha256Hex, upload } from './masters-client.js';

const MiB = 1024 * 1024;

/** A grey PNG (stored deflate, so its size is about width × height): top half 200, bottom half 40. */
function greyPng(width: number, height: number): Uint8Array {
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) raw.fill(y < height / 2 ? 200 : 40, y * (width + 1) + 1, (y + 1) * (width + 1));
  return writePng({ width, height, bitDepth: 8, colourType: 0, raw });
}

/** The 64×48 JPEG with `count` 64 KiB COM segments before its first SOS: over the 2 MiB head, so it is streamed. */
function paddedJpeg(count: number, fill = 0x20): Uint8Array {
  let sos = 2;
  while (!(jpeg[sos] === 0xff && jpeg[sos + 1] === 0xda)) sos += 2 + ((jpeg[sos + 2]! << 8) | jpeg[sos + 3]!);
  const segment = 65535 + 2;
  const out = new Uint8Array(jpeg.length + count * segment);
  out.set(jpeg.subarray(0, sos));
  for (let i = 0; i < count; i++) {
    const at = sos + i * segment;
    out.set([0xff, 0xfe, 0xff, 0xff], at);
    out.fill(fill, at + 4, at + segment);
  }
  out.set(jpeg.subarray(sos), sos + count * segment);
  return out;
}

async function md5Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('MD5', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function fetchWith(vars: Record<string, string | undefined>, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A body in chunks of `chunk` bytes that counts how many were pulled. */
function counted(bytes: Uint8Array, chunk = 64 * 1024) {
  const pulled = { count: 0 };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      pulled.count++;
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
  return { stream, pulled };
}

function putRequest(key: string, body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request(`${ORIGIN}/masters/${key}`, { method: 'PUT', body, headers: { ...auth, ...headers } });
}

describe('streamed uploads (JPEG, non-interlaced PNG)', () => {
  it('stores and serves a 30 MB PNG (over the old 25 MiB MAX_UPLOAD_BYTES); the same bytes again are 200, unchanged', async () => {
    const png = greyPng(6000, 5000);
    expect(png.length).toBeGreaterThan(25 * MiB);
    const response = await upload('up/30mb.png', png, { 'Content-Type': 'image/png' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as MasterJson;
    expect(body).toMatchObject({ format: 'png', width: 6000, height: 5000, bytes: png.length });

    const object = await env.MASTERS.get('masters/up/30mb.png');
    expect(object!.etag).toBe(body.etag);
    expect(equalBytes(new Uint8Array(await object!.arrayBuffer()), png)).toBe(true);
    // R2 took the metadata before the first byte: no sha256 without a Content-Digest; the ETag is the bytes' MD5.
    expect(object!.customMetadata).toMatchObject({ format: 'png', width: '6000', height: '5000' });
    expect(object!.customMetadata!.sha256).toBeUndefined();
    expect(object!.etag).toBe(await md5Hex(png));

    const served = await get('/cdn-cgi/image/width=600,format=png/up/30mb.png');
    expect(served.status).toBe(200);
    const image = await decodeAny(await bodyBytes(served));
    expect({ width: image.width, height: image.height }).toEqual({ width: 600, height: 500 });
    expect(meanColour(image, 0, 0, 600, 200).slice(0, 3).map(Math.round)).toEqual([200, 200, 200]);
    expect(meanColour(image, 0, 300, 600, 200).slice(0, 3).map(Math.round)).toEqual([40, 40, 40]);

    const again = await upload('up/30mb.png', png);
    expect(again.status).toBe(200);
    expect(((await again.json()) as MasterJson).etag).toBe(body.etag);
    expect(again.headers.get('Location')).toBeNull();
  });

  it('stores a streamed JPEG (COM padding past the head) byte for byte', async () => {
    const bytes = paddedJpeg(40);
    expect(bytes.length).toBeGreaterThan(2 * MiB);
    const response = await upload('up/padded.jpg', bytes);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ format: 'jpeg', width: 64, height: 48, bytes: bytes.length });
    const object = await env.MASTERS.get('masters/up/padded.jpg');
    expect(equalBytes(new Uint8Array(await object!.arrayBuffer()), bytes)).toBe(true);
  });

  it('refuses a truncated or corrupt JPEG or PNG with 422 and stores nothing', async () => {
    const before = await r2Keys();
    const png = greyPng(2000, 1200);
    expect(png.length).toBeGreaterThan(2 * MiB);
    const truncatedPng = png.slice(0, png.length - 100_000);
    const corruptPng = png.slice();
    const at = Math.floor(png.length * 0.7);
    corruptPng[at] = corruptPng[at]! ^ 0xff; // inside the IDAT: its CRC no longer matches
    const padded = paddedJpeg(40);
    const truncatedJpeg = padded.slice(0, padded.length - 200);
    for (const [key, bytes] of [['up/bad-trunc.png', truncatedPng], ['up/bad-crc.png', corruptPng], ['up/bad-trunc.jpg', truncatedJpeg]] as const) {
      await expectProblem(await upload(key, bytes), 422, 'undecodable', /upload .* is truncated or corrupt/);
    }
    expect(await r2Keys()).toEqual(before);
  });

  it('a corrupt replace keeps the old bytes and ETag', async () => {
    const good = paddedJpeg(40);
    const created = await upload('up/replace.jpg', good);
    expect(created.status).toBe(201);
    const etag = ((await created.json()) as MasterJson).etag;
    await expectProblem(await upload('up/replace.jpg', good.slice(0, good.length - 200)), 422, 'undecodable');
    const png = greyPng(2000, 1200);
    await expectProblem(await upload('up/replace.jpg', png.slice(0, png.length - 5000)), 422, 'undecodable');
    const object = await env.MASTERS.get('masters/up/replace.jpg');
    expect(object!.etag).toBe(etag);
    expect(equalBytes(new Uint8Array(await object!.arrayBuffer()), good)).toBe(true);
    // A good replace still replaces.
    const replaced = await upload('up/replace.jpg', paddedJpeg(40, 0x21));
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as MasterJson).etag).not.toBe(etag);
  });

  it('keeps a client Content-Digest (sha-256) as the metadata sha256; R2 verifies it', async () => {
    const bytes = paddedJpeg(40);
    const hex = await sha256Hex(bytes);
    const b64 = btoa(String.fromCharCode(...hex.match(/../g)!.map((h) => parseInt(h, 16))));
    const response = await upload('up/digest.jpg', bytes, { 'Content-Digest': `sha-256=:${b64}:` });
    expect(response.status).toBe(201);
    expect((await env.MASTERS.head('masters/up/digest.jpg'))!.customMetadata!.sha256).toBe(hex);

    const wrong = btoa(String.fromCharCode(...new Uint8Array(32)));
    const refused = await upload('up/digest-wrong.jpg', bytes, { 'Content-Digest': `sha-256=:${wrong}:` });
    await expectProblem(refused, 400, 'content-digest-mismatch');
    expect(await env.MASTERS.head('masters/up/digest-wrong.jpg')).toBeNull();
  });

  it('checks If-Match before reading the body (412), and a streamed conditional replace still works', async () => {
    const bytes = paddedJpeg(40);
    const created = await upload('up/cond.jpg', bytes);
    const etag = created.headers.get('ETag')!;
    const { stream, pulled } = counted(paddedJpeg(40, 0x22));
    const request = putRequest('up/cond.jpg', stream, { 'Content-Length': String(bytes.length), 'If-Match': '"nope"' });
    await expectProblem(await fetchWith({}, request), 412, 'precondition-failed');
    expect(pulled.count).toBeLessThan(40); // the head only: 2 MiB of a 2.5 MiB body
    const ok = await upload('up/cond.jpg', paddedJpeg(40, 0x23), { 'If-Match': etag });
    expect(ok.status).toBe(200);
  });
});

describe('Content-Length and the limits', () => {
  it('reads a body without Content-Length whole, under MAX_BUFFERED_INPUT_BYTES, and stores it with its sha256', async () => {
    const bytes = paddedJpeg(40);
    const response = await fetchWith({}, putRequest('up/no-length.jpg', counted(bytes).stream));
    expect(response.status).toBe(201);
    const object = await env.MASTERS.head('masters/up/no-length.jpg');
    expect(object!.customMetadata!.sha256).toBe(await sha256Hex(bytes));
  });

  it('refuses a body without Content-Length over MAX_BUFFERED_INPUT_BYTES with 413 naming it, and stops reading', async () => {
    const before = await r2Keys();
    const png = greyPng(6000, 5000);
    const { stream, pulled } = counted(png, MiB);
    await expectProblem(await fetchWith({}, putRequest('up/no-length.png', stream)), 413, 'upload-too-large', /MAX_BUFFERED_INPUT_BYTES/);
    expect(pulled.count).toBeLessThan(28);
    expect(await r2Keys()).toEqual(before);
  });

  it('refuses a declared length over MAX_UPLOAD_BYTES (100 MiB by default) before reading the body', async () => {
    const { stream, pulled } = counted(greyPng(2000, 1200));
    const request = putRequest('up/huge.png', stream, { 'Content-Length': String(100 * MiB + 1) });
    await expectProblem(await fetchWith({}, request), 413, 'upload-too-large', /declared as 104857601 bytes.*MAX_UPLOAD_BYTES/);
    expect(pulled.count).toBeLessThanOrEqual(1);
  });

  it('refuses a body longer than its Content-Length, and stores nothing', async () => {
    const before = await r2Keys();
    const png = greyPng(2000, 1200);
    const request = putRequest('up/liar.png', counted(png).stream, { 'Content-Length': String(png.length - 1000) });
    const response = await fetchWith({}, request);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await r2Keys()).toEqual(before);
  });

  it('a WebP with Content-Length over MAX_BUFFERED_INPUT_BYTES is a 413 naming it', async () => {
    const size = 26 * MiB + 64;
    const webp = oversizedWebp(size);
    await expectProblem(await upload('up/big.webp', webp), 413, 'input-too-large', /MAX_BUFFERED_INPUT_BYTES/);
    expect(await env.MASTERS.head('masters/up/big.webp')).toBeNull();
  });
});


describe('streamed uploads that end oddly', () => {
  it('stores bytes after a JPEG`s EOI too (the decoder stops early; the rest is forwarded)', async () => {
    const padded = paddedJpeg(40);
    const bytes = new Uint8Array(padded.length + 300_000);
    bytes.set(padded);
    const response = await upload('up/trailer.jpg', bytes);
    expect(response.status).toBe(201);
    const object = await env.MASTERS.get('masters/up/trailer.jpg');
    expect(equalBytes(new Uint8Array(await object!.arrayBuffer()), bytes)).toBe(true);
  });

  it('answers 400 to a streamed body that breaks off, and stores nothing', async () => {
    const before = await r2Keys();
    const png = greyPng(2000, 1200);
    let at = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at > png.length / 2) return controller.error(new Error('connection reset'));
        controller.enqueue(png.slice(at, at + 64 * 1024));
        at += 64 * 1024;
      },
    });
    const request = putRequest('up/broken.png', broken, { 'Content-Length': String(png.length) });
    await expectProblem(await fetchWith({}, request), 400, 'upload-aborted');
    expect(await r2Keys()).toEqual(before);
  });
});

describe('per-client upload quotas on streamed uploads', () => {
  it('charges the declared length before the body is read: over UPLOAD_BYTES_PER_HOUR is a 429, nothing read or stored', async () => {
    const png = greyPng(2000, 1200); // about 2.3 MB
    const vars = { UPLOAD_BYTES_PER_HOUR: '3000000' };
    const put = (key: string, body: ReadableStream<Uint8Array>) =>
      fetchWith(vars, putRequest(key, body, { 'Content-Length': String(png.length), 'CF-Connecting-IP': '203.0.113.77' }));
    const first = await put('up/quota-1.png', counted(png).stream);
    expect(first.status).toBe(201);
    expect(first.headers.get('RateLimit-Policy')).toContain('"upload-bytes";q=3000000');
    const before = await r2Keys();
    const { stream, pulled } = counted(png);
    await expectProblem(await put('up/quota-2.png', stream), 429, 'quota-exceeded', /upload-bytes/);
    expect(pulled.count).toBeLessThanOrEqual(1);
    expect(await r2Keys()).toEqual(before);
  });
});
