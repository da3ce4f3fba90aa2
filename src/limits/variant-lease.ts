/**
 * One transform per variant across isolates: a short lease from a Durable Object. The first isolate to miss a
 * variant takes the lease and makes it; the others wait for the R2 tier to fill, and take over only when the
 * lease has expired (its holder died or stalled). Leases live in the object's memory only: losing them (the
 * object restarting) costs at worst one duplicate transform, never a wrong answer.
 */
import { DurableObject } from 'cloudflare:workers';

/** Leases are spread over this many objects by a hash of the variant, so no one object carries the whole load. */
export const LEASE_SHARDS = 64;

/** Most leases one shard remembers; expired ones are dropped first. */
const MAX_LEASES_PER_SHARD = 10_000;

export interface LeaseAnswer {
  granted: boolean;
  /** When the current lease ends, epoch ms. */
  expiresAt: number;
}

export class VariantLease extends DurableObject<Env> {
  readonly #leases = new Map<string, { holder: string; expiresAt: number }>();

  /** Grants `name` to `holder` for `ttlMs` unless someone else holds it; the same holder renews. */
  acquire(name: string, holder: string, ttlMs: number): LeaseAnswer {
    const now = Date.now();
    const current = this.#leases.get(name);
    if (current && current.expiresAt > now && current.holder !== holder) return { granted: false, expiresAt: current.expiresAt };
    const expiresAt = now + Math.max(100, Math.min(ttlMs, 60_000));
    this.#leases.set(name, { holder, expiresAt });
    if (this.#leases.size > MAX_LEASES_PER_SHARD) this.#dropExpired(now);
    return { granted: true, expiresAt };
  }

  /** Ends the lease if `holder` still has it. */
  release(name: string, holder: string): void {
    if (this.#leases.get(name)?.holder === holder) this.#leases.delete(name);
  }

  #dropExpired(now: number): void {
    for (const [name, lease] of this.#leases) if (lease.expiresAt <= now) this.#leases.delete(name);
    // Still full of live leases: the oldest go (a duplicate transform at worst).
    for (const name of this.#leases.keys()) {
      if (this.#leases.size <= MAX_LEASES_PER_SHARD) break;
      this.#leases.delete(name);
    }
  }
}

function shardOf(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return (hash >>> 0) % LEASE_SHARDS;
}

function leaseObject(namespace: DurableObjectNamespace<VariantLease>, name: string): DurableObjectStub<VariantLease> {
  return namespace.get(namespace.idFromName(`variant-lease-${shardOf(name)}`));
}

/**
 * Asks for the lease on `name`. A Durable Object that cannot be reached grants it (fail open: the worst case is
 * the duplicate transform the lease exists to avoid, never a refused request).
 */
export async function acquireLease(namespace: DurableObjectNamespace<VariantLease>, name: string, holder: string, ttlMs: number): Promise<LeaseAnswer> {
  try {
    return await leaseObject(namespace, name).acquire(name, holder, ttlMs);
  } catch (error) {
    console.error('variant lease unreachable, transforming without it', error);
    return { granted: true, expiresAt: Date.now() + ttlMs };
  }
}

export async function releaseLease(namespace: DurableObjectNamespace<VariantLease>, name: string, holder: string): Promise<void> {
  try {
    await leaseObject(namespace, name).release(name, holder);
  } catch (error) {
    console.error('variant lease release failed (it will expire)', error);
  }
}
