/**
 * The global breaker: when transforms across every client pass GLOBAL_TRANSFORM_LIMIT a minute, new cache
 * misses are shed with 503 while hits go on — time for an operator to look. To keep its Durable Object off the
 * hot path, each isolate counts locally and syncs at most every SYNC_MS (one call per isolate per interval,
 * whatever the request rate), deciding in between from the last total plus its own count since.
 */
import { ImageError } from '../http/problem.js';

export const SYNC_MS = 2000;

let pending = 0;
let lastTotal = 0;
let syncedAt = -Infinity;
let syncing: Promise<void> | undefined;

async function sync(env: Env): Promise<void> {
  const count = pending;
  pending = 0;
  try {
    lastTotal = await env.BREAKER.get(env.BREAKER.idFromName('global')).record(count);
  } catch (error) {
    // Fail open: the breaker protects the service from floods, it must not become the outage itself.
    console.warn('breaker unreachable, not shedding', String(error));
    lastTotal = 0;
  }
  syncedAt = Date.now();
}

/**
 * Throws 503 when the deployment-wide rate is over `limit`; counts nothing (refused work is not work).
 * Only one request syncs at a time and the others decide from the last total: awaiting another request's
 * promise would get them cancelled by the runtime as hung.
 */
export async function checkBreaker(env: Env, limit: number): Promise<void> {
  if (Date.now() - syncedAt >= SYNC_MS && !syncing) {
    syncing = sync(env).finally(() => (syncing = undefined));
    await syncing;
  }
  if (lastTotal + pending >= limit) {
    throw new ImageError(503, 'shedding-load', 'the service is shedding new transforms for a moment; cached images are still served', { 'Retry-After': '30' });
  }
}

/** Counts one admitted transform towards the deployment-wide rate. */
export function countTransform(): void {
  pending++;
}

/** Forgets this isolate's view (tests use it between cases). */
export function resetBreakerView(): void {
  pending = 0;
  lastTotal = 0;
  syncedAt = -Infinity;
}
