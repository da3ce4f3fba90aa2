/** GET /health: `{ "ok": true }` when the Worker runs; it touches no binding (no R2, cache or Durable Object). */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';

export function serveHealth(c: Context<AppEnv>): Response {
  // no-store: Workers Cache would otherwise keep a 200 without Cache-Control for two hours.
  return c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' });
}
