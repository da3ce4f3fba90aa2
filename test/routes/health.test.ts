/** /health: which bindings are there, by role, without their names or any var; no-store; 503 when one is missing. */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import app from '../../src/index.js';
import { get } from '../helpers/worker.js';

describe('/health', () => {
  it('says every binding is there, names none of them, and is never cached', async () => {
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      ok: true,
      bindings: { r2: true, cache: true, quota: true, breaker: true, lease: true },
      optional: { queue: true, analytics: true },
      uploads: true,
    });
    for (const secret of ['edge-image-masters', 'edge_image_requests', 'edge-image-variant-jobs', 'test-upload-token', '8192']) expect(text).not.toContain(secret);
  });

  it('answers 503 when a required binding is missing, and says which', async () => {
    const ctx = createExecutionContext();
    const { MASTERS: _, REQUEST_EVENTS: __, ...rest } = env;
    const response = await app.fetch(new Request('http://images.test/health'), rest as Env, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(503);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ ok: false, bindings: { r2: false, quota: true }, optional: { analytics: false } });
  });
});
