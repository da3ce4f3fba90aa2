// @ts-check
// A/B of two builds of the codec module in workerd, where production runs it: bench/kernels-worker.ts is bundled
// once per module (its .wasm import pointed at that file) and started with wrangler, the two alternating, a fresh
// process each round. Each case runs `n` operations per request; the CPU of the runtime workerd per operation
// (its threads' schedstat) is taken over `requests` requests after three unmeasured ones. Outputs must match.
//
//   node bench/native/workerd-ab.mjs A.wasm B.wasm [rounds=3] [requests=11]
//       default cases, from ../shared/corpus/photos/phone-13mp.jpg (3120×4208):
//       resample 3120×4208 → 1600×2158 (held RGBA), decode-resample (the JPEG streamed at 1/1 into the resampler,
//       to 1600 wide), encode-jpeg (1600×2158, q82, progressive)
//
// Prints each round's median and minimum per case, then B ÷ A of the medians of medians and of the minimums.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import sharp from 'sharp';
import { unstable_readConfig } from 'wrangler';
import { startWorker } from '../lib/workers.mjs';
import { processCpuMs } from '../lib/transform-bench.mjs';
import { median } from '../lib/stats.mjs';
import { root } from './load-codec.mjs';

const [a, b, roundsArg = '3', requestsArg = '11'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/native/workerd-ab.mjs A.wasm B.wasm [rounds] [requests]');
  process.exit(2);
}
const rounds = Number(roundsArg), requests = Number(requestsArg);
process.env.WRANGLER_SEND_METRICS ??= 'false';
const corpus = process.env.BENCH_CORPUS ?? join(root, '..', 'shared', 'corpus');
const master = readFileSync(join(corpus, 'photos/phone-13mp.jpg'));
const full = await sharp(master).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
const small = await sharp(master).resize(1600).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
const compatibilityDate = unstable_readConfig({ config: join(root, 'wrangler.toml') }, { hideWarnings: true }).compatibility_date;

/** The kernel worker bundled with `wasm` as its module, in a directory of its own. */
async function prepare(wasm) {
  const dir = mkdtempSync(join(tmpdir(), 'workerd-ab-'));
  copyFileSync(resolve(wasm), join(dir, 'scaled.wasm'));
  await build({
    entryPoints: [join(root, 'bench/kernels-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile: join(dir, 'worker.js'),
    logLevel: 'error',
    plugins: [{ name: 'module', setup: (b) => b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './scaled.wasm', external: true })) }],
  });
  writeFileSync(
    join(dir, 'wrangler.toml'),
    `name = "workerd-ab"\nmain = "worker.js"\nno_bundle = true\ncompatibility_flags = ["nodejs_compat"]\n` +
      `[[rules]]\ntype = "CompiledWasm"\nglobs = ["**/*.wasm"]\n`,
  );
  return dir;
}

const cases = [
  { name: 'resample 3120×4208 → 1600×2158', input: 'rgba-full', path: '/resample?dw=1600&dh=2158&n=2' },
  { name: 'decode 1/1 + resample → 1600', input: 'jpeg', path: '/decode-resample?denom=1&dw=1600&n=2' },
  { name: 'encode JPEG 1600×2158', input: 'rgba-small', path: '/encode-jpeg?q=82&n=2' },
];

/** One round of every case in a fresh worker: { case → { median, min, sum } } per operation. */
async function round(dir) {
  const worker = await startWorker({ name: 'workerd-ab', config: join(dir, 'wrangler.toml'), persist: false, compatibilityDate });
  try {
    const post = async (path, body) => {
      const response = await fetch(new URL(path, worker.direct), { method: 'POST', body });
      if (!response.ok) throw new Error(`${path}: ${await response.text()}`);
    };
    /** @type {Record<string, { median: number, min: number, sum: string }>} */
    const out = {};
    for (const c of cases) {
      if (c.input === 'jpeg') await post('/jpeg', master);
      else {
        const image = c.input === 'rgba-full' ? full : small;
        await post(`/rgba?w=${image.info.width}&h=${image.info.height}`, image.data);
      }
      const n = Number(new URL(c.path, 'http://x').searchParams.get('n'));
      const run = async () => {
        const response = await fetch(new URL(c.path, worker.direct));
        const text = await response.text();
        if (!response.ok) throw new Error(`${c.path}: ${text}`);
        return text;
      };
      for (let i = 0; i < 3; i++) await run();
      const cpu = [];
      let sum = '';
      for (let i = 0; i < requests; i++) {
        const before = processCpuMs(worker.runtimePid);
        sum = await run();
        cpu.push((processCpuMs(worker.runtimePid) - before) / n);
      }
      out[c.name] = { median: median(cpu), min: Math.min(...cpu), sum };
    }
    return out;
  } finally {
    await worker.dispose();
  }
}

const dirs = [await prepare(a), await prepare(b)];
try {
  /** @type {Array<Array<Record<string, { median: number, min: number, sum: string }>>>} */
  const results = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (const i of r % 2 ? [1, 0] : [0, 1]) {
      const got = await round(dirs[i]);
      results[i].push(got);
      console.log(`round ${r + 1} ${i ? 'B' : 'A'}: ${cases.map((c) => `${c.name} ${got[c.name].median.toFixed(2)} (min ${got[c.name].min.toFixed(2)})`).join('; ')}`);
    }
  }
  console.log('\n| case | A ms (median; min) | B ms (median; min) | B ÷ A (median; min) | same output |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const c of cases) {
    const [ma, mb] = results.map((rs) => median(rs.map((x) => x[c.name].median)));
    const [na, nb] = results.map((rs) => Math.min(...rs.map((x) => x[c.name].min)));
    const same = results[0][0][c.name].sum === results[1][0][c.name].sum;
    console.log(`| ${c.name} | ${ma.toFixed(2)}; ${na.toFixed(2)} | ${mb.toFixed(2)}; ${nb.toFixed(2)} | ×${(mb / ma).toFixed(3)}; ×${(nb / na).toFixed(3)} | ${same ? 'yes' : 'NO'} |`);
  }
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
