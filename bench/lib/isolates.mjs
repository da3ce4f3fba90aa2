// @ts-check
/**
 * Section "isolates": a stampede spread over several isolates. Local workerd runs one isolate per Worker, so the
 * real worker's bundle (as `wrangler deploy --dry-run` makes it) runs as N Workers in one Miniflare, sharing one R2
 * bucket and one VariantLease namespace, as N isolates of one deployment share them in production. The requests are
 * dealt round-robin over the N. A `MISS` response without `coalesced` ran a transform; `TIER` waited for another
 * isolate's lease and read its result from R2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

/**
 * @typedef {object} IsolateStampede
 * @property {string} name
 * @property {number} isolates
 * @property {number} requests
 * @property {number} transforms    MISS responses that did not join another request's transform
 * @property {number} coalesced     joined a transform in their own isolate
 * @property {number} tier          waited for another isolate's lease, then read the tier
 * @property {Record<string, number>} statuses
 * @property {number} slowestMs
 * @property {number} medianMs
 */

/**
 * @param {{ config: string, isolates: number, requests: number, leaseMs?: string, seed: { key: string, bytes: Uint8Array, contentType: string }, path: string, log: (line: string) => void }} options
 * @returns {Promise<IsolateStampede>}
 */
export async function stampedeOverIsolates({ config, isolates, requests, leaseMs, seed, path, log }) {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-isolates-'));
  /** @type {Miniflare | undefined} */
  let mf;
  try {
    /** @type {any} */ (execFileSync)('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', outdir, '--config', config], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'error' },
    });
    const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
    const names = Array.from({ length: isolates }, (_, i) => `isolate-${i}`);
    const workers = names.map((name, i) => ({
      ...Object.fromEntries(Object.entries(workerOptions).filter(([option]) => option !== 'modulesRules')),
      name,
      modulesRoot: outdir,
      modules: readdirSync(outdir)
        .filter((file) => file.endsWith('.js') || file.endsWith('.wasm'))
        .sort((a, b) => (a === 'index.js' ? -1 : b === 'index.js' ? 1 : 0))
        .map((file) => ({ type: file.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule', path: join(outdir, file) })),
      bindings: { ...(workerOptions.bindings ?? {}), UPLOAD_TOKEN: 'bench-upload-token-0123456789', PREGENERATE_WIDTHS: '', ...(leaseMs ? { VARIANT_LEASE_MS: leaseMs } : {}) },
      // One lease namespace for all: the first Worker's class, as one deployment's isolates share it.
      durableObjects: Object.fromEntries(
        Object.entries(workerOptions.durableObjects ?? {}).map(([binding, value]) => [
          binding,
          i === 0 ? value : { className: typeof value === 'string' ? value : value.className, scriptName: names[0] },
        ]),
      ),
      queueConsumers: i === 0 ? workerOptions.queueConsumers : undefined,
      triggers: undefined,
    }));
    // Miniflare 5 takes its own option shape; wrangler hands out the v4 one.
    mf = new Miniflare(/** @type {any} */ (convertV4MiniflareOptions)({ workers }));
    await mf.ready;
    // Miniflare's proxies of bindings and Workers are typed loosely across its versions.
    /** @type {any} */
    const local = mf;
    const bucket = await local.getR2Bucket('MASTERS', names[0]);
    await bucket.put(`masters/${seed.key}`, seed.bytes.buffer.slice(seed.bytes.byteOffset, seed.bytes.byteOffset + seed.bytes.byteLength), { httpMetadata: { contentType: seed.contentType } });
    /** @type {Array<{ fetch(url: string): Promise<Response> }>} */
    const fetchers = await Promise.all(names.map((name) => local.getWorker(name)));
    // Warm every isolate (codecs compiled, metadata cached) on another variant of the same master.
    await Promise.all(fetchers.map(async (w, i) => (await w.fetch(`http://localhost/cdn-cgi/image/width=${20 + i},format=webp/${seed.key}`)).arrayBuffer()));
    log(`  ${isolates} isolates warm; ${requests} requests for one uncached variant`);
    const results = await Promise.all(
      Array.from({ length: requests }, async (_, i) => {
        const started = performance.now();
        const response = await /** @type {{ fetch(url: string): Promise<Response> }} */ (fetchers[i % isolates]).fetch(`http://localhost${path}`);
        await response.arrayBuffer();
        return { status: response.status, cache: response.headers.get('X-Cache') ?? '', timing: response.headers.get('Server-Timing') ?? '', ms: performance.now() - started };
      }),
    );
    /** @type {Record<string, number>} */
    const statuses = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const joined = (/** @type {string} */ t) => /(^|,\s*)coalesced\b/.test(t);
    const times = results.map((r) => r.ms).sort((a, b) => a - b);
    return {
      name: leaseMs ? `lease of ${leaseMs} ms (shorter than a transform)` : 'lease as configured',
      isolates,
      requests,
      transforms: results.filter((r) => r.status === 200 && r.cache === 'MISS' && !joined(r.timing)).length,
      coalesced: results.filter((r) => r.status === 200 && joined(r.timing)).length,
      tier: results.filter((r) => r.status === 200 && r.cache === 'TIER').length,
      statuses,
      slowestMs: Math.round(times.at(-1) ?? 0),
      medianMs: Math.round(times[Math.floor(times.length / 2)] ?? 0),
    };
  } finally {
    await mf?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
}
