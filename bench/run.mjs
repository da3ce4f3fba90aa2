// @ts-check
/**
 * `npm run bench [-- --quick] [-- --only=transform,hits,memory,stampede] [-- --runs=N]`: transform cost against
 * sharp, cache-hit speed against a bare response, memory per transform, and stampede coalescing. Prints
 * markdown tables and writes bench/results/<date>.json. Never part of `npm test`. See bench/README.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { unstable_readConfig } from 'wrangler';
import { benchHits } from './lib/hits.mjs';
import { corpusAvailable, corpusMaster, pngMaster, upscaledMaster } from './lib/masters.mjs';
import { memoryMixed, memoryPerMaster } from './lib/memory.mjs';
import { avifSpeedTable, hitsTable, machineLine, memoryTable, stampedeTable, transformTable } from './lib/report.mjs';
import { seedMasters } from './lib/seed.mjs';
import { snapshotSources } from './lib/snapshot.mjs';
import { stampede } from './lib/stampede.mjs';
import { round } from './lib/stats.mjs';
import { benchTransforms } from './lib/transform-bench.mjs';
import { ManagedWorker } from './lib/workers.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const sections = ['hits', 'stampede', 'transform', 'memory'];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = (args.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? sections).filter((s) => sections.includes(s));
const runs = Math.max(5, Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5));
process.env.WRANGLER_SEND_METRICS = 'false';
// Quiets wrangler's start-up chatter (it cannot fetch Request.cf data offline and says so for every worker).
process.env.WRANGLER_LOG ??= 'error';

const began = performance.now();
/** @param {string} line */
function log(line) {
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
}

if (!corpusAvailable()) {
  console.error('bench: the shared corpus (../shared/corpus or $BENCH_CORPUS) is absent; the bench measures real photos only.');
  process.exit(1);
}

const temp = mkdtempSync(join(tmpdir(), 'edge-image-bench-'));
process.on('exit', () => rmSync(temp, { recursive: true, force: true }));
const snapshot = snapshotSources(ROOT, join(temp, 'code'));
const ROOT_CONFIG = snapshot.rootConfig;
const BENCH_CONFIG = snapshot.benchConfig;
log(`measuring a snapshot of src/ at ${snapshot.commit}${snapshot.changedInSrc.length ? ` with ${snapshot.changedInSrc.length} uncommitted changes` : ''}`);

// Production's own defaults, so the bench measures what the worker would do.
const rootConfig = unstable_readConfig({ config: ROOT_CONFIG }, { hideWarnings: true });
const vars = /** @type {Record<string, string>} */ (rootConfig.vars);
const compatibilityDate = rootConfig.compatibility_date ?? '';
const benchDate = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(BENCH_CONFIG, 'utf8'))?.[1];
if (benchDate !== compatibilityDate) log(`note: bench/wrangler.toml says ${benchDate}, the worker ${compatibilityDate}; the bench worker runs with ${compatibilityDate}`);
const quality = { webp: Number(vars.QUALITY_WEBP ?? 80), avif: Number(vars.QUALITY_AVIF ?? 60), jpeg: Number(vars.QUALITY_JPEG ?? 82) };
const avifSpeed = Number(vars.AVIF_SPEED ?? 8);
const otherSpeeds = [6, 10].filter((s) => s !== avifSpeed);

const masters = {
  jpeg2: corpusMaster('jpeg-2.5mp', 'photos/Storm.jpg'),
  // The corpus has no ~6 MP JPEG; Wood.jpg (4.9 MP) is the nearest below, the next ones up are 13–18 MP.
  jpeg5: corpusMaster('jpeg-4.9mp', 'photos/Wood.jpg'),
  jpeg13: corpusMaster('jpeg-13mp', 'photos/phone-13mp.jpg'),
  png: corpusMaster('png-alpha-4.1mp', 'alpha/flyingkonqui-2560x1600-alpha.png'),
  webp: corpusMaster('webp-16.8mp', 'webp/wood-4096x4096.webp'),
};

/** @typedef {import('./lib/ours.mjs').TransformCase} TransformCase */
/** @type {(master: import('./lib/masters.mjs').Master, width: number, format: 'webp' | 'avif' | 'jpeg', speed?: number) => TransformCase} */
const tcase = (master, width, format, speed = avifSpeed) => ({ master, width, format, quality: quality[format], speed });

function transformCases() {
  const list = quick ? [masters.jpeg2, masters.jpeg13] : [masters.jpeg2, masters.jpeg5, masters.jpeg13, masters.png, masters.webp];
  /** @type {TransformCase[]} */
  const cases = [];
  for (const master of list) for (const width of [800, 1600]) for (const format of /** @type {const} */ (['webp', 'avif', 'jpeg'])) cases.push(tcase(master, width, format));
  const sweep = quick ? [[masters.jpeg2, 800]] : [[masters.jpeg2, 800], [masters.jpeg2, 1600], [masters.jpeg13, 800]];
  for (const [master, width] of /** @type {Array<[import('./lib/masters.mjs').Master, number]>} */ (sweep)) {
    for (const speed of otherSpeeds) cases.push(tcase(master, width, 'avif', speed));
  }
  return cases;
}

/** The mix for the memory run: real masters of every input format, sizes and formats as `format=auto` picks them. */
const mixedMasters = [
  masters.jpeg2,
  masters.jpeg5,
  masters.png,
  corpusMaster('jpeg-3.4mp', 'photos/flower-q85-420.jpg'),
  corpusMaster('jpeg-4.1mp-icc', 'photos/colorfulcups-icc-progressive.jpg'),
  masters.jpeg13,
];

/** JPEG and WebP masters, the ones that shrink on load, for a run of WebP outputs only. */
const webpMasters = [masters.jpeg2, masters.jpeg5, corpusMaster('jpeg-3.4mp', 'photos/flower-q85-420.jpg'), masters.jpeg13, masters.webp];

/**
 * @param {number} i  the case's index
 * @param {import('./lib/masters.mjs').Master} master
 * @param {number} width
 * @param {number} perRound  masters per round of widths
 * @returns {'webp' | 'avif' | 'jpeg'}
 */
function autoFormat(i, master, width, perRound) {
  const pixels = width * Math.round((width * master.height) / master.width);
  return (i + Math.floor(i / perRound)) % 3 === 2 ? 'jpeg' : pixels <= Number(vars.AVIF_MAX_PIXELS ?? 1_500_000) ? 'avif' : 'webp';
}

/**
 * Every master at every width, in an order that mixes them.
 * @param {import('./lib/masters.mjs').Master[]} list
 * @param {(i: number, master: import('./lib/masters.mjs').Master, width: number, perRound: number) => 'webp' | 'avif' | 'jpeg'} formatOf
 */
function mixedCases(list, formatOf) {
  const widths = [320, 640, 800, 1200, 1600];
  /** @type {TransformCase[]} */
  const cases = [];
  for (let i = 0; i < list.length * widths.length; i++) {
    const master = /** @type {import('./lib/masters.mjs').Master} */ (list[i % list.length]);
    const width = /** @type {number} */ (widths[Math.floor(i / list.length) % widths.length]);
    cases.push(tcase(master, width, formatOf(i, master, width, list.length)));
  }
  return cases;
}

function machine() {
  const version = (/** @type {string} */ pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  return {
    nproc: cpus().length,
    cpu: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown',
    memoryGB: round(totalmem() / 1e9, 1),
    node: process.versions.node,
    workerd: version('workerd'),
    wrangler: version('wrangler'),
    sharp: sharp.versions.sharp ?? '',
    libvips: sharp.versions.vips,
    loadAverageStart: loadavg().map((l) => round(l, 1)),
    loadAverageEnd: /** @type {number[]} */ ([]),
  };
}

const result = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  machine: machine(),
  code: { commit: snapshot.commit, changedInSrc: snapshot.changedInSrc },
  settings: { runs, quality, avifSpeed, compatibilityDate, ssim: 'mean SSIM on BT.601 luma, 11×11 Gaussian window σ=1.5, valid region' },
  /** @type {import('./lib/transform-bench.mjs').TransformRow[] | null} */ transforms: null,
  /** @type {import('./lib/hits.mjs').HitResult | null} */ hits: null,
  /** @type {{ perMaster: import('./lib/memory.mjs').OneTransformMemory[], mixed: Array<import('./lib/memory.mjs').MixedMemory & { name: string }> } | null} */ memory: null,
  /** @type {import('./lib/stampede.mjs').StampedeResult[] | null} */ stampede: null,
  headlines: { transform: '', hits: '', memory: '' },
  markdown: '',
  seconds: 0,
  /** How often a worker's runtime had gone and was started again. */
  restarts: 0,
};

const bench = new ManagedWorker({ name: 'bench', config: BENCH_CONFIG, persist: false, compatibilityDate, vars });
const real = new ManagedWorker({ name: 'worker', config: ROOT_CONFIG, persist: join(temp, 'state') });
try {
  if (only.includes('hits') || only.includes('stampede')) {
    log("seeding the real worker's local R2 and starting it (root wrangler.toml)");
    const seeded = [{ key: 'bench/storm.jpg', master: masters.jpeg2 }, { key: 'bench/storm-cold.jpg', master: masters.jpeg2 }];
    await seedMasters({ config: ROOT_CONFIG, persist: join(temp, 'state'), masters: seeded });
  }
  if (only.includes('hits')) {
    log('cache hits: a cached variant against a same-size static body');
    result.hits = await benchHits({
      real,
      bench,
      path: '/cdn-cgi/image/width=800,format=auto/bench/storm.jpg',
      headers: { Accept: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8' },
      connections: 2,
      seconds: quick ? 4 : 10,
      proxySeconds: quick ? 0 : 4,
      rounds: 2,
      log,
    });
  }
  if (only.includes('stampede')) {
    log('stampede: 50 concurrent requests for one uncached variant');
    const path = (/** @type {string} */ key) => `/cdn-cgi/image/width=1200,quality=79,format=webp/${key}`;
    const warmMeta = (await real.ensure()).direct;
    await (await fetch(new URL('/cdn-cgi/image/format=json/bench/storm.jpg', warmMeta))).arrayBuffer();
    result.stampede = [
      await stampede({ name: 'master metadata already cached', base: (await real.ensure()).direct, path: path('bench/storm.jpg'), requests: 50 }),
      await stampede({ name: 'nothing cached (cold master)', base: (await real.ensure()).direct, path: path('bench/storm-cold.jpg'), requests: 50 }),
    ];
    for (const s of result.stampede) log(`  ${s.name}: ${s.transforms} transforms ran, ${s.coalesced} coalesced, ${s.hits} hits, ${JSON.stringify(s.statuses)}`);
  }
  await real.dispose();
  if (only.includes('transform')) {
    const cases = transformCases();
    log(`transform cost: ${cases.length} cases × ${runs} runs, ours and sharp interleaved`);
    result.transforms = await benchTransforms({ worker: bench, cases, runs, log });
  }
  await bench.dispose();
  if (only.includes('memory')) {
    log('memory: one 1600 px transform per master, each on a fresh isolate');
    /** @type {Parameters<typeof memoryPerMaster>[0]['masters']} */
    const list = [masters.jpeg2, masters.jpeg13];
    if (!quick) list.push(await upscaledMaster(masters.jpeg13, 24, temp), await upscaledMaster(masters.jpeg13, 48, temp), await upscaledMaster(masters.jpeg13, 100, temp));
    // Issue 13's progressive rows (kept in --quick too: they are what native/progressive.c is for).
    list.push(await upscaledMaster(masters.jpeg13, 24, temp, { progressive: true }), await upscaledMaster(masters.jpeg13, 48, temp, { progressive: true }));
    // Issue 13's PNG rows: a 5120×2880 screenshot with alpha and a 50 MP RGB PNG (the bench worker takes the bytes
    // from the request, so MAX_INPUT_BYTES does not apply to them here).
    list.push(await pngMaster(masters.jpeg13, 5120, 2880, true, temp), await pngMaster(masters.jpeg13, 10000, 5000, false, temp));
    list.push({ master: masters.webp, format: 'avif', quality: quality.avif, speed: avifSpeed });
    const perMaster = await memoryPerMaster({ config: BENCH_CONFIG, compatibilityDate, vars, masters: list, log });
    const count = quick ? 20 : 100;
    const mixedRuns = [
      { name: 'WebP outputs', mix: `${webpMasters.length} masters (${webpMasters.map((m) => m.id).join(', ')}); 320–1600 px WebP`, cases: mixedCases(webpMasters, () => 'webp') },
      {
        name: 'every format',
        mix: `${mixedMasters.length} masters (${mixedMasters.map((m) => m.id).join(', ')}); 320–1600 px; AVIF where format=auto would pick it, else WebP; every third JPEG`,
        cases: mixedCases(mixedMasters, autoFormat),
      },
    ];
    const mixed = [];
    for (const run of mixedRuns) mixed.push({ name: run.name, ...(await memoryMixed({ config: BENCH_CONFIG, compatibilityDate, vars, cases: run.cases, count, mix: run.mix, log })) });
    result.memory = { perMaster, mixed };
  }
} finally {
  result.restarts = bench.restarts + real.restarts;
  await real.dispose();
  await bench.dispose();
  rmSync(temp, { recursive: true, force: true });
}

result.machine.loadAverageEnd = loadavg().map((l) => round(l, 1));
result.seconds = round((performance.now() - began) / 1000, 0);

const headline = result.transforms?.find((r) => r.master === masters.jpeg13.id && r.width === 1600 && r.format === 'webp');
result.headlines.transform = headline?.ours && headline.sharp ? `12 MP JPEG → 1600 px WebP: ours ${headline.ours.medianMs} ms, sharp ${headline.sharp.medianMs} ms: ×${headline.ratio}` : 'not measured';
const direct = result.hits?.pairs[0];
result.headlines.hits = direct ? `cache hit ${direct.hit.rps} req/s vs bare ${direct.bare.rps} req/s: ×${direct.rpsRatio} (p50 ${direct.hit.p50Ms} vs ${direct.bare.p50Ms} ms)` : 'not measured';
const twelve = result.memory?.perMaster.find((r) => r.master === masters.jpeg13.id && r.format === 'webp');
result.headlines.memory = twelve ? `12 MP master → 1600 px WebP: peak resident growth ${twelve.peakGrowthMB} MB` : 'not measured';

const code = `${snapshot.commit}${snapshot.changedInSrc.length ? ` + ${snapshot.changedInSrc.length} uncommitted changes in src/` : ''}`;
const restarts = result.restarts ? ` A worker's runtime went away ${result.restarts}× during the run and was started again.` : '';
const parts = [`**Machine**: ${machineLine(result.machine)}. Code: ${code}. Mode: ${result.mode}, ${result.seconds} s.${restarts}`, '', '**Headlines**', '', `- ${result.headlines.transform}`, `- ${result.headlines.hits}`, `- ${result.headlines.memory}`];
if (result.transforms) {
  parts.push('', `**Transform cost** (median of ${runs} runs each; ours = transform() in workerd, sharp = libvips on one thread; SSIM against a libvips Lanczos-3 downscale)`, '', transformTable(result.transforms, avifSpeed));
  parts.push('', '**AVIF speed** (ours: libavif speed; sharp: effort 9 − speed)', '', avifSpeedTable(result.transforms));
}
if (result.hits) parts.push('', `**Cache hits** (\`${result.hits.path}\`, ${kbOf(result.hits.bodyBytes)} ${result.hits.contentType}, ${result.hits.connections} keep-alive connections)`, '', hitsTable(result.hits));
if (result.memory) parts.push('', '**Memory** (resident growth of the runtime workerd; one 1600 px transform on a fresh isolate, warmed by one tiny WebP transform)', '', memoryTable(result.memory.perMaster, result.memory.mixed));
if (result.stampede) parts.push('', '**Stampede** (50 concurrent requests, one uncached variant, one isolate)', '', stampedeTable(result.stampede));
result.markdown = parts.join('\n');

mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
const file = join(ROOT, 'bench/results', `${result.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
console.log(result.markdown);
log(`wrote ${file}`);

/** @param {number} bytes */
function kbOf(bytes) {
  return `${(bytes / 1000).toFixed(1)} kB`;
}
