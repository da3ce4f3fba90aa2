/**
 * The KPI table from request events (the worker's JSON log lines, LOG_REQUESTS=all): the same numbers the README's
 * Analytics Engine queries give, computed locally. Pure TypeScript with erasable syntax only, so Node runs it as it
 * is (`npm run kpi`, `npm run replay`) and vitest tests it (test/scripts/kpi.test.ts).
 *
 * Definitions (the README's SQL uses the same ones):
 * - image answers: events of route `image` whose outcome is HIT, TIER, MISS or 304;
 * - hit ratio: (HIT + TIER + 304) / image answers;
 * - transforms: MISS events that did not join another request's transform (coalesced = false);
 * - bytes saved: 1 − Σ output bytes / Σ master bytes over HIT, TIER and MISS answers whose master size is known;
 * - transform ms: nearest-rank percentiles (what quantileExactWeighted gives with weights of 1) over transforms;
 * - 429 / 503 rate: share of all image-route requests answered so.
 */

/** The fields of a request event the KPIs read (src/observe/event.ts has them all). */
export interface KpiEvent {
  route: string;
  status: number;
  outcome: string;
  key: string;
  format: string;
  masterSize: string;
  masterBytes: number;
  outputBytes: number;
  transformMs: number;
  coalesced: boolean;
  t?: number;
}

export interface TransformRow {
  format: string;
  masterSize: string;
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface Kpis {
  /** Every event read, of any route. */
  events: number;
  /** Image-route requests (any status). */
  imageRequests: number;
  /** Image-route requests by outcome. */
  outcomes: Record<string, number>;
  answers: number;
  hitRatio: number;
  transforms: number;
  coalesced: number;
  masterBytes: number;
  outputBytes: number;
  savedShare: number;
  rate429: number;
  rate503: number;
  transformMs: TransformRow[];
  topMisses: { key: string; misses: number }[];
  /** First and last event time (epoch ms), when the events carry it. */
  span: { from: number; to: number } | null;
}

const MARKER = '{"type":"request"';

/**
 * Request events from a log: every line that holds a JSON object starting with `{"type":"request"` (the worker's
 * log line, alone or behind a prefix such as wrangler's), and nothing else.
 */
export function parseEventLog(text: string): { events: KpiEvent[]; skipped: number } {
  const events: KpiEvent[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    const at = line.indexOf(MARKER);
    if (at < 0) continue;
    const end = line.lastIndexOf('}');
    try {
      events.push(JSON.parse(line.slice(at, end + 1)) as KpiEvent);
    } catch {
      skipped++;
    }
  }
  return { events, skipped };
}

/** Nearest rank: the ⌈q·n⌉-th smallest (ClickHouse's quantileExactWeighted with weights of 1). */
export function nearestRank(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

const ANSWERS = new Set(['HIT', 'TIER', 'MISS', '304']);
const WITH_BYTES = new Set(['HIT', 'TIER', 'MISS']);
const SIZE_ORDER = ['<1MP', '1-4MP', '4-12MP', '12-40MP', '>40MP', ''];

export function computeKpis(all: KpiEvent[], top = 10): Kpis {
  const image = all.filter((e) => e.route === 'image');
  const outcomes: Record<string, number> = {};
  for (const e of image) outcomes[e.outcome] = (outcomes[e.outcome] ?? 0) + 1;
  const answers = image.filter((e) => ANSWERS.has(e.outcome));
  const served = answers.filter((e) => e.outcome !== 'MISS').length;
  const transforms = image.filter((e) => e.outcome === 'MISS' && !e.coalesced);

  let masterBytes = 0;
  let outputBytes = 0;
  for (const e of image) {
    if (!WITH_BYTES.has(e.outcome) || !(e.masterBytes > 0)) continue;
    masterBytes += e.masterBytes;
    outputBytes += e.outputBytes;
  }

  const groups = new Map<string, number[]>();
  for (const e of transforms) {
    const name = `${e.format}\u0000${e.masterSize}`;
    const list = groups.get(name) ?? [];
    list.push(e.transformMs);
    groups.set(name, list);
  }
  const transformMs: TransformRow[] = [...groups.entries()]
    .map(([name, values]) => {
      const [format = '', masterSize = ''] = name.split('\u0000');
      const sorted = [...values].sort((a, b) => a - b);
      return { format, masterSize, n: sorted.length, p50: nearestRank(sorted, 0.5), p95: nearestRank(sorted, 0.95), p99: nearestRank(sorted, 0.99) };
    })
    .sort((a, b) => a.format.localeCompare(b.format) || SIZE_ORDER.indexOf(a.masterSize) - SIZE_ORDER.indexOf(b.masterSize));

  const misses = new Map<string, number>();
  for (const e of transforms) misses.set(e.key, (misses.get(e.key) ?? 0) + 1);
  const topMisses = [...misses.entries()]
    .map(([key, n]) => ({ key, misses: n }))
    .sort((a, b) => b.misses - a.misses || a.key.localeCompare(b.key))
    .slice(0, top);

  const times = all.map((e) => e.t).filter((t): t is number => typeof t === 'number');
  const share = (n: number, of: number) => (of > 0 ? n / of : NaN);
  return {
    events: all.length,
    imageRequests: image.length,
    outcomes,
    answers: answers.length,
    hitRatio: share(served, answers.length),
    transforms: transforms.length,
    coalesced: image.filter((e) => e.outcome === 'MISS' && e.coalesced).length,
    masterBytes,
    outputBytes,
    savedShare: share(masterBytes - outputBytes, masterBytes),
    rate429: share(image.filter((e) => e.status === 429).length, image.length),
    rate503: share(image.filter((e) => e.status === 503).length, image.length),
    transformMs,
    topMisses,
    span: times.length ? { from: Math.min(...times), to: Math.max(...times) } : null,
  };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–');
const msText = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');

function bytesText(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function table(head: string[], rows: (string | number)[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** The KPI table as markdown. */
export function formatKpis(k: Kpis): string {
  const o = (name: string) => k.outcomes[name] ?? 0;
  const errors = Object.entries(k.outcomes)
    .filter(([name]) => !ANSWERS.has(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name}: ${n}`)
    .join(', ');
  const seconds = k.span ? ` over ${((k.span.to - k.span.from) / 1000).toFixed(1)} s` : '';
  const lines = [
    `**KPIs** from ${k.events} request events (${k.imageRequests} image requests${seconds})`,
    '',
    ...table(['KPI', 'value'], [
      ['hit ratio (HIT + TIER + 304 of image answers)', `${pct(k.hitRatio)} of ${k.answers}`],
      ['HIT / TIER / 304 / MISS', `${o('HIT')} / ${o('TIER')} / ${o('304')} / ${o('MISS')}`],
      ['transforms run (MISS not coalesced) / coalesced', `${k.transforms} / ${k.coalesced}`],
      ['bytes sent vs master (HIT, TIER, MISS)', `${bytesText(k.outputBytes)} of ${bytesText(k.masterBytes)}: ${pct(k.savedShare)} saved`],
      ['429 rate (image requests)', `${pct(k.rate429)} (${o('429')})`],
      ['503 rate (image requests)', `${pct(k.rate503)} (${o('503')})`],
      ['other image answers', errors || 'none'],
    ]),
    '',
    '**Transform ms** (transforms run here, by output format and master size)',
    '',
    ...table(['format', 'master', 'n', 'p50', 'p95', 'p99'], k.transformMs.map((r) => [r.format, r.masterSize || '?', r.n, msText(r.p50), msText(r.p95), msText(r.p99)])),
    '',
    '**Top masters by misses**',
    '',
    ...table(['master', 'transforms'], k.topMisses.map((r) => [r.key, r.misses])),
  ];
  return lines.join('\n');
}
