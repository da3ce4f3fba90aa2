// @ts-check
/**
 * `npm run bench [-- --quick] [-- --only=transform,hits,memory,stampede,signed] [-- --runs=N] [-- --pin=CPU] [-- --rows=avif,png,every-format] [-- --count=N] [-- --cases=master:width:format,…]`: transform cost against
 * sharp, cache-hit speed against a bare response, memory per transform, stampede coalescing, and a signed hit against
 * an unsigned one. Prints
 * markdown tables and writes bench/results/<date>.json. Never part of `npm test`. See bench/README.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { unstable_readConfig } from 'wrangler';
import { benchHits } from './lib/hits.mjs';
import { measureVary } from './lib/vary.mjs';
import { stampedeOverIsolates } from './lib/isolates.mjs';
import { avifMaster, corpusAvailable, corpusMaster, pngMaster, upscaledMaster } from './lib/masters.mjs';
import { memoryMixed, memoryPerMaster } from './lib/memory.mjs';
import { avifSpeedTable, hitsTable, isolatesTable, machineLine, memoryTable, stampedeTable, transformTable, varyTable } from './lib/report.mjs';
import { seedMasters } from './lib/seed.mjs';
import { BENCH_SIGNING_KEYS, benchSigned, signedTable } from './lib/signed.mjs';
import { snapshotSources } from './lib/snapshot.mjs';
import { stampede } from './lib/stampede.mjs';
import { round } from './lib/stats.mjs';
import { benchTransforms } from './lib/transform-bench.mjs';
import { benchPrepass, prepassTable } from './lib/prepass.mjs';
import { ManagedWorker, pinToCpu } from './lib/workers.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const sections = ['hits', 'vary', 'stampede', 'isolates', 'transform', 'prepass', 'memory', 'signed'];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = (args.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? sections).filter((s) => sections.includes(s));
const runs = Math.max(5, Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5));
// --count=N: how many transforms the in-a-row runs make (default 100, 20 with --quick), between 20 and 1000.
const inARowCount = args.find((a) => a.startsWith('--count='))?.slice(8);
// --rows=avif,png (or --masters=): only the memory rows whose master id contains one of these; the runs of 100
// transforms in a row only when named: --rows=every-format, --rows=webp-outputs (or --rows=in-a-row for both);
// --rows=big-sessions (only when named): transforms whose codec sessions are 40-60 MiB, near and past the idle-session
// limit, between a 22 MB PNG and a 13 MP JPEG;
// --controls adds the "every format" run with gc() after each transform and with a no-op pipeline (bench/README.md).
const rowFilter = args.find((a) => a.startsWith('--rows=') || a.startsWith('--masters='))?.replace(/^--(rows|masters)=/, '').split(',');
const mixedRowNames = ['every-format', 'webp-outputs', 'in-a-row', 'big-sessions'];
/** @param {string} name  a run of transforms in a row ('WebP outputs', 'every format') */
const mixedRowWanted = (name) => !rowFilter || rowFilter.some((part) => part === 'in-a-row' || part === name.toLowerCase().replace(/\W+/g, '-'));
const masterRowsWanted = !rowFilter || rowFilter.some((part) => !mixedRowNames.includes(part));
const memoryMasters = rowFilter;
// --cases=jpeg-13mp:1600:webp,png-alpha-4.1mp (master id[:width[:format]]): only the transform cases that match one.
const caseFilter = args.find((a) => a.startsWith('--cases='))?.slice(8).split(',').map((c) => c.split(':')) ?? null;
// --pin=N: this process and every workerd it starts run on CPU N only (lib/workers.mjs, pinToCpu).
const pinArg = args.find((a) => a.startsWith('--pin='))?.slice(6);
const pin = pinArg === undefined ? null : Number(pinArg);
if (pin !== null) {
  if (!Number.isInteger(pin) || pin < 0) throw new Error(`--pin needs a CPU number, not ${pinArg}`);
  pinToCpu(process.pid, pin);
  process.env.BENCH_PIN_CPU = String(pin);
}
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
  // Our side receives each master into memory the bench worker has touched before, as sharp's side has it in a Buffer
  // read once (bench/worker.ts, receiveHeld): a fresh buffer's first touch costs ~11 µs per 4 KiB page on this machine.
  for (const c of cases) c.held = true;
  if (!caseFilter) return cases;
  return cases.filter((c) => caseFilter.some(([id, width, format]) => c.master.id === id && (!width || c.width === Number(width)) && (!format || c.format === format) && (c.format !== 'avif' || c.speed === avifSpeed)));
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
  settings: { runs, quality, avifSpeed, compatibilityDate, pin, ssim: 'mean SSIM on BT.601 luma, 11×11 Gaussian window σ=1.5, valid region' },
  /** @type {import('./lib/transform-bench.mjs').TransformRow[] | null} */ transforms: null,
  /** @type {import('./lib/hits.mjs').HitResult | null} */ hits: null,
  /** @type {{ perMaster: import('./lib/memory.mjs').OneTransformMemory[], mixed: Array<import('./lib/memory.mjs').MixedMemory & { name: string }> } | null} */ memory: null,
  /** @type {import('./lib/stampede.mjs').StampedeResult[] | null} */ stampede: null,
  /** @type {import('./lib/vary.mjs').VaryResult | null} */ vary: null,
  /** @type {import('./lib/isolates.mjs').IsolateStampede[] | null} */ isolates: null,
  /** @type {import('./lib/signed.mjs').SignedResult | null} */ signed: null,
  /** @type {import('./lib/prepass.mjs').PrepassRow[] | null} */ prepass: null,
  headlines: { transform: '', hits: '', memory: '', signed: '' },
  markdown: '',
  seconds: 0,
  /** How often a worker's runtime had gone and was started again. */
  restarts: 0,
};

const bench = new ManagedWorker({ name: 'bench', config: BENCH_CONFIG, persist: false, compatibilityDate, vars });
const real = new ManagedWorker({ name: 'worker', config: ROOT_CONFIG, persist: join(temp, 'state') });
// The same worker and storage with the in-isolate metadata memo off: every hit then asks the Cache API twice.
const realNoMemo = new ManagedWorker({ name: 'worker (no memo)', config: ROOT_CONFIG, persist: join(temp, 'state-no-memo'), vars: { META_MEMO_TTL: '0' } });
// The same worker with signatures checked when present, on the same local R2, run after `real` stops.
const signedReal = new ManagedWorker({ name: 'signed', config: ROOT_CONFIG, persist: join(temp, 'state'), vars: { SIGNED_URLS: 'optional', SIGNING_KEYS: BENCH_SIGNING_KEYS } });
try {
  if (only.includes('hits') || only.includes('vary') || only.includes('stampede') || only.includes('signed')) {
    log("seeding the real worker's local R2 and starting it (root wrangler.toml)");
    const seeded = [{ key: 'bench/storm.jpg', master: masters.jpeg2 }, { key: 'bench/storm-cold.jpg', master: masters.jpeg2 }];
    await seedMasters({ config: ROOT_CONFIG, persist: join(temp, 'state'), masters: seeded });
    if (only.includes('hits')) await seedMasters({ config: ROOT_CONFIG, persist: join(temp, 'state-no-memo'), masters: seeded });
  }
  if (only.includes('hits')) {
    log('cache hits: a cached variant against a same-size static body');
    result.hits = await benchHits({
      real,
      realNoMemo,
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
  if (only.includes('vary')) {
    log('vary: one format=auto variant under the Accept values browsers and clients send');
    result.vary = await measureVary({ base: (await real.ensure()).direct, path: '/cdn-cgi/image/width=400,format=auto/bench/storm.jpg' });
    log(`  ${result.vary.acceptValues} Accept values, ${result.vary.formats} formats: ×${result.vary.fragmentation}`);
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
  await realNoMemo.dispose();
  if (only.includes('isolates')) {
    log('isolates: 50 requests for one uncached variant dealt over 3 isolates sharing R2 and the lease namespace');
    const options = {
      config: ROOT_CONFIG,
      isolates: 3,
      requests: 50,
      seed: { key: 'bench/storm.jpg', bytes: masters.jpeg2.bytes, contentType: 'image/jpeg' },
      path: '/cdn-cgi/image/width=1200,quality=79,format=webp/bench/storm.jpg',
      log,
    };
    // The baseline: a lease that runs out before the transform ends, so every isolate makes the variant itself.
    result.isolates = [await stampedeOverIsolates(options), await stampedeOverIsolates({ ...options, leaseMs: '100' })];
    for (const s of result.isolates) {
      log(`  ${s.name}: ${s.transforms} transforms ran, ${s.coalesced} coalesced in-isolate, ${s.tier} read the tier after another isolate's lease; slowest ${s.slowestMs} ms, median ${s.medianMs} ms; ${JSON.stringify(s.statuses)}`);
    }
  }
  if (only.includes('signed')) {
    log('signed: a cached variant under a signed URL against the same under its unsigned URL (SIGNED_URLS=optional)');
    result.signed = await benchSigned({
      worker: signedReal,
      key: 'bench/storm.jpg',
      options: 'width=800,format=auto',
      headers: { Accept: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8' },
      secondsPerRound: quick ? 2 : 3,
      rounds: quick ? 8 : 20,
      log,
    });
  }
  await signedReal.dispose();
  if (only.includes('transform')) {
    const cases = transformCases();
    log(`transform cost: ${cases.length} cases × ${runs} runs, ours and sharp interleaved`);
    result.transforms = await benchTransforms({ worker: bench, cases, runs, log });
  }
  if (only.includes('prepass')) {
    log(`prepass: gravity=auto and trim=border against the same transform without them, ${runs} runs each, interleaved`);
    const list = quick ? [masters.jpeg13, masters.png] : [masters.jpeg2, masters.jpeg13, masters.png, masters.webp];
    result.prepass = await benchPrepass({ worker: bench, masters: list, runs, quality: quality.webp, log });
  }
  await bench.dispose();
  if (only.includes('memory')) {
    log('memory: one 1600 px transform per master, each on a fresh isolate');
    /** @type {Parameters<typeof memoryPerMaster>[0]['masters']} */
    const list = [];
    // --rows=avif: only the AVIF master rows (the others are not even made).
    if (masterRowsWanted && (!rowFilter || !rowFilter.every((part) => part === 'avif'))) {
      list.push(masters.jpeg2, masters.jpeg13);
      if (!quick) list.push(await upscaledMaster(masters.jpeg13, 24, temp), await upscaledMaster(masters.jpeg13, 48, temp), await upscaledMaster(masters.jpeg13, 100, temp));
      // The large progressive rows (kept in --quick too: they are what native/src/progressive.c is for).
      list.push(await upscaledMaster(masters.jpeg13, 24, temp, { progressive: true }), await upscaledMaster(masters.jpeg13, 48, temp, { progressive: true }));
      // The large PNG rows: a 5120×2880 screenshot with alpha and a 50 MP RGB PNG (the bench worker takes the bytes
      // from the request, so MAX_INPUT_BYTES does not apply to them here).
      list.push(await pngMaster(masters.jpeg13, 5120, 2880, true, temp), await pngMaster(masters.jpeg13, 10000, 5000, false, temp));
      list.push({ master: masters.webp, format: /** @type {const} */ ('avif'), quality: quality.avif, speed: avifSpeed });
    }
    // AVIF masters, decoded in the codec session (YUV whole, RGBA a strip at a time): a 4.7 MP 8-bit one (what the
    // old whole-image decoder could serve) and the 14 MP 10-bit one with alpha a camera or design tool makes. (With
    // libaom's decoder, the 4.7 MP file declared as having alpha went whole to jSquash, the baseline row; with dav1d's
    // smaller state every AVIF within MAX_INPUT_PIXELS fits the session, so that row would measure the session again.
    // The old module against this one: `OLD=old.wasm node bench/native/avif-decode.mjs file.avif`, same process.)
    for (const [width, height, depth, alpha] of masterRowsWanted ? /** @type {const} */ ([[2656, 1770, 8, false], [4592, 3056, 10, true]]) : []) {
      const avif = await avifMaster(masters.jpeg13, width, height, depth, alpha, temp, log);
      if (avif) list.push(avif);
    }
    const chosen = rowFilter ? list.filter((entry) => rowFilter.some((part) => ('master' in entry ? entry.master : entry).id.includes(part))) : list;
    const perMaster = await memoryPerMaster({ config: BENCH_CONFIG, compatibilityDate, vars, masters: chosen, log });
    const count = inARowCount ? Math.min(1000, Math.max(20, Math.round(Number(inARowCount)) || 100)) : quick ? 20 : 100;
    const mixedRuns = [
      { name: 'WebP outputs', mix: `${webpMasters.length} masters (${webpMasters.map((m) => m.id).join(', ')}); 320–1600 px WebP`, cases: mixedCases(webpMasters, () => 'webp') },
      {
        name: 'every format',
        mix: `${mixedMasters.length} masters (${mixedMasters.map((m) => m.id).join(', ')}); 320–1600 px; AVIF where format=auto would pick it, else WebP; every third JPEG`,
        cases: mixedCases(mixedMasters, autoFormat),
      },
    ];
    if (rowFilter?.includes('big-sessions')) {
      const big = [
        tcase(masters.webp, 1600, 'avif'),
        tcase(await pngMaster(masters.jpeg13, 5120, 2880, true, temp), 1600, 'webp'),
        tcase(masters.jpeg5, 1600, 'avif'),
        tcase(await upscaledMaster(masters.jpeg13, 48, temp, { progressive: true }), 1600, 'webp'),
        tcase(masters.jpeg13, 1600, 'jpeg'),
      ];
      mixedRuns.push({ name: 'big sessions', mix: '1600 px: webp-16.8mp → AVIF (52.8 MiB session), a 5120×2880 PNG with alpha → WebP, jpeg-4.9mp → AVIF (40.8 MiB), a 48 MP progressive JPEG → WebP (58.6 MiB), jpeg-13mp → JPEG', cases: big });
    }
    const mixed = [];
    for (const run of mixedRuns.filter((r) => r.name === 'big sessions' || mixedRowWanted(r.name))) mixed.push({ name: run.name, ...(await memoryMixed({ config: BENCH_CONFIG, compatibilityDate, vars, cases: run.cases, count, mix: run.mix, log })) });
    // --controls: the "every format" run again with a full collection after every transform (V8's --expose-gc), and
    // the same requests to a no-op pipeline, with and without: which part of a trend is ours, which the runtime's.
    if (args.includes('--controls')) {
      const run = /** @type {(typeof mixedRuns)[number]} */ (mixedRuns[1]);
      for (const [name, control] of /** @type {const} */ ([['gc() after each', { gc: true }], ['no-op pipeline', { noop: true }], ['no-op pipeline, gc() after each', { noop: true, gc: true }], ["no-op, the stream's own reader, gc() after each", { noop: 'plain', gc: true }]])) {
        mixed.push({ name: `${run.name}, ${name}`, ...(await memoryMixed({ config: BENCH_CONFIG, compatibilityDate, vars, cases: run.cases, count, mix: `${run.mix}; ${name}`, log, ...control })) });
      }
    }
    result.memory = { perMaster, mixed };
  }
} finally {
  result.restarts = bench.restarts + real.restarts + signedReal.restarts;
  await real.dispose();
  await realNoMemo.dispose();
  await signedReal.dispose();
  await bench.dispose();
  rmSync(temp, { recursive: true, force: true });
}

result.machine.loadAverageEnd = loadavg().map((l) => round(l, 1));
result.seconds = round((performance.now() - began) / 1000, 0);

const headline = result.transforms?.find((r) => r.master === masters.jpeg13.id && r.width === 1600 && r.format === 'webp');
result.headlines.transform = headline?.ours && headline.sharp ? `12 MP JPEG → 1600 px WebP: ours ${headline.ours.medianMs} ms, sharp ${headline.sharp.medianMs} ms: ×${headline.ratio}` : 'not measured';
const direct = result.hits?.pairs[0];
result.headlines.hits = direct
  ? `cache hit ${direct.hit.rps} req/s: ×${direct.floor1Ratio} of one bare Cache API lookup (${direct.floor1.rps} req/s), ×${direct.rpsRatio} of a bare response (${direct.bare.rps} req/s); without the metadata memo ${direct.hitNoMemo.rps} req/s (memo ×${direct.memoGain})`
  : 'not measured';
const twelve = result.memory?.perMaster.find((r) => r.master === masters.jpeg13.id && r.format === 'webp');
result.headlines.signed = result.signed ? `signed hit ÷ unsigned hit: ×${result.signed.medianRatio} req/s (median of ${result.signed.rounds.length} rounds; the HMAC costs ${result.signed.costPercent} % of a hit)` : 'not measured';
result.headlines.memory = twelve ? `12 MP master → 1600 px WebP: peak resident growth ${twelve.peakGrowthMB} MB` : 'not measured';

const code = `${snapshot.commit}${snapshot.changedInSrc.length ? ` + ${snapshot.changedInSrc.length} uncommitted changes in src/` : ''}`;
const restarts = result.restarts ? ` A worker's runtime went away ${result.restarts}× during the run and was started again.` : '';
const parts = [`**Machine**: ${machineLine(result.machine)}. Code: ${code}. Mode: ${result.mode}, ${result.seconds} s.${restarts}`, '', '**Headlines**', '', `- ${result.headlines.transform}`, `- ${result.headlines.hits}`, `- ${result.headlines.memory}`, `- ${result.headlines.signed}`];
if (result.transforms) {
  parts.push('', `**Transform cost** (median of ${runs} runs each; ours = transform() in workerd, sharp = libvips on one thread; SSIM against a libvips Lanczos-3 downscale)`, '', transformTable(result.transforms, avifSpeed));
  parts.push('', '**AVIF speed** (ours: libavif speed; sharp: effort 9 − speed)', '', avifSpeedTable(result.transforms));
}
if (result.prepass) parts.push('', `**Pre-pass** (median of ${runs} runs each, interleaved; time in transform() with the pre-pass included)`, '', prepassTable(result.prepass));
if (result.hits) parts.push('', `**Cache hits** (\`${result.hits.path}\`, ${kbOf(result.hits.bodyBytes)} ${result.hits.contentType}, ${result.hits.connections} keep-alive connections)`, '', hitsTable(result.hits));
if (result.vary) parts.push('', `**Vary: Accept in Workers Cache** (\`${result.vary.path}\`)`, '', varyTable(result.vary));
if (result.memory) parts.push('', '**Memory** (resident growth of the runtime workerd; one 1600 px transform on a fresh isolate, warmed by one tiny WebP transform)', '', memoryTable(result.memory.perMaster, result.memory.mixed));
if (result.isolates) {
  parts.push('', `**Stampede over ${result.isolates[0]?.isolates} isolates** (${result.isolates[0]?.requests} requests dealt round-robin, one uncached variant, shared R2 tier and lease)`, '', isolatesTable(result.isolates));
}
if (result.signed) parts.push('', `**Signed URLs** (\`${result.signed.path}\` unsigned and signed, both cache hits on one entry, sent in turn on one keep-alive connection; ${result.signed.rounds.length} rounds, ${result.signed.secondsPerSide} s per side)`, '', signedTable(result.signed));
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
