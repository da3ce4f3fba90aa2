/**
 * Master metadata remembered inside one isolate for a few seconds, so that a warm hit makes one Cache API
 * lookup (the variant) instead of two. Bounded in entries; anything in this isolate that changes a master
 * forgets it at once. Other isolates see a change within their memo's TTL on top of the Cache API entry's.
 */
import type { MasterMeta } from './masters.js';

/** At ~0.5 kB an entry, the memo never holds more than about 1 MB of an isolate's 128 MB. */
export const MEMO_MAX_ENTRIES = 2000;

interface Remembered {
  meta: MasterMeta | null;
  expires: number;
}

export class MetaMemo {
  readonly #entries = new Map<string, Remembered>();

  constructor(readonly maxEntries = MEMO_MAX_ENTRIES) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The metadata (or a remembered absence) while it is fresh; undefined when unknown or expired. */
  recall(url: string, now: number): { meta: MasterMeta | null } | undefined {
    const entry = this.#entries.get(url);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.#entries.delete(url);
      return undefined;
    }
    return { meta: entry.meta };
  }

  remember(url: string, meta: MasterMeta | null, ttlSeconds: number, now: number): void {
    if (ttlSeconds <= 0) return;
    // Re-inserting moves the entry to the end, so the first key is always the one written longest ago.
    this.#entries.delete(url);
    this.#entries.set(url, { meta, expires: now + ttlSeconds * 1000 });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  forget(url: string): void {
    this.#entries.delete(url);
  }
}

/** The isolate's memo: module state lives as long as the isolate does. */
export const metaMemo = new MetaMemo();
