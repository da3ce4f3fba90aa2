// @ts-check
/**
 * Section `signed`: what verifying a signature costs a cache hit. One worker with `SIGNED_URLS=optional`
 * serves the same cached variant under its unsigned URL and under a signed one (same cache entry: the signature is
 * not part of the key). Each round sends the two in turn on one connection (see `alternate`); the result is the
 * median over rounds of signed req/s ÷ unsigned req/s. The URL is signed by the client module (src/client).
 */
import { build } from 'esbuild';
import { Agent } from 'node:http';
import { request } from './load.mjs';
import { median, round } from './stats.mjs';

/** A bench-only key: 40 characters, as `openssl rand -base64 30` would give. */
export const BENCH_SIGNING_KEYS = 'bench:bench-signing-secret-0123456789abcdef';

/**
 * @typedef {import('./workers.mjs').ManagedWorker} ManagedWorker
 * @typedef {object} SignedRound
 * @property {number} unsignedRps
 * @property {number} signedRps
 * @property {number} ratio        signed ÷ unsigned
 * @typedef {object} SignedResult
 * @property {string} path
 * @property {string} signedPath
 * @property {number} connections
 * @property {number} secondsPerSide
 * @property {SignedRound[]} rounds
 * @property {number} medianRatio
 * @property {number} costPercent   (1 − median ratio) × 100: what the HMAC costs a hit
 * @property {{ rps: number, p50Ms: number, p99Ms: number, errors: number }} unsigned   all rounds pooled
 * @property {{ rps: number, p50Ms: number, p99Ms: number, errors: number }} signed
 */

/**
 * The client module's `signedImageUrl`, bundled from src/client by esbuild for Node.
 * @returns {Promise<(base: string, key: string, options: string, signer: { id: string, secret: string }) => Promise<string>>}
 */
async function clientSigner() {
  const root = new URL('../..', import.meta.url).pathname;
  const out = await build({
    stdin: { contents: "export { signedImageUrl } from './src/client/index.ts';", resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'error',
  });
  const module = await import(`data:text/javascript,${encodeURIComponent(out.outputFiles[0]?.text ?? '')}`);
  return module.signedImageUrl;
}

/**
 * Requests `url` until it is a cache hit.
 * @param {URL} url
 * @param {Record<string, string>} headers
 */
async function primeHit(url, headers) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(url, { headers });
    const body = await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url.pathname} answered ${response.status}: ${new TextDecoder().decode(body).slice(0, 300)}`);
    if (response.headers.get('X-Cache') === 'HIT') return body.byteLength;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url.pathname} never became a cache hit`);
}

/**
 * One round: a single keep-alive connection sends the unsigned and the signed URL in turn (A B A B …), so both meet
 * the same machine at the same moments; a shared machine's drift then cancels out of their ratio. One connection,
 * so no request waits behind the other: each latency is that request's own cost (and the loop's). A side's req/s is
 * its requests ÷ the time they took.
 * @param {{ urls: [URL, URL], headers: Record<string, string>, durationMs: number, warmupMs: number, expectBytes: number }} options
 */
async function alternate({ urls, headers, durationMs, warmupMs, expectBytes }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  /** @type {[number[], number[]]} */
  const latencies = [[], []];
  let errors = 0;
  const startedAt = performance.now();
  for (let n = 0; ; n++) {
    const now = performance.now();
    if (now >= startedAt + warmupMs + durationMs) break;
    const side = n % 2;
    try {
      const res = await request(agent, /** @type {URL} */ (urls[side]), headers);
      const ok = res.status === 200 && res.headers['x-cache'] === 'HIT' && res.bytes === expectBytes;
      if (now >= startedAt + warmupMs) {
        if (ok) latencies[side]?.push(performance.now() - now);
        else errors++;
      }
    } catch {
      errors++;
    }
  }
  agent.destroy();
  return { latencies, errors };
}

/**
 * @param {{ worker: ManagedWorker, key: string, options: string, headers: Record<string, string>,
 *           secondsPerRound: number, rounds: number, log: (line: string) => void }} options
 * @returns {Promise<SignedResult>}
 */
export async function benchSigned({ worker, key, options, headers, secondsPerRound, rounds, log }) {
  const signedImageUrl = await clientSigner();
  const [id = '', secret = ''] = BENCH_SIGNING_KEYS.split(/:(.*)/);
  const w = await worker.ensure();
  const path = `/cdn-cgi/image/${options}/${key}`;
  const signedUrl = new URL(await signedImageUrl(new URL('/cdn-cgi/image', w.direct).href, key, options, { id, secret }));
  const signedPath = signedUrl.pathname;
  const bytes = await primeHit(new URL(path, w.direct), headers);
  if ((await primeHit(new URL(signedPath, w.direct), headers)) !== bytes) throw new Error('the signed URL answered other bytes than the unsigned one');
  // The worker really verifies (SIGNED_URLS=optional reached it): a MAC one character off is refused.
  const tampered = signedPath.replace(/(sig=[^.]+\.)(.)/, (_, head, c) => head + (c === 'A' ? 'B' : 'A'));
  const refused = await fetch(new URL(tampered, w.direct), { headers });
  await refused.arrayBuffer();
  if (refused.status !== 403) throw new Error(`a tampered signature answered ${refused.status}, not 403: is SIGNED_URLS=optional set on the worker?`);
  /** @type {SignedRound[]} */
  const results = [];
  /** @type {number[]} */
  const unsignedAll = [];
  /** @type {number[]} */
  const signedAll = [];
  let unsignedErrors = 0;
  let signedErrors = 0;
  for (let i = 0; i < rounds; i++) {
    const current = await worker.ensure();
    const pair = /** @type {[URL, URL]} */ ([new URL(path, current.direct), new URL(signedPath, current.direct)]);
    // Which side goes first swaps every round.
    const urls = /** @type {[URL, URL]} */ (i % 2 === 0 ? pair : [pair[1], pair[0]]);
    const { latencies, errors } = await alternate({ urls, headers, durationMs: secondsPerRound * 1000, warmupMs: 200, expectBytes: bytes });
    const [unsigned, signed] = i % 2 === 0 ? latencies : [latencies[1], latencies[0]];
    unsignedAll.push(...unsigned);
    signedAll.push(...signed);
    if (errors) (i % 2 === 0 ? (unsignedErrors += errors) : (signedErrors += errors));
    const rps = (/** @type {number[]} */ l) => (l.length * 1000) / l.reduce((a, b) => a + b, 0);
    const row = { unsignedRps: round(rps(unsigned), 0), signedRps: round(rps(signed), 0), ratio: round(rps(signed) / rps(unsigned), 3) };
    results.push(row);
    log(`  round ${i + 1}: unsigned ${row.unsignedRps} req/s, signed ${row.signedRps} req/s (×${row.ratio})`);
  }
  const medianRatio = round(median(results.map((r) => r.ratio)), 3);
  return {
    path,
    signedPath,
    connections: 1,
    secondsPerSide: (secondsPerRound * rounds) / 2,
    rounds: results,
    medianRatio,
    costPercent: round((1 - medianRatio) * 100, 1),
    unsigned: pooled(unsignedAll, unsignedErrors),
    signed: pooled(signedAll, signedErrors),
  };
}

/**
 * @param {number[]} latencies
 * @param {number} errors
 */
function pooled(latencies, errors) {
  const all = Float64Array.from(latencies).sort();
  const at = (/** @type {number} */ q) => all[Math.min(all.length - 1, Math.max(0, Math.ceil(q * all.length) - 1))] ?? NaN;
  return {
    rps: round((all.length * 1000) / all.reduce((a, b) => a + b, 0), 0),
    p50Ms: round(at(0.5), 3),
    p99Ms: round(at(0.99), 3),
    errors,
  };
}

/**
 * @param {SignedResult} r
 */
export function signedTable(r) {
  const rows = [
    '| URL | req/s (one connection, pooled) | p50 ms | p99 ms | errors |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| unsigned hit | ${r.unsigned.rps} | ${r.unsigned.p50Ms} | ${r.unsigned.p99Ms} | ${r.unsigned.errors} |`,
    `| signed hit (HMAC-SHA256 verified) | ${r.signed.rps} | ${r.signed.p50Ms} | ${r.signed.p99Ms} | ${r.signed.errors} |`,
  ];
  const perRound = r.rounds.map((x) => `×${x.ratio}`).join(', ');
  // req/s here is one connection's: requests ÷ the time they took, the two URLs sent in turn.
  return `${rows.join('\n')}\n\nsigned ÷ unsigned req/s per round: ${perRound}; **median ×${r.medianRatio}** (the signature costs ${r.costPercent} % of a hit).`;
}
