/**
 * GET /health: cheap (no I/O: it looks at the bindings, it does not call them) and never cached. It says whether each
 * binding the Worker needs is there, by role, and nothing about how they are configured (no bucket, queue or dataset
 * names, no vars). 200 when the required ones are there, 503 when one is missing.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';

function has(binding: unknown, method: string): boolean {
  return typeof binding === 'object' && binding !== null && typeof (binding as Record<string, unknown>)[method] === 'function';
}

export interface Health {
  ok: boolean;
  /** Required: the Worker cannot serve without them. */
  bindings: { r2: boolean; cache: boolean; quota: boolean; breaker: boolean; lease: boolean };
  /** Optional: the Worker serves without them (no pre-generation or sweeps; no Analytics Engine events). */
  optional: { queue: boolean; analytics: boolean };
  /** Whether uploads are open (the UPLOAD_TOKEN secret is set and valid); anyone learns as much from a 503 upload. */
  uploads: boolean;
}

export function healthOf(c: Context<AppEnv>): Health {
  const env = c.env as unknown as Partial<Record<string, unknown>>;
  const bindings = {
    r2: has(env.MASTERS, 'head'),
    cache: typeof caches !== 'undefined' && has(caches.default, 'match'),
    quota: has(env.QUOTA, 'idFromName'),
    breaker: has(env.BREAKER, 'idFromName'),
    lease: has(env.VARIANT_LEASE, 'idFromName'),
  };
  return {
    ok: Object.values(bindings).every(Boolean),
    bindings,
    optional: { queue: has(env.VARIANT_JOBS, 'sendBatch'), analytics: has(env.REQUEST_EVENTS, 'writeDataPoint') },
    uploads: c.get('config').uploadToken !== null,
  };
}

// no-store: Workers Cache would otherwise keep a 200 without Cache-Control for two hours.
export function serveHealth(c: Context<AppEnv>): Response {
  const health = healthOf(c);
  return c.json(health, health.ok ? 200 : 503, { 'Cache-Control': 'no-store' });
}
