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
 * @property {LoadResult} hit
 * @property {LoadResult} floor  the bench worker making the same two Cache API lookups, without our code
 * @property {LoadResult} bare
 * @property {number} rpsRatio   hit ÷ bare
 * @property {number} floorRatio hit ÷ floor (req/s)
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
 * Loads the cached variant and then the static body, `rounds` times each, for `seconds` per side per route.
 * Routes: the runtime's own socket (what production serves from), and, when `proxySeconds` > 0, wrangler's dev
 * proxy in front of it (what `wrangler dev` serves on its port; it does not exist in production).
 * A route is measured again, once, if either worker's runtime went away during it.
 * @param {{ real: ManagedWorker, bench: ManagedWorker, path: string, headers: Record<string, string>, connections: number,
 *           seconds: number, proxySeconds: number, rounds: number, log: (line: string) => void }} options
 * @returns {Promise<HitResult>}
 */
export async function benchHits({ real, bench, path, headers, connections, seconds, proxySeconds, rounds, log }) {
  const primed = await primeVariant(new URL(path, (await real.ensure()).direct), headers);
  const staticPath = `/static?bytes=${primed.bytes}&type=${encodeURIComponent(primed.contentType)}`;
  const floorPath = `/cache-floor?bytes=${primed.bytes}&type=${encodeURIComponent(primed.contentType)}`;
  const isHit = (/** @type {Record<string, string | string[] | undefined>} */ h) => h['x-cache'] === 'HIT';
  /** @type {HitPair[]} */
  const pairs = [];
  const routes = [{ via: 'runtime socket', seconds, proxy: false }];
  if (proxySeconds > 0) routes.push({ via: 'wrangler dev proxy', seconds: proxySeconds, proxy: true });
  for (const route of routes) {
    /** @type {LoadResult[]} */
    let hits = [];
    /** @type {LoadResult[]} */
    let bares = [];
    /** @type {LoadResult[]} */
    let floors = [];
    const durationMs = (route.seconds * 1000) / rounds;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const r = await real.ensure();
      const b = await bench.ensure();
      if (attempt > 1) await primeVariant(new URL(path, r.direct), headers);
      const realBase = route.proxy ? r.url : r.direct;
      const benchBase = route.proxy ? b.url : b.direct;
      const realPids = route.proxy ? [r.runtimePid, r.proxyPid] : [r.runtimePid];
      const benchPids = route.proxy ? [b.runtimePid, b.proxyPid] : [b.runtimePid];
      hits = [];
      bares = [];
      floors = [];
      for (let round = 0; round < rounds; round++) {
        hits.push(await load({ url: new URL(path, realBase), headers, connections, durationMs, warmupMs: 500, serverPids: realPids, check: isHit, expectBytes: primed.bytes }));
        bares.push(await load({ url: new URL(staticPath, benchBase), connections, durationMs, warmupMs: 500, serverPids: benchPids, expectBytes: primed.bytes }));
        floors.push(await load({ url: new URL(floorPath, benchBase), connections, durationMs, warmupMs: 500, serverPids: benchPids, expectBytes: primed.bytes }));
      }
      if (real.isCurrent(r) && bench.isCurrent(b)) break;
      log(`  a worker's runtime went away during the ${route.via} run${attempt === 1 ? '; measuring it again' : ''}`);
    }
    const hit = combine(hits, route.seconds);
    const bare = combine(bares, route.seconds);
    const floor = combine(floors, route.seconds);
    pairs.push({
      via: route.via,
      seconds: route.seconds,
      hit,
      floor,
      bare,
      rpsRatio: round(hit.rps / bare.rps, 2),
      floorRatio: round(hit.rps / floor.rps, 2),
      p50Ratio: round(hit.p50Ms / bare.p50Ms, 2),
      p99Ratio: round(hit.p99Ms / bare.p99Ms, 2),
    });
    log(`  ${route.via}: hit ${hit.rps} req/s (p50 ${hit.p50Ms} ms, p99 ${hit.p99Ms} ms), two Cache API lookups alone ${floor.rps} req/s, bare ${bare.rps} req/s (p50 ${bare.p50Ms} ms, p99 ${bare.p99Ms} ms)`);
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
