/**
 * Purging Workers Cache by tag. Workers Cache does not run under Miniflare (`ctx.cache` is absent there), so the
 * schedule and the handling of refusals are checked against a recording purger; through the worker, writes must
 * succeed without one.
 */
import { describe, expect, it } from 'vitest';
import { type CachePurger, purgeMaster, purgeSchedule } from '../../src/storage/cdn-purge.js';

function recordingPurger(answers: boolean[] = []) {
  const calls: Array<{ tags: string[]; at: number }> = [];
  let clock = 0;
  const purger: CachePurger = {
    async purge({ tags }) {
      calls.push({ tags, at: clock });
      const success = answers.shift() ?? true;
      return { success, errors: success ? [] : [{ code: 429, message: 'rate limited' }] };
    },
  };
  const sleep = async (ms: number) => {
    clock += ms;
  };
  return { purger, calls, sleep };
}

describe('purgeSchedule', () => {
  it('purges again once the Cache API entry and the memo have both expired', () => {
    expect(purgeSchedule(20, 5)).toEqual([0, 26]);
    expect(purgeSchedule(1, 0)).toEqual([0, 2]);
  });

  it('purges once when that moment is past what waitUntil allows', () => {
    expect(purgeSchedule(60, 5)).toEqual([0]);
    expect(purgeSchedule(22, 5)).toEqual([0, 28]);
    expect(purgeSchedule(23, 5)).toEqual([0]);
  });
});

describe('purgeMaster', () => {
  it("purges the master's tag now and again after META_TTL + META_MEMO_TTL + 1 s", async () => {
    const { purger, calls, sleep } = recordingPurger();
    const accepted = await purgeMaster(purger, 'photos/a b.jpg', { metaTtl: 20, metaMemoTtl: 5 }, sleep);
    expect(accepted).toBe(2);
    expect(calls).toEqual([
      { tags: ['master:photos%2Fa%20b.jpg'], at: 0 },
      { tags: ['master:photos%2Fa%20b.jpg'], at: 26_000 },
    ]);
  });

  it('counts a refused purge as not accepted and still tries the second one', async () => {
    const { purger, calls, sleep } = recordingPurger([false, true]);
    expect(await purgeMaster(purger, 'a.jpg', { metaTtl: 20, metaMemoTtl: 5 }, sleep)).toBe(1);
    expect(calls).toHaveLength(2);
  });

  it('survives a purger that throws', async () => {
    const purger: CachePurger = {
      purge: async () => {
        throw new Error('network');
      },
    };
    expect(await purgeMaster(purger, 'a.jpg', { metaTtl: 60, metaMemoTtl: 5 }, async () => {})).toBe(0);
  });

  it('does nothing where there is no Workers Cache', async () => {
    expect(await purgeMaster(undefined, 'a.jpg', { metaTtl: 20, metaMemoTtl: 5 })).toBe(0);
  });
});
