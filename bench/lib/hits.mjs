// @ts-check
/**
 * Section 2, cache hits: one cached variant through the real worker against a static body of the same size
 * from the bench worker, both served by the same workerd build; between them, the bench worker making the
 * two Cache API lookups that a hit makes, to split the gap into the Cache API's share and our code's. Load
 * alternates between the three in rounds so that drift on a shared machine hits all alike.
 */
import { load } from './load.mjs';
import { round } from './stats.mjs';

/**
 * @typedef {import('./workers.mjs').ManagedWorker} ManagedWorker
 * @typedef {import('./load.mjs').LoadResult} LoadResult
 * @typedef {object} HitPair
 * @property {string} via        'runtime socket' or 'wrangler dev proxy'
 * @property {number} seconds    measured per side
 * @property {LoadResult} hit        the real worker, metadata memo on (META_MEMO_TTL as configured)
 * @property {LoadResult} hitNoMemo  the real worker with META_MEMO_TTL=0: every hit asks the Cache API for metadata
 * @property {LoadResult} floor1     the bench worker making one Cache API lookup (the variant), nothing else
 * @property {LoadResult} floor      the bench worker making two Cache API lookups (metadata, then the variant)
 * @property {LoadResult} bare
 * @property {number} rpsRatio   hit ÷ bare
 * @property {number} noMemoRatio hit without the memo ÷ bare
 * @property {number} floor1Ratio hit ÷ one lookup (req/s)
 * @property {number} floorRatio hit without the memo ÷ two lookups (req/s)
 * @property {number} memoGain   hit ÷ hit without the memo (req/s)
 * @property {number} p50Ratio   hit ÷ bare
 * @property {number} p99Ratio   hit ÷ bare
 * @typedef {object} HitResult
 * @property {string} path
 * @property {Record<string, string>} requestHeaders
 * @property {string} contentType
 * @property {number} bodyBytes
 * @property {string} serverTiming   of one hit, as the worker reports it
 * @property {number} connections
 * @property {HitPair[]} pairs
 */

/**
 * Requests the variant until the Cache API has it (the miss stores it in waitUntil).
 * @param {URL} url
 * @param {Record<string, string>} headers
 */
async function primeVariant(url, headers) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(url, { headers });
    const body = await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url.pathname} answered ${response.status}: ${new TextDecoder().decode(body).slice(0, 300)}`);
    if (response.headers.get('X-Cache') === 'HIT') {
      return { bytes: body.byteLength, contentType: response.headers.get('Content-Type') ?? '', serverTiming: response.headers.get('Server-Timing') ?? '' };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url.pathname} never became a cache hit`);
}

/**
 * Loads the cached variant (memo on, then off) and the three baselines, `rounds` times each, for `seconds` per side
 * per route. Routes: the runtime's own socket (what production serves from), and, when `proxySeconds` > 0,
 * wrangler's dev proxy in front of it (what `wrangler dev` serves on its port; it does not exist in production).
 * A route is measured again, once, if any worker's runtime went away during it.
 * @param {{ real: ManagedWorker, realNoMemo: ManagedWorker, bench: ManagedWorker, path: string, headers: Record<string, string>,
 *           connections: number, seconds: number, proxySeconds: number, rounds: number, log: (line: string) => void }} options
 * @returns {Promise<HitResult>}
 */
export async function benchHits({ real, realNoMemo, bench, path, headers, connections, seconds, proxySeconds, rounds, log }) {
  const primed = await primeVariant(new URL(path, (await real.ensure()).direct), headers);
  await primeVariant(new URL(path, (await realNoMemo.ensure()).direct), headers);
  const query = `bytes=${primed.bytes}&type=${encodeURIComponent(primed.contentType)}`;
  const isHit = (/** @type {Record<string, string | string[] | undefined>} */ h) => h['x-cache'] === 'HIT';
  /** @typedef {{ name: 'hit' | 'hitNoMemo' | 'floor1' | 'floor' | 'bare', worker: ManagedWorker, path: string, check?: typeof isHit }} Side */
  /** @type {Side[]} */
  const sides = [
    { name: 'hit', worker: real, path, check: isHit },
    { name: 'hitNoMemo', worker: realNoMemo, path, check: isHit },
    { name: 'floor1', worker: bench, path: `/cache-floor?${query}&lookups=1` },
    { name: 'floor', worker: bench, path: `/cache-floor?${query}` },
    { name: 'bare', worker: bench, path: `/static?${query}` },
  ];
  /** @type {HitPair[]} */
  const pairs = [];
  const routes = [{ via: 'runtime socket', seconds, proxy: false }];
  if (proxySeconds > 0) routes.push({ via: 'wrangler dev proxy', seconds: proxySeconds, proxy: true });
  for (const route of routes) {
    /** @type {Record<Side['name'], LoadResult[]>} */
    let results = { hit: [], hitNoMemo: [], floor1: [], floor: [], bare: [] };
    const durationMs = (route.seconds * 1000) / rounds;
    for (let attempt = 1; attempt <= 2; attempt++) {
      // One at a time: a worker's workerd processes are told apart by which appeared while it started.
      /** @type {Array<{ side: Side, running: import('./workers.mjs').StartedWorker }>} */
      const started = [];
      for (const side of sides) started.push({ side, running: await side.worker.ensure() });
      if (attempt > 1) {
        await primeVariant(new URL(path, (await real.ensure()).direct), headers);
        await primeVariant(new URL(path, (await realNoMemo.ensure()).direct), headers);
      }
      results = { hit: [], hitNoMemo: [], floor1: [], floor: [], bare: [] };
      for (let round = 0; round < rounds; round++) {
        for (const { side, running } of started) {
          const base = route.proxy ? running.url : running.direct;
          const serverPids = route.proxy ? [running.runtimePid, running.proxyPid] : [running.runtimePid];
          results[side.name].push(
            await load({ url: new URL(side.path, base), headers: side.check ? headers : {}, connections, durationMs, warmupMs: 500, serverPids, check: side.check, expectBytes: primed.bytes }),
          );
        }
      }
      if (started.every(({ side, running }) => side.worker.isCurrent(running))) break;
      log(`  a worker's runtime went away during the ${route.via} run${attempt === 1 ? '; measuring it again' : ''}`);
    }
    const [hit, hitNoMemo, floor1, floor, bare] = /** @type {const} */ (['hit', 'hitNoMemo', 'floor1', 'floor', 'bare']).map((name) => combine(results[name], route.seconds));
    if (!hit || !hitNoMemo || !floor1 || !floor || !bare) throw new Error('a side was not measured');
    pairs.push({
      via: route.via,
      seconds: route.seconds,
      hit,
      hitNoMemo,
      floor1,
      floor,
      bare,
      rpsRatio: round(hit.rps / bare.rps, 2),
      noMemoRatio: round(hitNoMemo.rps / bare.rps, 2),
      floor1Ratio: round(hit.rps / floor1.rps, 2),
      floorRatio: round(hitNoMemo.rps / floor.rps, 2),
      memoGain: round(hit.rps / hitNoMemo.rps, 2),
      p50Ratio: round(hit.p50Ms / bare.p50Ms, 2),
      p99Ratio: round(hit.p99Ms / bare.p99Ms, 2),
    });
    log(
      `  ${route.via}: hit ${hit.rps} req/s (p50 ${hit.p50Ms} ms), without the memo ${hitNoMemo.rps} req/s, ` +
        `one Cache API lookup alone ${floor1.rps} req/s, two ${floor.rps} req/s, bare ${bare.rps} req/s (p50 ${bare.p50Ms} ms)`,
    );
  }
  return { path, requestHeaders: headers, contentType: primed.contentType, bodyBytes: primed.bytes, serverTiming: primed.serverTiming, connections, pairs };
}

/**
 * Rounds of one side merged: requests and errors add up, latencies pool.
 * @param {LoadResult[]} results
 * @param {number} seconds
 * @returns {LoadResult}
 */
function combine(results, seconds) {
  const latencies = results.flatMap((r) => Array.from(r.latencies));
  const sorted = Float64Array.from(latencies).sort();
  const at = (/** @type {number} */ q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  const mean = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  return {
    requests,
    rps: round(requests / seconds, 0),
    p50Ms: round(at(0.5), 2),
    p99Ms: round(at(0.99), 2),
    bodyBytes: results[0]?.bodyBytes ?? -1,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    generatorCpu: round(mean(results.map((r) => r.generatorCpu)), 2),
    serverCpu: (results[0]?.serverCpu ?? []).map((_, i) => round(mean(results.map((r) => r.serverCpu[i] ?? NaN)), 2)),
    latencies: new Float64Array(0),
  };
}
