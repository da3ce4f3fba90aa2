/** GET /health: the Worker answers, without touching a binding. */
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/worker.js';

describe('/health', () => {
  it('answers { ok: true }', async () => {
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
