// @ts-check
/**
 * `npm run bench:animation`: a 100-frame animated GIF → 320 px animated WebP, ours (`transform()` in the bench worker,
 * workerd) against sharp (`animated: true`, one thread, WebP q80 effort 4 as ours), in the same run: median time of
 * RUNS runs each (interleaved), and the peak resident growth of one transform (ours: the runtime workerd, on a fresh
 * isolate warmed by a tiny animation, the request body included; sharp: a fresh Node process, measured from after
 * `import sharp`, reading the file included).
 *
 * The GIF is made here from a corpus photo (a 480×320 window panning diagonally across it, scaled to 640 px high; 100 ms per frame, quantised by
 * sharp/cgif), so it is deterministic and needs no committed file; the corpus is required as for `npm run bench`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { unstable_readConfig } from 'wrangler';
import { CORPUS, corpusAvailable } from './lib/masters.mjs';
import { snapshotSources } from './lib/snapshot.mjs';
import { median, round } from './lib/stats.mjs';
import { memoryOf, resetPeak, startWorker } from './lib/workers.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
const FRAMES = 100;
const [W, H] = [480, 320];
const MB = 1024 * 1024;
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);

if (!corpusAvailable()) {
  console.error('bench: the shared corpus (../shared/corpus or $BENCH_CORPUS) is absent.');
  process.exit(1);
}
sharp.concurrency(1);
sharp.cache(false);

/** 100 frames of a 480×320 window moving across a photo, as one animated GIF. */
async function makeGif() {
  const photo = await sharp(join(CORPUS, 'photos/Storm.jpg')).resize({ height: 2 * H }).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = photo.info;
  const frames = new Uint8Array(W * H * 3 * FRAMES);
  for (let f = 0; f < FRAMES; f++) {
    const x0 = Math.round(((width - W) * f) / (FRAMES - 1));
    const y0 = Math.round(((height - H) * f) / (FRAMES - 1));
    for (let y = 0; y < H; y++) frames.set(photo.data.subarray(((y0 + y) * width + x0) * 3, ((y0 + y) * width + x0 + W) * 3), (f * H + y) * W * 3);
  }
  return sharp(frames, { raw: { width: W, height: H * FRAMES, channels: 3, pageHeight: H } })
    .gif({ delay: Array(FRAMES).fill(100), loop: 0, effort: 1 })
    .toBuffer();
}

/**
 * Our transform in the bench worker at `base`.
 * @param {URL} base
 * @param {Uint8Array<ArrayBuffer>} gif
 */
async function ours(base, gif, width = 320) {
  const query = new URLSearchParams({ options: `width=${width}`, format: 'webp', quality: '80', w: String(W), h: String(H), in: 'gif', alpha: '0', orientation: '1', animated: '1' });
  const response = await fetch(new URL(`/transform?${query}`, base), { method: 'POST', body: gif });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) throw new Error(`bench worker answered ${response.status}: ${new TextDecoder().decode(bytes).slice(0, 300)}`);
  /** @type {Record<string, number>} */
  const phases = JSON.parse(response.headers.get('X-Timings') ?? '{}');
  return { ms: Number(response.headers.get('X-Transform-Ms')), bytes, sessionBytes: Number(response.headers.get('X-Session-Bytes')), phases };
}

/**
 * sharp's animated transform, as a sharp user writes it.
 * @param {Uint8Array} gif
 */
async function sharpSide(gif) {
  const started = performance.now();
  const bytes = await sharp(gif, { animated: true }).resize({ width: 320 }).webp({ quality: 80, effort: 4, alphaQuality: 100 }).toBuffer();
  return { ms: performance.now() - started, bytes };
}

/**
 * Peak RSS growth of one sharp transform in a fresh Node process, from after `import sharp`, reading the GIF
 * included (as ours includes the request body that brings the master into the isolate).
 * @param {string} gifPath
 */
function sharpPeak(gifPath) {
  const script = `
    import { readFileSync, writeFileSync } from 'node:fs';
    import sharp from 'sharp';
    sharp.concurrency(1); sharp.cache(false);
    const kib = (f) => Number(new RegExp('^' + f + ':\\\\s+(\\\\d+) kB', 'm').exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
    const before = kib('VmRSS');
    writeFileSync('/proc/self/clear_refs', '5');
    const gif = readFileSync(${JSON.stringify(gifPath)});
    await sharp(gif, { animated: true }).resize({ width: 320 }).webp({ quality: 80, effort: 4, alphaQuality: 100 }).toBuffer();
    console.log(JSON.stringify({ before, hwm: kib('VmHWM') }));`;
  const out = execFileSync(process.argv[0] ?? 'node', ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  const { before, hwm } = JSON.parse(out);
  return (hwm - before) / MB;
}

/**
 * Frames of an animated WebP (ANMF chunks).
 * @param {Uint8Array} bytes
 */
function anmfCount(bytes) {
  let n = 0;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0, true);
    if (String.fromCharCode(...bytes.subarray(at, at + 4)) === 'ANMF') n++;
    at += 8 + size + (size & 1);
  }
  return n;
}

const temp = mkdtempSync(join(tmpdir(), 'edge-image-bench-anim-'));
try {
  const snapshot = snapshotSources(ROOT, join(temp, 'code'));
  const rootConfig = unstable_readConfig({ config: snapshot.rootConfig }, { hideWarnings: true });
  const vars = /** @type {Record<string, string>} */ (rootConfig.vars);
  const gif = await makeGif();
  const gifPath = join(temp, 'anim.gif');
  writeFileSync(gifPath, gif);
  log(`master: ${FRAMES}-frame ${W}×${H} GIF, ${round(gif.length / 1024, 0)} KiB; code ${snapshot.commit}${snapshot.changedInSrc.length ? ' + uncommitted changes' : ''}`);

  const worker = await startWorker({ name: 'bench (animation)', config: snapshot.benchConfig, persist: false, compatibilityDate: rootConfig.compatibility_date, vars });
  let peakOurs;
  let session;
  const times = { ours: /** @type {number[]} */ ([]), sharp: /** @type {number[]} */ ([]) };
  /** @type {Record<string, number[]>} */
  const phases = {};
  let outBytes = { ours: 0, sharp: 0 };
  let frames = { ours: 0, sharp: 0 };
  try {
    // Warm: a tiny animation instantiates the codecs and compiles the paths; then one measured transform.
    const tiny = await sharp(new Uint8Array(16 * 32 * 3).fill(128), { raw: { width: 16, height: 32, channels: 3, pageHeight: 16 } }).gif({ delay: [100, 100] }).toBuffer();
    const query = new URLSearchParams({ options: 'width=8', format: 'webp', quality: '80', w: '16', h: '16', in: 'gif', alpha: '0', orientation: '1', animated: '1' });
    await (await fetch(new URL(`/transform?${query}`, worker.direct), { method: 'POST', body: tiny })).arrayBuffer();
    const before = memoryOf(worker.runtimePid).rss;
    resetPeak(worker.runtimePid);
    const first = await ours(worker.direct, gif);
    peakOurs = (memoryOf(worker.runtimePid).hwm - before) / MB;
    session = first.sessionBytes / MB;
    for (let run = 0; run < RUNS; run++) {
      const a = await ours(worker.direct, gif);
      const b = await sharpSide(gif);
      times.ours.push(a.ms);
      for (const [phase, ms] of Object.entries(a.phases)) (phases[phase] ??= []).push(ms);
      times.sharp.push(b.ms);
      outBytes = { ours: a.bytes.length, sharp: b.bytes.length };
      frames = { ours: anmfCount(a.bytes), sharp: anmfCount(b.bytes) };
      log(`  run ${run + 1}: ours ${round(a.ms, 0)} ms, sharp ${round(b.ms, 0)} ms`);
    }
  } finally {
    await worker.dispose();
  }
  const peakSharp = sharpPeak(gifPath);
  const [mo, ms] = [median(times.ours), median(times.sharp)];
  const table = [
    `**Animated GIF → animated WebP** (${FRAMES}-frame ${W}×${H} GIF, ${round(gif.length / 1024, 0)} KiB → 320 px wide, q80 method/effort 4; median of ${RUNS} runs each, interleaved; peak = resident growth of one transform)`,
    '',
    '| | median time | peak memory growth | output | frames |',
    '|---|---|---|---|---|',
    `| ours (workerd, transform()) | ${round(mo, 0)} ms | ${round(peakOurs, 1)} MB (codec session ${round(session, 1)} MiB) | ${round(outBytes.ours / 1024, 1)} KiB | ${frames.ours} |`,
    `| sharp 0.34 (\`animated: true\`, 1 thread) | ${round(ms, 0)} ms | ${round(peakSharp, 1)} MB | ${round(outBytes.sharp / 1024, 1)} KiB | ${frames.sharp} |`,
    `| ours ÷ sharp | ×${round(mo / ms, 2)} | ×${round(peakOurs / peakSharp, 2)} | ×${round(outBytes.ours / outBytes.sharp, 2)} | |`,
    '',
    `Ours by phase (medians): ${Object.entries(phases).map(([phase, ms]) => `${phase} ${round(median(ms), 0)} ms`).join(', ')}.`,
  ].join('\n');
  console.log(table);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
