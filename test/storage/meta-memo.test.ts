/** The isolate's metadata memo on its own: freshness, the entry bound, and forgetting. */
import { describe, expect, it } from 'vitest';
import { MetaMemo } from '../../src/storage/meta-memo.js';
import type { MasterMeta } from '../../src/storage/masters.js';

const meta = (etag: string): MasterMeta => ({
  key: 'a.jpg',
  etag,
  bytes: 10,
  uploaded: '2026-12-01T00:00:00.000Z',
  info: { format: 'jpeg', width: 2, height: 1, hasAlpha: false, animated: false, orientation: 1 },
});

describe('MetaMemo', () => {
  it('answers while fresh and forgets at its TTL', () => {
    const memo = new MetaMemo();
    memo.remember('u', meta('e1'), 5, 1_000);
    expect(memo.recall('u', 1_000)?.meta?.etag).toBe('e1');
    expect(memo.recall('u', 5_999)?.meta?.etag).toBe('e1');
    expect(memo.recall('u', 6_000)).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('remembers an absent master as null, distinct from not knowing', () => {
    const memo = new MetaMemo();
    memo.remember('gone', null, 5, 0);
    expect(memo.recall('gone', 1)).toEqual({ meta: null });
    expect(memo.recall('other', 1)).toBeUndefined();
  });

  it('keeps nothing when its TTL is 0', () => {
    const memo = new MetaMemo();
    memo.remember('u', meta('e1'), 0, 0);
    expect(memo.recall('u', 0)).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('never holds more than its bound, dropping the entry written longest ago', () => {
    const memo = new MetaMemo(3);
    for (const name of ['a', 'b', 'c']) memo.remember(name, meta(name), 60, 0);
    memo.remember('a', meta('a2'), 60, 1); // rewritten: now the newest
    memo.remember('d', meta('d'), 60, 2);
    expect(memo.size).toBe(3);
    expect(memo.recall('b', 3)).toBeUndefined();
    expect(memo.recall('a', 3)?.meta?.etag).toBe('a2');
    expect(memo.recall('c', 3)?.meta?.etag).toBe('c');
    expect(memo.recall('d', 3)?.meta?.etag).toBe('d');
  });

  it('forgets one key on demand', () => {
    const memo = new MetaMemo();
    memo.remember('a', meta('a'), 60, 0);
    memo.remember('b', meta('b'), 60, 0);
    memo.forget('a');
    expect(memo.recall('a', 1)).toBeUndefined();
    expect(memo.recall('b', 1)?.meta?.etag).toBe('b');
  });
});
