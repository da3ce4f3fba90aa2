// @ts-check
/**
 * Section 3, memory: the resident-memory growth of the runtime workerd across transforms. Each measurement
 * starts a fresh bench worker (a fresh isolate, nothing decoded yet), runs one tiny transform so that the
 * codecs are instantiated, then resets the peak (clear_refs 5) and reads VmHWM/VmRSS around the work.
 * RSS is the process's, so it counts everything the isolate holds (V8 heap, WebAssembly memories, buffers).
 */
import sharp from 'sharp';
import { oursTransform } from './ours.mjs';
import { round } from './stats.mjs';
import { memoryOf, resetPeak, startWorker } from './workers.mjs';

const MB = 1024 * 1024;

/**
 * @typedef {import('./masters.mjs').Master} Master
 * @typedef {import('./ours.mjs').TransformCase} TransformCase
 * @typedef {object} OneTransformMemory
 * @property {string} master
 * @property {string} masterLabel
 * @property {number} megapixels
 * @property {number} masterBytes
 * @property {number} startRssMB       the runtime right after start
 * @property {number} codecInitMB      growth from a tiny transform (codec instantiation)
 * @property {number} peakGrowthMB     VmHWM after − VmRSS before the transform
 * @property {number} retainedMB       VmRSS after − VmRSS before
 * @property {number | null} transformMs
 * @property {string | null} error
 * @typedef {object} MixedMemory
 * @property {number} transforms
 * @property {string} mix
 * @property {number} peakGrowthMB
 * @property {number} retainedMB
 * @property {Array<[number, number]>} rssGrowthMB  [after n transforms, RSS − baseline]
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
 * A fresh bench worker with its codecs instantiated, and the RSS before and after that.
 * @param {{ config: string, compatibilityDate: string, vars: Record<string, string> }} options
 */
async function freshWorker({ config, compatibilityDate, vars }) {
  const worker = await startWorker({ name: 'bench (memory)', config, persist: false, compatibilityDate, vars });
  const start = memoryOf(worker.runtimePid).rss;
  await oursTransform(worker.direct, { master: await tinyMaster(), width: 32, format: 'webp', quality: 80, speed: 8 });
  return { worker, start, warm: memoryOf(worker.runtimePid).rss };
}

/**
 * One 1600-px WebP transform of each master, each on a fresh isolate.
 * @param {{ config: string, compatibilityDate: string, vars: Record<string, string>, masters: Master[], log: (line: string) => void }} options
 * @returns {Promise<OneTransformMemory[]>}
 */
export async function memoryPerMaster({ config, compatibilityDate, vars, masters, log }) {
  /** @type {OneTransformMemory[]} */
  const rows = [];
  for (const master of masters) {
    const { worker, start, warm } = await freshWorker({ config, compatibilityDate, vars });
    /** @type {OneTransformMemory} */
    const row = {
      master: master.id,
      masterLabel: master.label,
      megapixels: round((master.width * master.height) / 1e6, 1),
      masterBytes: master.bytes.length,
      startRssMB: round(start / MB, 1),
      codecInitMB: round((warm - start) / MB, 1),
      peakGrowthMB: NaN,
      retainedMB: NaN,
      transformMs: null,
      error: null,
    };
    try {
      const before = memoryOf(worker.runtimePid).rss;
      resetPeak(worker.runtimePid);
      const out = await oursTransform(worker.direct, { master, width: 1600, format: 'webp', quality: 80, speed: 8 });
      const after = memoryOf(worker.runtimePid);
      row.peakGrowthMB = round((after.hwm - before) / MB, 1);
      row.retainedMB = round((after.rss - before) / MB, 1);
      row.transformMs = round(out.ms, 0);
    } catch (error) {
      row.error = error instanceof Error ? error.message : String(error);
    } finally {
      await worker.dispose();
    }
    rows.push(row);
    log(row.error ? `  ${master.id}: FAILED ${row.error}` : `  ${master.id}: peak +${row.peakGrowthMB} MB, retained +${row.retainedMB} MB (codec init +${row.codecInitMB} MB)`);
  }
  return rows;
}

/**
 * `count` transforms of mixed masters, sizes and formats on one fresh isolate.
 * @param {{ config: string, compatibilityDate: string, vars: Record<string, string>, cases: TransformCase[], count: number, mix: string, log: (line: string) => void }} options
 * @returns {Promise<MixedMemory>}
 */
export async function memoryMixed({ config, compatibilityDate, vars, cases, count, mix, log }) {
  const { worker } = await freshWorker({ config, compatibilityDate, vars });
  try {
    const before = memoryOf(worker.runtimePid).rss;
    resetPeak(worker.runtimePid);
    /** @type {Array<[number, number]>} */
    const series = [];
    let failures = 0;
    for (let i = 0; i < count; i++) {
      try {
        await oursTransform(worker.direct, /** @type {TransformCase} */ (cases[i % cases.length]));
      } catch {
        failures++;
      }
      if ((i + 1) % 10 === 0 || i + 1 === count) series.push([i + 1, round((memoryOf(worker.runtimePid).rss - before) / MB, 1)]);
    }
    const after = memoryOf(worker.runtimePid);
    const result = { transforms: count, mix, peakGrowthMB: round((after.hwm - before) / MB, 1), retainedMB: round((after.rss - before) / MB, 1), rssGrowthMB: series, failures };
    log(`  ${count} mixed transforms: peak +${result.peakGrowthMB} MB, retained +${result.retainedMB} MB, ${failures} failed`);
    return result;
  } finally {
    await worker.dispose();
  }
}
