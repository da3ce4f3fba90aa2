/**
 * Request events through the worker's own fetch, read from the diagnostics channel every event is published on
 * (the same event the Analytics Engine and log sinks get). One test per outcome: what each field says.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import png from '../../samples/alpha/rose.png?bytes';
import storm from '../../samples/photos/storm.jpg?bytes';
import tiny from '../fixtures/quadrants-64x48.png?bytes';
import app from '../../src/index.js';
import { resetBreakerView } from '../../src/limits/breaker.js';
import type { RequestEvent } from '../../src/observe/event.js';
import { EVENT_CHANNEL } from '../../src/observe/sinks.js';
import { variantCacheUrl } from '../../src/options/cache-key.js';
import { eventually, tierKeyOf } from '../helpers/tier.js';
import { accept, putMaster } from '../helpers/worker.js';

const TOKEN = 'test-upload-token-0123456789';
const ORIGIN = 'http://images.test';
const vars = { QUOTA_EXEMPT: '198.51.100.7', MAX_QUEUED_TRANSFORMS: '1000', GLOBAL_TRANSFORM_LIMIT: '100000' };

const seen: RequestEvent[] = [];
const listen = (message: unknown) => void seen.push(message as RequestEvent);

beforeAll(async () => {
  subscribe(EVENT_CHANNEL, listen);
  await putMaster('ev/storm.jpg', storm);
  await putMaster('ev/rose.png', png);
  await putMaster('ev/tiny.png', tiny);
});
afterAll(() => void unsubscribe(EVENT_CHANNEL, listen));
beforeEach(() => {
  seen.length = 0;
  resetBreakerView();
});

interface Call {
  ip?: string;
  headers?: Record<string, string>;
  init?: RequestInit;
  vars?: Record<string, string>;
}

/** One request through the worker, and the one event it made. */
async function call(path: string, options: Call = {}): Promise<{ response: Response; body: Uint8Array; event: RequestEvent }> {
  const before = seen.length;
  const headers = new Headers({ 'CF-Connecting-IP': options.ip ?? '203.0.113.10', ...options.headers });
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(ORIGIN + path, { ...options.init, headers, redirect: 'manual' }), { ...env, ...vars, ...options.vars }, ctx);
  const body = new Uint8Array(await response.arrayBuffer());
  await waitOnExecutionContext(ctx);
  const made = seen.slice(before);
  expect(made).toHaveLength(1);
  return { response, body, event: made[0]! };
}

const STORM = { masterFormat: 'jpeg', masterBytes: storm.byteLength, masterPixels: 1920 * 1280, masterSize: '1-4MP' };

describe('the event of each outcome', () => {
  it('MISS: the transform, its phases, the master and the charge', async () => {
    const { response, body, event } = await call('/cdn-cgi/image/width=101,format=auto/ev/storm.jpg', { headers: { Accept: accept.chrome } });
    expect(response.headers.get('X-Cache')).toBe('MISS');
    expect(event).toMatchObject({
      type: 'request', v: 1, route: 'image', method: 'GET', status: 200, outcome: 'MISS', error: '', key: 'ev/storm.jpg',
      format: 'avif', ...STORM, outputBytes: body.byteLength, coalesced: false, client: 'anonymous', quota: 'charged',
    });
    expect(event.transformMs).toBeGreaterThan(0);
    expect(event.ms).toHaveProperty('decode');
    expect(event.ms).toHaveProperty('encode');
    expect(event.ms.r2).toBeGreaterThanOrEqual(0);
    expect(event.ms.total).toBeGreaterThanOrEqual(event.transformMs);
    expect(event.queueMs).toBeGreaterThanOrEqual(0);
    expect(event.clientId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('HIT: bytes from the Cache API, no transform, no charge', async () => {
    const path = '/cdn-cgi/image/width=102,format=webp/ev/storm.jpg';
    await call(path);
    const { response, body, event } = await call(path);
    expect(response.headers.get('X-Cache')).toBe('HIT');
    expect(event).toMatchObject({ outcome: 'HIT', status: 200, format: 'webp', ...STORM, outputBytes: body.byteLength, transformMs: 0, quota: 'none', coalesced: false });
    expect(body.byteLength).toBeGreaterThan(0);
    expect(event.ms).not.toHaveProperty('decode');
    const head = await call(path, { init: { method: 'HEAD' } });
    expect(head.event).toMatchObject({ method: 'HEAD', outcome: 'HIT', outputBytes: 0 });
  });

  it('TIER: bytes from the R2 variant tier after a Cache API miss', async () => {
    const path = '/cdn-cgi/image/width=103,format=webp/ev/storm.jpg';
    await call(path);
    const tierKey = await tierKeyOf('ev/storm.jpg', 'width=103', 'webp');
    expect(await eventually(async () => (await env.MASTERS.head(tierKey)) !== null)).toBe(true);
    const head = await env.MASTERS.head('masters/ev/storm.jpg');
    await caches.default.delete(variantCacheUrl(ORIGIN, 'ev/storm.jpg', head!.etag, 'width=103', 'webp'));
    const { event, body } = await call(path);
    expect(event).toMatchObject({ outcome: 'TIER', status: 200, format: 'webp', ...STORM, outputBytes: body.byteLength, transformMs: 0, quota: 'none' });
    expect(event.ms).toHaveProperty('tier');
  });

  it('304: revalidated from the ETag, nothing sent', async () => {
    const path = '/cdn-cgi/image/width=104,format=auto/ev/storm.jpg';
    const first = await call(path, { headers: { Accept: accept.safari } });
    const etag = first.response.headers.get('ETag')!;
    const { response, event } = await call(path, { headers: { Accept: accept.safari, 'If-None-Match': etag } });
    expect(response.status).toBe(304);
    expect(event).toMatchObject({ outcome: '304', status: 304, format: 'avif', ...STORM, outputBytes: 0, transformMs: 0, quota: 'none' });
  });

  it('404: no master, its key and the problem slug', async () => {
    const { event } = await call('/img/width=40/ev/missing.jpg');
    expect(event).toMatchObject({ route: 'image', outcome: '404', status: 404, error: 'no-master', key: 'ev/missing.jpg', masterBytes: 0, masterSize: '', quota: 'none' });
  });

  it('413: over a limit, known from the metadata before any work', async () => {
    await putMaster('ev/huge.jpg', storm, { width: '12000', height: '10000', format: 'jpeg', orientation: '1', hasAlpha: 'false', animated: 'false' });
    const { event } = await call('/cdn-cgi/image/width=40,format=webp/ev/huge.jpg');
    expect(event).toMatchObject({ outcome: '413', status: 413, error: 'input-too-large', masterPixels: 120_000_000, masterSize: '>40MP', format: 'webp', quota: 'none', transformMs: 0 });
  });

  it('429: the quota refused it', async () => {
    const quota = { TRANSFORM_QUOTA_PER_MINUTE: '2' };
    const ip = '203.0.113.40';
    await call('/cdn-cgi/image/width=105,format=png/ev/tiny.png', { ip, vars: quota });
    await call('/cdn-cgi/image/width=106,format=png/ev/tiny.png', { ip, vars: quota });
    const { event } = await call('/cdn-cgi/image/width=107,format=png/ev/tiny.png', { ip, vars: quota });
    expect(event).toMatchObject({ outcome: '429', status: 429, error: 'quota-exceeded', quota: 'refused', client: 'anonymous', format: 'png', masterFormat: 'png' });
  });

  it('503: the global breaker shed it', async () => {
    const limit = { GLOBAL_TRANSFORM_LIMIT: '1' };
    const events: RequestEvent[] = [];
    for (let i = 0; i < 4 && !events.some((e) => e.status === 503); i++) {
      events.push((await call(`/cdn-cgi/image/width=${110 + i},format=png/ev/tiny.png`, { ip: `203.0.113.${50 + i}`, vars: limit })).event);
    }
    expect(events.find((e) => e.status === 503)).toMatchObject({ outcome: '503', error: 'shedding-load', quota: 'shed', transformMs: 0 });
  });

  it('coalesced: one request transforms, the others join it', async () => {
    const path = '/cdn-cgi/image/width=120,format=webp/ev/storm.jpg';
    const before = seen.length;
    const responses = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const ctx = createExecutionContext();
        const response = await app.fetch(new Request(ORIGIN + path, { headers: { 'CF-Connecting-IP': '203.0.113.60' } }), { ...env, ...vars }, ctx);
        await response.arrayBuffer();
        await waitOnExecutionContext(ctx);
        return response;
      }),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const events = seen.slice(before);
    expect(events).toHaveLength(6);
    expect(events.every((e) => e.outcome === 'MISS' && e.quota === 'charged')).toBe(true);
    expect(events.filter((e) => !e.coalesced)).toHaveLength(1);
    expect(events.filter((e) => e.coalesced)).toHaveLength(5);
  });
});

describe('who the client was', () => {
  it('is exempt, token or anonymous; its address is never in the event', async () => {
    const exempt = await call('/cdn-cgi/image/width=130,format=png/ev/tiny.png', { ip: '198.51.100.7' });
    expect(exempt.event).toMatchObject({ client: 'exempt', quota: 'exempt' });
    const token = await call('/cdn-cgi/image/width=131,format=png/ev/tiny.png', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(token.event).toMatchObject({ client: 'token', quota: 'exempt' });
    const wrong = await call('/cdn-cgi/image/width=131,format=png/ev/tiny.png', { headers: { Authorization: 'Bearer not-the-token-at-all-0000' } });
    expect(wrong.event).toMatchObject({ client: 'anonymous', outcome: 'HIT' });
    for (const e of [exempt.event, token.event, wrong.event]) expect(JSON.stringify(e)).not.toMatch(/198\.51\.100\.7|203\.0\.113/);
  });

  it('has one pseudonym per quota bucket: one for an IPv6 /64, another for the next /64', async () => {
    const a = await call('/health', { ip: '2001:db8:1:2::1' });
    const b = await call('/health', { ip: '2001:db8:1:2:ffff::9' });
    const c = await call('/health', { ip: '2001:db8:1:3::1' });
    expect(a.event.clientId).toBe(b.event.clientId);
    expect(c.event.clientId).not.toBe(a.event.clientId);
    const salted = await call('/health', { ip: '2001:db8:1:2::1', vars: { EVENTS_SALT: 'a-salt-for-this-test-only' } });
    expect(salted.event.clientId).not.toBe(a.event.clientId);
  });
});

describe('other routes', () => {
  it('an upload is charged to its client', async () => {
    const { event } = await call('/masters/ev/new.png', { init: { method: 'PUT', body: tiny }, headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(event).toMatchObject({ route: 'upload', method: 'PUT', status: 201, outcome: '201', key: 'ev/new.png', client: 'token', quota: 'charged' });
  });

  it('health and unknown paths have an event too', async () => {
    expect((await call('/health')).event).toMatchObject({ route: 'health', outcome: '200', key: '' });
    expect((await call('/nothing-here')).event).toMatchObject({ route: 'other', outcome: '404' });
  });
});

describe('the JSON log line', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is the event, one line per request, when LOG_REQUESTS says so', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const path = '/cdn-cgi/image/width=140,format=webp/ev/rose.png';
    const { event } = await call(path, { vars: { LOG_REQUESTS: 'all' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toEqual(event);

    await call(path, { vars: { LOG_REQUESTS: 'errors' } });
    await call(path, { vars: { LOG_REQUESTS: 'off' } });
    expect(lines).toHaveLength(1);
    await call('/img/width=40/ev/missing.jpg', { vars: { LOG_REQUESTS: 'errors' } });
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!)).toMatchObject({ status: 404, error: 'no-master' });
  });
});
