// @ts-check
/**
 * A small closed-loop HTTP load generator on node:http (no dependency): `connections` keep-alive
 * connections, each sending its next request as soon as the previous response has fully arrived, for a
 * fixed time after a warm-up. Latency is from request start to the last body byte.
 */
import { Agent, get } from 'node:http';
import { cpuMsOf } from './workers.mjs';
import { quantile, round } from './stats.mjs';

/**
 * @typedef {object} LoadResult
 * @property {number} requests      completed in the measured window
 * @property {number} rps
 * @property {number} p50Ms
 * @property {number} p99Ms
 * @property {number} bodyBytes     of one response (they must all be the same)
 * @property {number} errors        non-2xx responses or failed requests
 * @property {number} generatorCpu  share of one core the generator used
 * @property {number[]} serverCpu   share of one core each listed server process used
 * @property {Float64Array} latencies  every counted request's latency, ms (left out of the JSON)
 */

/**
 * @param {Agent} agent
 * @param {URL} url
 * @param {Record<string, string>} headers
 * @returns {Promise<{ status: number, bytes: number, headers: import('node:http').IncomingHttpHeaders }>}
 */
export function request(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (/** @type {Uint8Array} */ chunk) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * Loads `url` for `warmupMs` (not counted), then for `durationMs` (counted).
 * A response counts as an error unless it is 2xx, passes `check`, and has `expectBytes` bytes (when given).
 * @param {{ url: URL, headers?: Record<string, string>, connections: number, durationMs: number, warmupMs: number, serverPids?: number[],
 *           check?: (headers: import('node:http').IncomingHttpHeaders) => boolean, expectBytes?: number }} options
 * @returns {Promise<LoadResult>}
 */
export async function load({ url, headers = {}, connections, durationMs, warmupMs, serverPids = [], check = () => true, expectBytes }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = new Float64Array(2_000_000);
  let count = 0;
  let errors = 0;
  let bodyBytes = -1;
  let measuring = false;
  const startedAt = performance.now();
  const measureFrom = startedAt + warmupMs;
  const stopAt = measureFrom + durationMs;
  /** @type {{ cpu: NodeJS.CpuUsage, server: number[], at: number } | undefined} */
  let mark;

  async function connection() {
    for (;;) {
      const now = performance.now();
      if (now >= stopAt) return;
      if (!measuring && now >= measureFrom) {
        measuring = true;
        mark = { cpu: process.cpuUsage(), server: serverPids.map(cpuMsOf), at: now };
      }
      const counted = measuring;
      try {
        const res = await request(agent, url, headers);
        const ok = res.status >= 200 && res.status < 300 && check(res.headers) && (expectBytes === undefined || res.bytes === expectBytes);
        if (!ok && counted) errors++;
        if (bodyBytes < 0) bodyBytes = res.bytes;
      } catch {
        if (counted) errors++;
      }
      const end = performance.now();
      if (counted && end <= stopAt && count < latencies.length) latencies[count++] = end - now;
    }
  }

  await Promise.all(Array.from({ length: connections }, connection));
  agent.destroy();
  const window = durationMs / 1000;
  const used = mark ? process.cpuUsage(mark.cpu) : { user: 0, system: 0 };
  const wallMs = mark ? performance.now() - mark.at : durationMs;
  const sample = latencies.subarray(0, count);
  return {
    requests: count,
    rps: round(count / window, 0),
    p50Ms: round(quantile(sample, 0.5), 2),
    p99Ms: round(quantile(sample, 0.99), 2),
    bodyBytes,
    errors,
    generatorCpu: round((used.user + used.system) / 1000 / wallMs, 2),
    serverCpu: serverPids.map((pid, i) => round((cpuMsOf(pid) - (mark?.server[i] ?? 0)) / wallMs, 2)),
    latencies: sample.slice(),
  };
}
