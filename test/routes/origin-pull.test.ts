/**
 * Pull-through from an existing origin, through the worker with Miniflare's real R2: a second local Worker plays the
 * site's image server (test/origin/origin-worker.js; every outbound fetch goes to it).
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import dune from '../../samples/photos/dune.jpg?bytes';
import storm from '../../samples/photos/storm.jpg?bytes';
import worker from '../../src/index.js';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes } from '../helpers/worker.js';

const ORIGIN_HOST = 'http://origin.test';
const vars = { ORIGINS: `site=${ORIGIN_HOST}/images/`, ORIGIN_TIMEOUT_MS: '1000', META_MEMO_TTL: '0', META_TTL: '1' };

async function call(path: string, overrides: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(new Request(`http://images.test${path}`, { headers }), { ...env, ...vars, ...overrides }, ctx);
  const body = await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(body, response);
}

async function serve(path: string, bytes: Uint8Array, etag: string): Promise<void> {
  await fetch(`${ORIGIN_HOST}/__files/images/${path}`, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'image/jpeg', ETag: etag } });
}

async function originLog(): Promise<Array<{ url: string; headers: Record<string, string> }>> {
  return (await fetch(`${ORIGIN_HOST}/__log`)).json();
}

async function problem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('Content-Type')).toBe('application/problem+json');
  expect(((await response.json()) as { type: string }).type).toBe(`urn:edge-image-worker:problem:${code}`);
}

/** The origin worker's path that redirects to `target`. */
function redirectTo(target: string): string {
  return btoa(target).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Lets the metadata entries (META_TTL 1 s) expire, so the next request reads R2 again. */
const metadataExpires = () => new Promise((resolve) => setTimeout(resolve, 1100));

beforeEach(async () => {
  await fetch(`${ORIGIN_HOST}/__log`, { method: 'DELETE' });
});

describe('pull-through', () => {
  it('pulls a missing master once, stores it with its provenance, and serves the variant', async () => {
    await serve('a.jpg', storm, '"storm-1"');
    const first = await call('/cdn-cgi/image/width=120,format=webp/site/a.jpg', {}, { Cookie: 'session=secret', Authorization: 'Bearer user' });
    expect(first.status).toBe(200);
    const bytes = await bodyBytes(first);
    expect(magicOf(bytes)).toBe('webp');
    expect((await decodeAny(bytes)).width).toBe(120);

    const stored = await env.MASTERS.head('masters/site/a.jpg');
    expect(stored!.customMetadata).toMatchObject({ origin: 'site', originEtag: '"storm-1"', format: 'jpeg', width: '1920' });
    const log = await originLog();
    expect(log.map((r) => new URL(r.url).pathname)).toEqual(['/images/a.jpg']);
    // Nothing of the client's goes to the origin; the fetch says it is ours.
    expect(log[0]!.headers.cookie).toBeUndefined();
    expect(log[0]!.headers.authorization).toBeUndefined();
    expect(log[0]!.headers.via).toMatch(/edge-image-worker/);

    // Served from R2 from now on: no second origin call.
    await metadataExpires();
    expect((await call('/cdn-cgi/image/width=121,format=webp/site/a.jpg')).status).toBe(200);
    expect(await originLog()).toHaveLength(1);
  });

  it('takes the Cloudflare absolute-URL form of a source on the origin', async () => {
    await serve('abs.jpg', storm, '"abs"');
    const response = await call(`/cdn-cgi/image/width=64,format=jpeg/${ORIGIN_HOST}/images/abs.jpg`);
    expect(response.status).toBe(200);
    expect(magicOf(await bodyBytes(response))).toBe('jpeg');
    expect(await env.MASTERS.head('masters/site/abs.jpg')).not.toBeNull();
  });

  it('revalidates after ORIGIN_TTL: a 304 keeps the master, a new file replaces it', async () => {
    await serve('b.jpg', storm, '"b-1"');
    const before = await call('/cdn-cgi/image/width=100,format=webp/site/b.jpg', { ORIGIN_TTL: '1' });
    expect((await decodeAny(await bodyBytes(before))).height).toBe(67);
    await metadataExpires();
    await call('/cdn-cgi/image/width=100,format=webp/site/b.jpg', { ORIGIN_TTL: '1' });
    const conditional = (await originLog()).filter((r) => r.headers['if-none-match']);
    expect(conditional.map((r) => r.headers['if-none-match'])).toEqual(['"b-1"']);
    expect((await env.MASTERS.head('masters/site/b.jpg'))!.customMetadata!.originEtag).toBe('"b-1"');

    // The origin changes the file: picked up at the next revalidation.
    await serve('b.jpg', dune, '"b-2"');
    await metadataExpires();
    await call('/cdn-cgi/image/width=100,format=webp/site/b.jpg', { ORIGIN_TTL: '1' });
    expect((await env.MASTERS.head('masters/site/b.jpg'))!.customMetadata!.originEtag).toBe('"b-2"');
    const after = await call('/cdn-cgi/image/width=100,format=webp/site/b.jpg', { ORIGIN_TTL: '1' });
    expect(after.headers.get('ETag')).not.toBe(before.headers.get('ETag'));
    expect((await decodeAny(await bodyBytes(after))).height).toBe(63);
  });

  it('answers 404 for a file the origin does not have, and stores nothing', async () => {
    await problem(await call('/cdn-cgi/image/width=100/site/missing.jpg'), 404, 'no-master');
    expect(await env.MASTERS.head('masters/site/missing.jpg')).toBeNull();
  });

  it('leaves keys outside every origin alone', async () => {
    await problem(await call('/cdn-cgi/image/width=100/elsewhere/a.jpg'), 404, 'no-master');
    expect(await originLog()).toEqual([]);
  });

  it('refuses what the origin sends that an upload would refuse, and stores nothing', async () => {
    await fetch(`${ORIGIN_HOST}/__files/images/page.jpg`, { method: 'PUT', body: '<html>not an image</html>', headers: { 'Content-Type': 'text/html' } });
    await problem(await call('/cdn-cgi/image/width=100/site/page.jpg'), 415, 'unsupported-format');
    expect(await env.MASTERS.head('masters/site/page.jpg')).toBeNull();
  });
});

describe('the origin fetch is SSRF-safe', () => {
  it('follows a redirect that stays on the origin', async () => {
    await serve('target.jpg', storm, '"t"');
    const response = await call(`/cdn-cgi/image/width=50,format=jpeg/site/to/${redirectTo(`${ORIGIN_HOST}/images/target.jpg`)}`);
    expect(response.status).toBe(200);
    expect(magicOf(await bodyBytes(response))).toBe('jpeg');
    expect((await originLog()).map((r) => new URL(r.url).pathname)).toEqual([`/images/to/${redirectTo(`${ORIGIN_HOST}/images/target.jpg`)}`, '/images/target.jpg']);
  });

  it.each([
    ['another host', 'https://evil.test/images/a.jpg'],
    ['a private address', 'http://10.0.0.1/images/a.jpg'],
    ['the same host under userinfo', 'http://origin.test@evil.test/images/a.jpg'],
    ['the origin host outside the prefix', `${ORIGIN_HOST}/secret/a.jpg`],
    ['another scheme', 'https://origin.test/images/target.jpg'],
  ])('refuses a redirect to %s with 502, fetching nothing there and storing nothing', async (_, target) => {
    await serve('target.jpg', storm, '"t"');
    const key = `site/to/${redirectTo(target)}`;
    await problem(await call(`/cdn-cgi/image/width=50/${key}`), 502, 'origin-failed');
    expect((await originLog()).map((r) => r.url)).toEqual([`${ORIGIN_HOST}/images/to/${redirectTo(target)}`]);
    expect(await env.MASTERS.head(`masters/${key}`)).toBeNull();
  });

  it('gives up after ORIGIN_MAX_REDIRECTS with 502', async () => {
    await problem(await call('/cdn-cgi/image/width=50/site/loop/0', { ORIGIN_MAX_REDIRECTS: '2' }), 502, 'origin-failed');
    expect((await originLog()).map((r) => new URL(r.url).pathname)).toEqual(['/images/loop/0', '/images/loop/1', '/images/loop/2']);
  });

  it('answers 504 within the timeout when the origin is slow', async () => {
    const started = Date.now();
    await problem(await call('/cdn-cgi/image/width=50/site/slow.jpg', { ORIGIN_TIMEOUT_MS: '300' }), 504, 'origin-timeout');
    expect(Date.now() - started).toBeLessThan(2500);
    expect(await env.MASTERS.head('masters/site/slow.jpg')).toBeNull();
  });

  it('stops reading a body over the upload limit, with 413, and stores nothing', async () => {
    await problem(await call('/cdn-cgi/image/width=50/site/huge.jpg', { MAX_UPLOAD_BYTES: '1048576' }), 413, 'origin-too-large');
    expect(await env.MASTERS.head('masters/site/huge.jpg')).toBeNull();
  });

  it('refuses to pull for a request that is its own origin fetch coming back (loop guard)', async () => {
    await problem(await call('/cdn-cgi/image/width=50/site/none.jpg', {}, { Via: '1.1 edge-image-worker' }), 508, 'origin-loop');
    expect(await originLog()).toEqual([]);
  });
});
