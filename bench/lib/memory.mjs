// @ts-check
/**
 * Section 3, memory: the resident-memory growth of the runtime workerd across transforms. Each measurement
 * starts a fresh bench worker (a fresh isolate, nothing decoded yet), runs one tiny transform so that the
 * codecs are instantiated, then resets the peak (clear_refs 5) and reads VmHWM/VmRSS around the work.
 * RSS is the process's, so it counts everything the isolate holds (V8 heap, WebAssembly memories, buffers).
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { oursTransform } from './ours.mjs';
import { round } from './stats.mjs';
import { memoryOf, resetPeak, startWorker } from './workers.mjs';

const MB = 1024 * 1024;
/** src/pipeline/codec/session.ts's POOL_LIMIT_BYTES, in MiB (read from the source, so the two cannot drift). */
const POOL_LIMIT_MIB = Number(/POOL_LIMIT_BYTES = (\d+) \* 1024 \* 1024/.exec(readFileSync(new URL('../../src/pipeline/codec/session.ts', import.meta.url).pathname, 'utf8'))?.[1] ?? NaN);
if (!Number.isFinite(POOL_LIMIT_MIB)) throw new Error('bench: POOL_LIMIT_BYTES not found in src/pipeline/codec/session.ts');

/**
 * @typedef {import('./masters.mjs').Master} Master
 * @typedef {import('./ours.mjs').TransformCase} TransformCase
 * @typedef {object} OneTransformMemory
 * @property {string} master
 * @property {string} masterLabel
 * @property {'webp' | 'avif'} format  the output, 1600 px wide
 * @property {number} megapixels
 * @property {number} masterBytes
 * @property {number} startRssMB       the runtime right after start
 * @property {number} codecInitMB      growth from a tiny transform (codec instantiation)
 * @property {number} peakGrowthMB     VmHWM after − VmRSS before the transform
 * @property {number} retainedMB       VmRSS after − VmRSS before
 * @property {number | null} transformMs
 * @property {number | null} warmMs  the same transform again on the same isolate (the first one also pays for
 *   compiling code paths: timings compare warm runs)
 * @property {number | null} wholePeakGrowthMB  the same transform on another fresh isolate with the master read whole
 *   into memory first (the path before masters were streamed), the baseline of the same run
 * @property {number | null} wholeWarmMs  that baseline's warm time
 * @property {number | null} sessionMiB  our codec session's linear memory (its peak) for this transform
 * @property {string | null} error
 * @typedef {object} MixedMemory
 * @property {number} transforms
 * @property {string} mix
 * @property {number} peakGrowthMB
 * @property {number} retainedMB
 * @property {Array<[number, number]>} rssGrowthMB  [after n transforms, RSS − baseline], every 10
 * @property {number[]} rssAfterEachMB  RSS − baseline after every transform
 * @property {{ firstTenMaxMB: number, firstHalfMaxMB: number, secondHalfMaxMB: number, lastTenMaxMB: number, lastTenMinMB: number, slopeMBPer100: number }} trend
 *   the highest RSS after any of the first ten, the first half, the second half and the last ten transforms, and
 *   the least-squares slope over the second half: flat memory means the second half stays below the first half's
 *   highest and the slope is ~0
 * @property {number} largestSessionMiB  the largest codec session any transform used
 * @property {number} sessionsOverPoolLimit  transforms whose session was too large to be kept for the next one
 * @property {number} failures
 */

/** @type {Promise<Master> | undefined} */
let tiny;

/** A 64×48 JPEG: enough to instantiate the JPEG decoder, the resizer and the WebP encoder. */
function tinyMaster() {
  tiny ??= sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer()
    .then((bytes) => ({ id: 'tiny', path: '', label: 'tiny', format: /** @type {const} */ ('jpeg'), width: 64, height: 48, alpha: false, orientation: 1, bytes }));
  return tiny;
}

/**
 * A fresh bench worker with its codecs instantiated (one tiny transform to `format`, so the idle isolate has
 * compiled what the measured transform runs), and the RSS before and after that.
 * @param {{ config: string, compatibilityDate: string, vars: Record<string, string>, format?: 'webp' | 'avif', exposeGc?: boolean }} options
 */
async function freshWorker({ config, compatibilityDate, vars, format = 'webp', exposeGc = false }) {
  // Miniflare passes MINIFLARE_WORKERD_V8_FLAGS to workerd as V8 flags when it starts the runtime.
  const flags = process.env.MINIFLARE_WORKERD_V8_FLAGS;
  if (exposeGc) process.env.MINIFLARE_WORKERD_V8_FLAGS = '--expose-gc';
  let worker;
  try {
    worker = await startWorker({ name: 'bench (memory)', config, persist: false, compatibilityDate, vars });
  } finally {
    if (flags === undefined) delete process.env.MINIFLARE_WORKERD_V8_FLAGS;
    else process.env.MINIFLARE_WORKERD_V8_FLAGS = flags;
  }
  const start = memoryOf(worker.runtimePid).rss;
  await oursTransform(worker.direct, { master: await tinyMaster(), width: 32, format, quality: 80, speed: 8 });
  return { worker, start, warm: memoryOf(worker.runtimePid).rss };
}

/**
 * One 1600-px transform of each master (to WebP unless the entry says AVIF), each on a fresh isolate.
 * @param {{ config: string, compatibilityDate: string, vars: Record<string, string>, masters: Array<Master | { master: Master, format: 'avif', quality: number, speed: number }>, log: (line: string) => void }} options
 * @returns {Promise<OneTransformMemory[]>}
 */
export async function memoryPerMaster({ config, compatibilityDate, vars, masters, log }) {
  /** @type {OneTransformMemory[]} */
  const rows = [];
  for (const entry of masters) {
    const { master, format, quality, speed } = 'master' in entry ? entry : { master: entry, format: /** @type {const} */ ('webp'), quality: 80, speed: 8 };
    const { worker, start, warm } = await freshWorker({ config, compatibilityDate, vars, format });
    /** @type {OneTransformMemory} */
    const row = {
      master: master.id,
      masterLabel: master.label,
      format,
      megapixels: round((master.width * master.height) / 1e6, 1),
      masterBytes: master.bytes.length,
      startRssMB: round(start / MB, 1),
      codecInitMB: round((warm - start) / MB, 1),
      peakGrowthMB: NaN,
      retainedMB: NaN,
      transformMs: null,
      sessionMiB: null,
      warmMs: null,
      wholePeakGrowthMB: null,
      wholeWarmMs: null,
      error: null,
    };
    try {
      const before = memoryOf(worker.runtimePid).rss;
      resetPeak(worker.runtimePid);
      const out = await oursTransform(worker.direct, { master, width: 1600, format, quality, speed, stream: true });
      const after = memoryOf(worker.runtimePid);
      row.peakGrowthMB = round((after.hwm - before) / MB, 1);
      row.retainedMB = round((after.rss - before) / MB, 1);
      row.transformMs = round(out.ms, 0);
      row.sessionMiB = round((out.sessionBytes ?? 0) / MB, 1);
      // Timed with the body received first (then streamed from its chunks), as the read-whole baseline is timed.
      row.warmMs = round((await oursTransform(worker.direct, { master, width: 1600, format, quality, speed, stream: 'replay' })).ms, 0);
    } catch (error) {
      row.error = error instanceof Error ? error.message : String(error);
    } finally {
      await worker.dispose();
    }
    // The baseline: the master read whole first, as before streaming, on another fresh isolate.
    const baseline = await freshWorker({ config, compatibilityDate, vars, format });
    try {
      const before = memoryOf(baseline.worker.runtimePid).rss;
      resetPeak(baseline.worker.runtimePid);
      await oursTransform(baseline.worker.direct, { master, width: 1600, format, quality, speed });
      row.wholePeakGrowthMB = round((memoryOf(baseline.worker.runtimePid).hwm - before) / MB, 1);
      row.wholeWarmMs = round((await oursTransform(baseline.worker.direct, { master, width: 1600, format, quality, speed })).ms, 0);
    } catch (error) {
      log(`  ${master.id}: the read-whole baseline failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await baseline.worker.dispose();
    }
    rows.push(row);
    log(row.error ? `  ${master.id} → ${format}: FAILED ${row.error}` : `  ${master.id} → ${format}: peak +${row.peakGrowthMB} MB streamed (+${row.wholePeakGrowthMB} MB read whole), retained +${row.retainedMB} MB (codec init +${row.codecInitMB} MB); warm ${row.warmMs} ms streamed, ${row.wholeWarmMs} ms read whole`);
  }
  return rows;
}

/**
 * `count` transforms of mixed masters, sizes and formats on one fresh isolate. The controls, to tell our memory from
 * the runtime's: `noop` sends the same masters to the bench worker's no-op pipeline (the body read through a ByteFeed,
 * no codec, a 60 kB answer) instead; `gc` runs workerd with V8's --expose-gc and asks for a full collection after
 * every request, before RSS is read (what is left is not garbage waiting for V8).
 * (`noop: 'plain'`: read by the stream's own reader, none of our code.)
 * @param {{ config: string, compatibilityDate: string, vars: Record<string, string>, cases: TransformCase[], count: number, mix: string, log: (line: string) => void, noop?: boolean | 'plain', gc?: boolean }} options
 * @returns {Promise<MixedMemory>}
 */
export async function memoryMixed({ config, compatibilityDate, vars, cases, count, mix, log, noop = false, gc = false }) {
  const { worker } = await freshWorker({ config, compatibilityDate, vars, exposeGc: gc });
  try {
    const before = memoryOf(worker.runtimePid).rss;
    resetPeak(worker.runtimePid);
    /** @type {number[]} */
    const each = [];
    /** @type {number[]} */
    const sessions = [];
    let failures = 0;
    for (let i = 0; i < count; i++) {
      try {
        const c = /** @type {TransformCase} */ (cases[i % cases.length]);
        if (noop) {
          const response = await fetch(new URL(`/drain?out=60000${noop === 'plain' ? '&reader=plain' : ''}`, worker.direct), { method: 'POST', body: c.master.bytes });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`drain answered ${response.status}`);
        } else {
          const out = await oursTransform(worker.direct, { ...c, stream: true });
          sessions.push((out.sessionBytes ?? 0) / MB);
        }
      } catch {
        failures++;
      }
      if (gc) {
        const response = await fetch(new URL('/gc', worker.direct));
        await response.arrayBuffer();
        if (!response.ok) throw new Error('the bench worker has no gc(): workerd did not take --expose-gc');
      }
      each.push(round((memoryOf(worker.runtimePid).rss - before) / MB, 1));
    }
    const after = memoryOf(worker.runtimePid);
    /** @type {Array<[number, number]>} */
    const series = each.flatMap((mb, i) => ((i + 1) % 10 === 0 || i + 1 === count ? [/** @type {[number, number]} */ ([i + 1, mb])] : []));
    const result = { transforms: count, mix, peakGrowthMB: round((after.hwm - before) / MB, 1), retainedMB: round((after.rss - before) / MB, 1), rssGrowthMB: series, rssAfterEachMB: each, trend: trendOf(each), largestSessionMiB: round(Math.max(0, ...sessions), 1), sessionsOverPoolLimit: sessions.filter((mib) => mib > POOL_LIMIT_MIB).length, failures };
    log(`  ${count} mixed transforms (${mix.slice(0, 40)}…): peak +${result.peakGrowthMB} MB, retained +${result.retainedMB} MB; first ten max ${result.trend.firstTenMaxMB}, first half max ${result.trend.firstHalfMaxMB}, second half max ${result.trend.secondHalfMaxMB}, last ten ${result.trend.lastTenMinMB}–${result.trend.lastTenMaxMB} MB, slope ${result.trend.slopeMBPer100} MB/100; largest session ${result.largestSessionMiB} MiB, ${result.sessionsOverPoolLimit} over the pool limit; ${failures} failed`);
    return result;
  } finally {
    await worker.dispose();
  }
}

/**
 * @param {number[]} each  RSS growth after every transform
 * @returns {MixedMemory['trend']}
 */
function trendOf(each) {
  const first = each.slice(0, 10);
  const last = each.slice(-10);
  const half = Math.floor(each.length / 2);
  const rest = each.slice(half);
  const n = rest.length;
  const meanX = (n - 1) / 2;
  const meanY = rest.reduce((a, b) => a + b, 0) / (n || 1);
  let num = 0;
  let den = 0;
  rest.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return {
    firstTenMaxMB: Math.max(...first),
    firstHalfMaxMB: Math.max(...each.slice(0, half)),
    secondHalfMaxMB: Math.max(...rest),
    lastTenMaxMB: Math.max(...last),
    lastTenMinMB: Math.min(...last),
    slopeMBPer100: round(den ? (num / den) * 100 : 0, 1),
  };
}
