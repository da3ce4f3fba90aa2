/** Upload size limits (declared and streamed), broken bodies, and a deployment without an upload token. */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import roseWebp from '../../samples/webp/rose.webp?bytes';
import trafficGif from '../../samples/gif/traffic-light.gif?bytes';
import app from '../../src/index.js';
import { ORIGIN } from '../helpers/worker.js';
import { auth, expectProblem, r2Keys, upload } from './masters-client.js';

const MiB = 1024 * 1024;

/** A body of `chunks` × `size` bytes with no Content-Length, starting like a GIF; counts what was pulled from it. */
function endlessGif(chunks: number, size: number) {
  const pulled = { count: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.count === chunks) return controller.close();
      const chunk = new Uint8Array(size);
      if (pulled.count === 0) chunk.set(trafficGif.subarray(0, Math.min(size, trafficGif.length)));
      pulled.count++;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled };
}

/** The worker under a different env (a smaller limit, no token): its fetch called directly. */
async function fetchWith(vars: Record<string, string | undefined>, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

function putRequest(key: string, body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request(`${ORIGIN}/masters/${key}`, { method: 'PUT', body, headers: { ...auth, ...headers } });
}

describe('MAX_UPLOAD_BYTES (100 MiB by default) and MAX_BUFFERED_INPUT_BYTES (25 MiB)', () => {
  it('refuses a declared Content-Length over the limit with 413', async () => {
    const before = await r2Keys();
    // Declared, not sent: the 413 comes before the body is read.
    const declared = putRequest('limits/declared.gif', trafficGif, { 'Content-Length': String(100 * MiB + 1) });
    await expectProblem(await fetchWith({}, declared), 413, 'upload-too-large', /declared as 104857601 bytes.*MAX_UPLOAD_BYTES/);
    // A GIF is read whole (its decoder needs the whole file): over 25 MiB it is a 413 naming MAX_BUFFERED_INPUT_BYTES.
    const body = new Uint8Array(25 * MiB + 1);
    body.set(trafficGif);
    const response = await upload('limits/declared.gif', body);
    await expectProblem(response, 413, 'input-too-large', /MAX_BUFFERED_INPUT_BYTES/);
    expect(await r2Keys()).toEqual(before);
  });

  it('refuses a streamed body with no Content-Length once it passes the limit, and stops reading it', async () => {
    const before = await r2Keys();
    const { stream, pulled } = endlessGif(100, MiB); // 100 MiB on offer
    const response = await upload('limits/streamed.gif', stream);
    // Without a length R2 cannot take a stream: the body is read whole, under the buffered limit.
    await expectProblem(response, 413, 'upload-too-large', /longer than 26214400 bytes.*MAX_BUFFERED_INPUT_BYTES/);
    expect(pulled.count).toBeLessThan(40);
    expect(await r2Keys()).toEqual(before);
  });

  it('takes a streamed body under the limit', async () => {
    const response = await upload('limits/streamed-ok.gif', new Blob([trafficGif]).stream());
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ bytes: trafficGif.byteLength, width: 60, height: 105 });
  });

  it('applies a configured limit the same ways', async () => {
    const vars = { MAX_UPLOAD_BYTES: '2000' };
    const before = await r2Keys();
    // Called directly (not over the loopback), a Request carries only the headers it is given.
    const declared = putRequest('limits/small.webp', roseWebp, { 'Content-Length': String(roseWebp.byteLength) });
    await expectProblem(await fetchWith(vars, declared), 413, 'upload-too-large', /declared as 11572 bytes/);
    await expectProblem(await fetchWith(vars, putRequest('limits/small.webp', roseWebp)), 413, 'upload-too-large', /longer than 2000 bytes/);
    const { stream, pulled } = endlessGif(50, 512);
    await expectProblem(await fetchWith(vars, putRequest('limits/small.gif', stream)), 413, 'upload-too-large', /longer than 2000 bytes/);
    expect(pulled.count).toBeLessThan(10);
    expect(await r2Keys()).toEqual(before);
    const ok = await fetchWith(vars, putRequest('limits/small-ok.gif', trafficGif));
    expect(ok.status).toBe(201);
  });

  it('answers 400, not 500, to a body that breaks off, and stores nothing', async () => {
    const before = await r2Keys();
    let sent = false;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error('connection reset'));
        sent = true;
        controller.enqueue(trafficGif.subarray(0, 100));
      },
    });
    await expectProblem(await fetchWith({}, putRequest('limits/broken.gif', broken)), 400, 'upload-aborted');
    expect(await r2Keys()).toEqual(before);
  });
});

describe('a deployment without UPLOAD_TOKEN', () => {
  it('refuses every write with 503, whatever credentials come', async () => {
    const before = await r2Keys();
    const unset = { UPLOAD_TOKEN: undefined };
    await expectProblem(await fetchWith(unset, putRequest('limits/open.gif', trafficGif)), 503, 'uploads-disabled', /UPLOAD_TOKEN/);
    await expectProblem(await fetchWith({ UPLOAD_TOKEN: '' }, putRequest('limits/open.gif', trafficGif, { Authorization: 'Bearer ' })), 503);
    const del = new Request(`${ORIGIN}/masters/limits/open.gif`, { method: 'DELETE' });
    await expectProblem(await fetchWith(unset, del), 503, 'uploads-disabled');
    expect(await r2Keys()).toEqual(before);
  });

  it('still serves reads', async () => {
    expect((await upload('limits/read.gif', trafficGif)).status).toBe(201);
    const response = await fetchWith({ UPLOAD_TOKEN: undefined }, new Request(`${ORIGIN}/masters/limits/read.gif`));
    expect(response.status).toBe(200);
  });
});
