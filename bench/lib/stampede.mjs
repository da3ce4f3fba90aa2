// @ts-check
/**
 * Section 4, stampede: many concurrent requests for one variant that is not cached yet. A response without
 * `coalesced` in its Server-Timing and with X-Cache: MISS ran a transform of its own; the rest joined one
 * (or were hits). Local workerd runs one isolate per Worker, so this shows one isolate's coalescing only.
 */
import { Agent, get as httpGet } from 'node:http';

/**
 * @typedef {object} StampedeResult
 * @property {string} name
 * @property {string} path
 * @property {number} requests
 * @property {number} transforms   MISS responses that did not join another request's transform
 * @property {number} coalesced    responses that joined one
 * @property {number} hits         served from the Cache API
 * @property {Record<string, number>} statuses
 * @property {number} wallMs       from the first request sent to the last response read
 * @property {number} lastMs       slowest response
 */

/**
 * @param {Agent} agent
 * @param {URL} url
 * @param {Record<string, string>} headers
 * @returns {Promise<{ status: number, cache: string, timing: string, ms: number }>}
 */
function get(agent, url, headers) {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpGet(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          cache: String(res.headers['x-cache'] ?? ''),
          timing: String(res.headers['server-timing'] ?? ''),
          ms: performance.now() - started,
        }),
      );
    });
    req.on('error', () => resolve({ status: 0, cache: '', timing: '', ms: performance.now() - started }));
  });
}

/**
 * Sends `requests` GETs at once, each on its own connection.
 * @param {{ name: string, base: URL, path: string, headers?: Record<string, string>, requests: number }} options
 * @returns {Promise<StampedeResult>}
 */
export async function stampede({ name, base, path, headers = {}, requests }) {
  const agent = new Agent({ keepAlive: false, maxSockets: requests });
  const url = new URL(path, base);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: requests }, () => get(agent, url, headers)));
  const wallMs = performance.now() - started;
  agent.destroy();
  /** @type {Record<string, number>} */
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const joined = (/** @type {string} */ timing) => /(^|,\s*)coalesced\b/.test(timing);
  return {
    name,
    path,
    requests,
    transforms: results.filter((r) => r.status === 200 && r.cache === 'MISS' && !joined(r.timing)).length,
    coalesced: results.filter((r) => r.status === 200 && joined(r.timing)).length,
    hits: results.filter((r) => r.status === 200 && r.cache === 'HIT').length,
    statuses,
    wallMs: Math.round(wallMs),
    lastMs: Math.round(Math.max(...results.map((r) => r.ms))),
  };
}
