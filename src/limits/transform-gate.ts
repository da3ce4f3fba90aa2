/**
 * One transform at a time per isolate: a decoded master plus codec heaps is tens of MiB, and an isolate has
 * 128 MB shared by all its requests. Past `maxQueued` waiters we shed with 503 rather than let memory or
 * latency grow without bound.
 *
 * Waiters poll shared state on their own timers instead of awaiting a promise that another request resolves:
 * the Workers runtime cancels a request that waits only on another request's promise (it looks hung), and a
 * cancelled request's `finally` never runs. For the same reason a holder that never finishes is presumed dead
 * after `staleMs`, so the gate cannot stay shut.
 */
import { ImageError } from '../http/problem.js';

const POLL_MS = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The 503 of a full queue (also raised before a client is charged, when the gate is already full). */
export function busy(): ImageError {
  return new ImageError(503, 'busy', 'too many transforms are waiting in this isolate; try again shortly', { 'Retry-After': '1' });
}

export class TransformGate {
  private heldSince: number | null = null;
  private waiting = 0;

  /** Waiters allowed behind the holder; the caller's configuration sets it (see `codecGate`). */
  maxQueued = 0;

  constructor(
    private readonly maxWaitMs = 30_000,
    private readonly staleMs = 60_000,
  ) {}

  private held(): boolean {
    if (this.heldSince !== null && Date.now() - this.heldSince > this.staleMs) this.heldSince = null;
    return this.heldSince !== null;
  }

  /** Whether a new transform would be refused now (checked before charging the client for it). */
  get full(): boolean {
    return this.held() && this.waiting >= this.maxQueued;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held()) {
      if (this.waiting >= this.maxQueued) throw busy();
      this.waiting++;
      try {
        const deadline = Date.now() + this.maxWaitMs;
        while (this.held()) {
          if (Date.now() > deadline) throw busy();
          await sleep(POLL_MS);
        }
      } finally {
        this.waiting--;
      }
    }
    const mine = Date.now();
    this.heldSince = mine;
    try {
      return await work();
    } finally {
      if (this.heldSince === mine) this.heldSince = null;
    }
  }
}

interface Flight<T> {
  startedAt: number;
  done: boolean;
  value?: T;
  error?: unknown;
}

/**
 * Concurrent requests for the same variant share one transform (a cache stampede costs one decode). Joiners
 * poll the leader's flight record on their own timers (see above) and take its value or its error.
 */
export class Coalescer<T> {
  private readonly flights = new Map<string, Flight<T>>();

  constructor(private readonly maxWaitMs = 30_000) {}

  /**
   * The work's result, and whether it was another request's work that this one joined. The record stays until
   * `settled(value)` resolves too (the cache write), so no request slips into the gap between the transform
   * finishing and its result being findable in the cache.
   */
  async run(key: string, work: () => Promise<T>, settled: (value: T) => Promise<unknown> = async () => {}): Promise<{ value: T; joined: boolean }> {
    const existing = this.flights.get(key);
    if (existing) {
      while (!existing.done && Date.now() - existing.startedAt < this.maxWaitMs) await sleep(POLL_MS);
      if (existing.done && 'value' in existing) return { value: existing.value as T, joined: true };
      if (existing.done) throw existing.error;
      // The leader never finished (its request was cancelled): do the work ourselves.
    }
    const flight: Flight<T> = { startedAt: Date.now(), done: false };
    this.flights.set(key, flight);
    const forget = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    try {
      flight.value = await work();
    } catch (error) {
      flight.error = error;
      flight.done = true;
      forget();
      throw error;
    }
    flight.done = true;
    settled(flight.value).catch(() => {}).finally(forget);
    return { value: flight.value, joined: false };
  }
}

let isolateGate: TransformGate | undefined;

/**
 * The isolate's one gate for codec work: transforms, and uploads being validated by decoding, which hold a codec
 * session (or a jSquash heap) just as a transform does. Its queue limit is the calling request's configuration.
 */
export function codecGate(maxQueued: number): TransformGate {
  isolateGate ??= new TransformGate();
  isolateGate.maxQueued = maxQueued;
  return isolateGate;
}
