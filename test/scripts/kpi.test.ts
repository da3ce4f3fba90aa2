/** `npm run kpi` on a fixed log: the known table. (scripts/lib/kpi.ts is pure, so it runs here as it runs in Node.) */
import { describe, expect, it } from 'vitest';
import { computeKpis, formatKpis, nearestRank, parseEventLog, type KpiEvent } from '../../scripts/lib/kpi.js';

let clock = 1000;
function line(route: string, status: number, outcome: string, more: Partial<KpiEvent> = {}): string {
  const event = { type: 'request', v: 1, t: clock, route, status, outcome, key: '', format: '', masterSize: '', masterBytes: 0, outputBytes: 0, transformMs: 0, coalesced: false, ...more };
  clock += 2500;
  return JSON.stringify(event);
}

const a = { key: 'a.jpg', format: 'webp', masterSize: '1-4MP', masterBytes: 1000, outputBytes: 100 };
const b = { key: 'b.jpg', format: 'avif', masterSize: '4-12MP', masterBytes: 2000, outputBytes: 200 };

const log = [
  '⎔ Starting local server...',
  '[wrangler:info] Ready on http://127.0.0.1:8787',
  ...Array.from({ length: 6 }, () => line('image', 200, 'HIT', a)),
  ...Array.from({ length: 2 }, () => line('image', 200, 'TIER', b)),
  ...Array.from({ length: 2 }, () => line('image', 304, '304', { key: 'a.jpg', format: 'webp' })),
  ...[10, 40, 30, 20].map((ms) => line('image', 200, 'MISS', { ...a, transformMs: ms })),
  ...[200, 100].map((ms) => line('image', 200, 'MISS', { ...b, transformMs: ms })),
  line('image', 200, 'MISS', { ...b, transformMs: 200, coalesced: true }),
  ...Array.from({ length: 2 }, () => line('image', 429, '429', { key: 'c.jpg' })),
  line('image', 503, '503', { key: 'c.jpg' }),
  line('image', 404, '404', { key: 'nope.jpg' }),
  `[wrangler:info] GET /health 200 OK (3ms) ${line('health', 200, '200')}`,
  line('health', 200, '200'),
  line('upload', 201, '201', { key: 'new.png' }),
  '{"type":"request","v":1,"route":"image", broken',
  '[wrangler:info] GET /cdn-cgi/image/width=10/a.jpg 200 OK (12ms)',
].join('\n');

describe('npm run kpi', () => {
  it('reads the events among other log lines', () => {
    const { events, skipped } = parseEventLog(log);
    expect(events).toHaveLength(24);
    expect(skipped).toBe(1);
  });

  it('computes the known table from a fixed log', () => {
    const kpis = computeKpis(parseEventLog(log).events);
    expect(kpis).toMatchObject({ events: 24, imageRequests: 21, answers: 17, transforms: 6, coalesced: 1, masterBytes: 20_000, outputBytes: 2000 });
    expect(kpis.hitRatio).toBeCloseTo(10 / 17, 10);
    expect(kpis.savedShare).toBeCloseTo(0.9, 10);
    expect(kpis.rate429).toBeCloseTo(2 / 21, 10);
    expect(kpis.rate503).toBeCloseTo(1 / 21, 10);
    expect(formatKpis(kpis)).toBe(
      [
        '**KPIs** from 24 request events (21 image requests over 57.5 s)',
        '',
        '| KPI | value |',
        '|---|---|',
        '| hit ratio (HIT + TIER + 304 of image answers) | 58.8 % of 17 |',
        '| HIT / TIER / 304 / MISS | 6 / 2 / 2 / 7 |',
        '| transforms run (MISS not coalesced) / coalesced | 6 / 1 |',
        '| bytes sent vs master (HIT, TIER, MISS) | 2.0 KiB of 19.5 KiB: 90.0 % saved |',
        '| 429 rate (image requests) | 9.5 % (2) |',
        '| 503 rate (image requests) | 4.8 % (1) |',
        '| other image answers | 404: 1, 429: 2, 503: 1 |',
        '',
        '**Transform ms** (transforms run here, by output format and master size)',
        '',
        '| format | master | n | p50 | p95 | p99 |',
        '|---|---|---|---|---|---|',
        '| avif | 4-12MP | 2 | 100 | 200 | 200 |',
        '| webp | 1-4MP | 4 | 20.0 | 40.0 | 40.0 |',
        '',
        '**Top masters by misses**',
        '',
        '| master | transforms |',
        '|---|---|',
        '| a.jpg | 4 |',
        '| b.jpg | 2 |',
      ].join('\n'),
    );
  });

  it('takes percentiles by nearest rank, as quantileExactWeighted does with weights of 1', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([nearestRank(sorted, 0.5), nearestRank(sorted, 0.95), nearestRank(sorted, 0.99), nearestRank(sorted, 1)]).toEqual([50, 95, 99, 100]);
    expect(nearestRank([7], 0.99)).toBe(7);
    expect(nearestRank([], 0.5)).toBeNaN();
  });
});
