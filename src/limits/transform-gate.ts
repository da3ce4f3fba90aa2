/**
 * One transform at a time per isolate: a decoded 5 MP master is ~20 MiB of RGBA plus codec heaps, and an
 * isolate has 128 MB shared by all its requests. Waiters queue in order; past `maxQueued` we shed with 503
 * rather than let memory or latency grow without bound.
 */
import { ImageError } from '../http/problem.js';

export class TransformGate {
  private running = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly maxQueued: () => number) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running) {
      if (this.waiting.length >= this.maxQueued()) {
        throw new ImageError(503, 'busy', 'too many transforms are waiting in this isolate; try again shortly', { 'Retry-After': '1' });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running = true;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running = false;
    }
  }
}

/** Concurrent requests for the same variant share one transform (a cache stampede costs one decode). */
export class Coalescer<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /**
   * The work's result, and whether it was another request's work that this one joined. The entry stays until
   * `settled(value)` resolves too (the cache write), so no request slips into the gap between the transform
   * finishing and its result being findable in the cache.
   */
  async run(key: string, work: () => Promise<T>, settled: (value: T) => Promise<unknown> = async () => {}): Promise<{ value: T; joined: boolean }> {
    const existing = this.inFlight.get(key);
    if (existing) return { value: await existing, joined: true };
    const promise = work();
    this.inFlight.set(key, promise);
    promise.then(settled).catch(() => {}).finally(() => this.inFlight.delete(key));
    return { value: await promise, joined: false };
  }
}
