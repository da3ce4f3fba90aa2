/**
 * Quotas with Miniflare's real Durable Objects, through the worker's fetch with small budgets set in its env.
 * Each request names its client with CF-Connecting-IP, as Cloudflare's edge does.
 */
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import tiny from '../fixtures/quadrants-64x48.png?bytes';
import app from '../../src/index.js';
import { resetBreakerView } from '../../src/limits/breaker.js';
import type { QuotaBucket, TransformBreaker } from '../../src/limits/quota-object.js';
import { putMaster } from '../helpers/worker.js';

const TOKEN = 'test-upload-token-0123456789';
const vars = {
  TRANSFORM_QUOTA_PER_MINUTE: '50',
  UPLOADS_PER_HOUR: '3',
  UPLOAD_BYTES_PER_HOUR: '100000',
  GLOBAL_TRANSFORM_LIMIT: '100000',
  QUOTA_EXEMPT: '198.51.100.7, 2001:db8:e::/48',
  MAX_QUEUED_TRANSFORMS: '1000',
};

let variant = 0;

async function call(path: string, ip: string | null, init: RequestInit = {}, overrides: Record<string, string> = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (ip) headers.set('CF-Connecting-IP', ip);
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`http://images.test${path}`, { ...init, headers }), { ...env, ...vars, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A request for a variant nobody asked for before: a cache miss costing 1 unit (its output is under 1 MP). */
function miss(ip: string | null, overrides: Record<string, string> = {}): Promise<Response> {
  variant += 1;
  return call(`/cdn-cgi/image/width=${(variant % 60) + 1},quality=${(Math.floor(variant / 60) % 100) + 1},format=png/q.png`, ip, {}, overrides);
}

function statuses(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

function quotaStub(key: string): DurableObjectStub<QuotaBucket> {
  return env.QUOTA.get(env.QUOTA.idFromName(key));
}

/**
 * Spends a client's whole budget with concurrent misses, then empties its bucket as of now: the bucket refills one
 * unit every 1.2 s, and on a loaded machine the misses themselves can take longer than that.
 */
async function exhaust(ip: string): Promise<void> {
  await Promise.all(Array.from({ length: 50 }, () => miss(ip)));
  await runInDurableObject(quotaStub(ip), (_: QuotaBucket, state: DurableObjectState) => {
    state.storage.sql.exec('UPDATE buckets SET tokens = 0, updated = ?', Date.now());
  });
}

beforeAll(async () => {
  await putMaster('q.png', tiny);
});

beforeEach(() => resetBreakerView());

describe('per-client transform quota', () => {
  it('admits exactly the budget of 200 concurrent misses and refuses the rest with 429', async () => {
    const responses = await Promise.all(Array.from({ length: 200 }, () => miss('203.0.113.1')));
    expect(statuses(responses)).toEqual({ 200: 50, 429: 150 });
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.headers.get('Content-Type')).toBe('application/problem+json');
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('RateLimit-Policy')).toBe('"transform";q=50;w=60');
    expect(refused.headers.get('RateLimit')).toMatch(/^"transform";r=0;t=\d+$/);
  });

  it('charges every admitted miss but says what is left only on a 429 (a variant is stored by shared caches)', async () => {
    const first = await miss('203.0.113.2');
    expect(first.status).toBe(200);
    expect(first.headers.get('RateLimit')).toBeNull();
    expect(first.headers.get('RateLimit-Policy')).toBeNull();
    // The bucket refills (50 a minute) while this runs, so go on until it says no, within bounds.
    let refused: Response | undefined;
    for (let i = 0; i < 80 && !refused; i++) {
      const response = await miss('203.0.113.2');
      if (response.status === 429) refused = response;
      else expect(response.headers.get('RateLimit')).toBeNull();
    }
    expect(refused?.status).toBe(429);
    expect(refused!.headers.get('RateLimit')).toMatch(/^"transform";r=0;t=\d+$/);
  });

  it('keeps clients independent', async () => {
    await exhaust('203.0.113.3');
    expect((await miss('203.0.113.3')).status).toBe(429);
    expect((await miss('203.0.113.4')).status).toBe(200);
  });

  it('charges two IPv6 addresses of one /64 to one bucket', async () => {
    // All at once, so every charge lands before the bucket has time to refill.
    const both = await Promise.all(Array.from({ length: 60 }, (_, i) => miss(i % 2 ? '2001:db8:1:2::1' : '2001:db8:1:2:ffff::9')));
    expect(statuses(both)).toEqual({ 200: 50, 429: 10 });
    expect((await miss('2001:db8:1:3::1')).status).toBe(200);
  });

  it('refills over time and says exactly when to retry', async () => {
    await Promise.all(Array.from({ length: 50 }, () => miss('203.0.113.5')));
    const stub = quotaStub('203.0.113.5');
    // Empty the bucket as of now, so no refill has happened yet.
    await runInDurableObject(stub, (_: QuotaBucket, state: DurableObjectState) => {
      state.storage.sql.exec('UPDATE buckets SET tokens = 0, updated = ?', Date.now());
    });
    const refused = await miss('203.0.113.5');
    expect(refused.status).toBe(429);
    // 50 per 60 s: one unit every 1.2 s, so a 1-unit miss is affordable in 2 whole seconds.
    expect(refused.headers.get('Retry-After')).toBe('2');
    // Move the bucket's clock back by those 2 s: the retry is admitted.
    const rewind = (ms: number) =>
      runInDurableObject(stub, (_: QuotaBucket, state: DurableObjectState) => {
        state.storage.sql.exec('UPDATE buckets SET updated = updated - ?', ms);
      });
    await rewind(2000);
    expect((await miss('203.0.113.5')).status).toBe(200);
    // And 30 s more: 25 units have refilled.
    await runInDurableObject(stub, (_: QuotaBucket, state: DurableObjectState) => {
      state.storage.sql.exec('UPDATE buckets SET tokens = 0, updated = ?', Date.now() - 30_000);
    });
    const again = await Promise.all(Array.from({ length: 30 }, () => miss('203.0.113.5')));
    expect(statuses(again)).toEqual({ 200: 25, 429: 5 });
  });

  it('serves cache hits to a client over its quota, without charging it', async () => {
    const path = '/cdn-cgi/image/width=33,format=webp/q.png';
    expect((await call(path, '203.0.113.60')).status).toBe(200);
    await exhaust('203.0.113.6');
    expect((await miss('203.0.113.6')).status).toBe(429);
    const hit = await call(path, '203.0.113.6');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('X-Cache')).toBe('HIT');
    expect(hit.headers.get('RateLimit')).toBeNull();
  });

  it('exempts QUOTA_EXEMPT addresses and requests carrying the upload token', async () => {
    const exempt = await Promise.all(Array.from({ length: 60 }, () => miss('198.51.100.7')));
    expect(statuses(exempt)).toEqual({ 200: 60 });
    expect(exempt[0]!.headers.get('RateLimit')).toBeNull();
    const ranged = await Promise.all(Array.from({ length: 55 }, () => miss('2001:db8:e:5::1')));
    expect(statuses(ranged)).toEqual({ 200: 55 });
    await exhaust('203.0.113.8');
    expect((await miss('203.0.113.8')).status).toBe(429);
    variant += 1;
    const operator = await call(`/cdn-cgi/image/width=7,quality=${(variant % 100) + 1},format=png/q.png`, '203.0.113.8', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(operator.status).toBe(200);
  });

  it('falls back to a per-isolate bucket when the Durable Object fails, and still never answers 500', async () => {
    // A real failure inside the real object: its table is gone, so every charge throws.
    await miss('203.0.113.9');
    await runInDurableObject(quotaStub('203.0.113.9'), (_: QuotaBucket, state: DurableObjectState) => {
      state.storage.sql.exec('DROP TABLE buckets');
    });
    const responses = await Promise.all(Array.from({ length: 60 }, () => miss('203.0.113.9')));
    expect(statuses(responses)).toEqual({ 200: 50, 429: 10 });
  });
});

describe('the global breaker', () => {
  const clearWindow = () =>
    runInDurableObject(env.BREAKER.get(env.BREAKER.idFromName('global')), (_: TransformBreaker, state: DurableObjectState) => {
      state.storage.sql.exec('DELETE FROM slots');
    });

  it('sheds new misses above the deployment-wide limit while hits are still served, then recovers', async () => {
    const path = '/cdn-cgi/image/width=34,format=webp/q.png';
    expect((await call(path, '203.0.113.70')).status).toBe(200);
    await clearWindow();
    resetBreakerView();
    const limit = { GLOBAL_TRANSFORM_LIMIT: '5' };
    const responses = [];
    for (let i = 0; i < 8; i++) responses.push(await miss(`203.0.113.${71 + i}`, limit));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 503, 503, 503]);
    expect(responses[5]!.headers.get('Retry-After')).toBe('30');
    const hit = await call(path, '203.0.113.79', {}, limit);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('X-Cache')).toBe('HIT');

    // A minute later the window is empty: clear it, and let this isolate sync again.
    await clearWindow();
    resetBreakerView();
    expect((await miss('203.0.113.80', limit)).status).toBe(200);
  });
});

describe('upload quotas', () => {
  const upload = (ip: string, key: string) =>
    call(`/masters/quota/${key}.png`, ip, { method: 'PUT', body: tiny, headers: { Authorization: `Bearer ${TOKEN}` } });

  it('charges uploads per client IP (the token does not exempt them)', async () => {
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await upload('203.0.113.20', `a${i}`));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 429]);
    expect(responses[0]!.headers.get('RateLimit-Policy')).toBe('"uploads";q=3;w=3600, "upload-bytes";q=100000;w=3600');
    expect(await env.MASTERS.head('masters/quota/a3.png')).toBeNull();
    expect((await upload('203.0.113.21', 'b0')).status).toBe(201);
  });

  it('refuses uploads with 503 when the quota store fails (fail closed)', async () => {
    await upload('203.0.113.22', 'c0');
    await runInDurableObject(quotaStub('203.0.113.22'), (_: QuotaBucket, state: DurableObjectState) => {
      state.storage.sql.exec('DROP TABLE buckets');
    });
    const response = await upload('203.0.113.22', 'c1');
    expect(response.status).toBe(503);
    expect(response.headers.get('Retry-After')).toBe('10');
    expect(await env.MASTERS.head('masters/quota/c1.png')).toBeNull();
  });
});
