// @ts-check
/**
 * Section 1, transform cost: each case runs through our pipeline in workerd and through sharp, interleaved
 * run by run so that drift on a shared machine hits both alike; then both outputs are scored by SSIM
 * against one reference downscale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { oursTransform } from './ours.mjs';
import { decodedLuma, referenceLuma, sharpTransform } from './sharp-side.mjs';
import { ssimLuma } from './ssim.mjs';
import { median, round } from './stats.mjs';

/**
 * @typedef {import('./ours.mjs').TransformCase} TransformCase
 * @typedef {import('./ours.mjs').TransformOutput} TransformOutput
 * @typedef {object} Side
 * @property {number} medianMs
 * @property {number[]} runsMs
 * @property {number} bytes
 * @property {number} width
 * @property {number} height
 * @property {number} ssim
 * @typedef {object} TransformRow
 * @property {string} master      master id
 * @property {string} masterLabel
 * @property {number} width       requested width
 * @property {import('./ours.mjs').OutputFormat} format
 * @property {number} quality
 * @property {number | null} speed     AVIF speed (sharp: effort 9 − speed), null for other formats
 * @property {Side | null} ours
 * @property {(Side & { cpuPerWall: number }) | null} sharp
 * @property {number | null} ratio     ours ÷ sharp, of the medians
 * @property {number | null} cpuRatio  ours ÷ sharp, of the median CPU times (workerd's process, every thread; sharp's process)
 * @property {number[] | null} oursCpuMs   CPU ms of the workerd runtime around each of our runs
 * @property {number[] | null} sharpCpuMs  CPU ms of this process around each sharp run
 * @property {Record<string, number> | null} oursPhases  median ms per phase of our pipeline
 * @property {number | null} oursSessionMiB  our codec session's linear memory at the end of the last run (MiB)
 * @property {string | null} error
 */

/**
 * SSIM of an output against the reference at its own size (references are shared between outputs of one size).
 * @param {TransformCase} c
 * @param {Uint8Array} encoded
 * @param {Map<string, Promise<Float32Array>>} references
 */
async function score(c, encoded, references) {
  const decoded = await decodedLuma(encoded);
  const key = `${c.master.id} ${decoded.width}x${decoded.height}`;
  let reference = references.get(key);
  if (!reference) {
    reference = referenceLuma(c.master, decoded.width, decoded.height);
    references.set(key, reference);
  }
  return ssimLuma(decoded.luma, await reference, decoded.width, decoded.height);
}

/**
 * CPU time (ms) of every thread of a process so far, from /proc/<pid>/task/<tid>/schedstat (nanoseconds on a CPU):
 * workerd's time for one request is the difference around it. Unlike wall time, it does not count waiting for a core,
 * which on a shared, oversubscribed machine is most of a transform's wall time.
 * @param {number} pid
 */
export function processCpuMs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return ns / 1e6;
}

/**
 * @param {TransformOutput[]} outputs
 * @param {number} ssim
 * @returns {Side}
 */
function side(outputs, ssim) {
  const last = /** @type {TransformOutput} */ (outputs.at(-1));
  const runsMs = outputs.map((o) => round(o.ms, 1));
  return { medianMs: round(median(runsMs), 1), runsMs, bytes: last.bytes.length, width: last.width, height: last.height, ssim: round(ssim, 4) };
}

/** @param {TransformOutput[]} outputs */
function medianPhases(outputs) {
  /** @type {Record<string, number>} */
  const phases = {};
  for (const name of Object.keys(outputs[0]?.phases ?? {})) phases[name] = round(median(outputs.map((o) => o.phases?.[name] ?? NaN)), 1);
  return phases;
}

/**
 * Instantiates every codec on both sides and runs each decoder and encoder on photo-sized work, so that no row pays a
 * one-off WebAssembly instantiation nor runs while V8 is still tiering the codecs' functions up (it optimises each
 * function once it has run enough; tiny images left the first AVIF case's first runs at 235-250, 85-95, 67 ms against
 * a steady 59). The image is blurred noise, textured like a photo (a flat one takes the encoders' shortcuts).
 * @param {URL} worker
 */
export async function warmUp(worker) {
  const width = 1024, height = 683;
  const texture = await sharp({ create: { width, height, channels: 4, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 48 } } })
    .blur(1.5)
    .raw()
    .toBuffer();
  const base = () => sharp(texture, { raw: { width, height, channels: 4 } });
  const inputs = /** @type {const} */ ([
    ['jpeg', false, await base().removeAlpha().jpeg({ quality: 90 }).toBuffer()],
    ['png', true, await base().png().toBuffer()],
    ['webp', false, await base().removeAlpha().webp({ quality: 90 }).toBuffer()],
  ]);
  for (const [format, alpha, bytes] of inputs) {
    const master = { id: `warm-up-${format}`, path: '', label: 'warm-up', format, width, height, alpha, orientation: 1, bytes };
    for (const output of /** @type {const} */ (['webp', 'avif', 'jpeg'])) {
      const c = { master, width: 640, format: output, quality: 80, speed: 8 };
      for (let run = 0; run < 3; run++) {
        await oursTransform(worker, c);
        await sharpTransform(c);
      }
    }
  }
}

/**
 * Runs every case `runs` times on each side and scores the last outputs. When the bench worker's runtime has
 * gone (it crashed, or something outside killed it), a new one is started and the case runs again, once.
 * @param {{ worker: import('./workers.mjs').ManagedWorker, cases: TransformCase[], runs: number, log: (line: string) => void }} options
 * @returns {Promise<TransformRow[]>}
 */
export async function benchTransforms({ worker, cases, runs, log }) {
  await warmUp((await worker.ensure()).direct);
  /** @type {Map<string, Promise<Float32Array>>} */
  const references = new Map();
  /** @type {TransformRow[]} */
  const rows = [];
  for (const c of cases) {
    /** @type {TransformRow} */
    const row = {
      master: c.master.id,
      masterLabel: c.master.label,
      width: c.width,
      format: c.format,
      quality: c.quality,
      speed: c.format === 'avif' ? c.speed : null,
      ours: null,
      sharp: null,
      ratio: null,
      cpuRatio: null,
      oursCpuMs: null,
      sharpCpuMs: null,
      oursPhases: null,
      oursSessionMiB: null,
      error: null,
    };
    /** @type {TransformOutput[]} */
    let ours = [];
    /** @type {Array<TransformOutput & { cpuMs: number }>} */
    let theirs = [];
    /** @type {number[]} */
    let oursCpu = [];
    try {
      for (let attempt = 1; ; attempt++) {
        const restarts = worker.restarts;
        const current = await worker.ensure();
        if (worker.restarts > restarts) await warmUp(current.direct);
        try {
          ours = [];
          theirs = [];
          oursCpu = [];
          for (let run = 0; run < runs; run++) {
            const cpu = processCpuMs(current.runtimePid);
            ours.push(await oursTransform(current.direct, c));
            oursCpu.push(processCpuMs(current.runtimePid) - cpu);
            theirs.push(await sharpTransform(c));
          }
          break;
        } catch (error) {
          if (attempt > 1 || worker.isCurrent(current)) throw error;
          log(`  the bench worker's runtime is gone (${error instanceof Error ? error.message : error}); restarting it and running this case again`);
        }
      }
      const lastOurs = /** @type {TransformOutput} */ (ours.at(-1));
      const lastTheirs = /** @type {TransformOutput} */ (theirs.at(-1));
      row.ours = side(ours, await score(c, lastOurs.bytes, references));
      const cpuPerWall = theirs.reduce((sum, o) => sum + o.cpuMs, 0) / theirs.reduce((sum, o) => sum + o.ms, 0);
      row.sharp = { ...side(theirs, await score(c, lastTheirs.bytes, references)), cpuPerWall: round(cpuPerWall, 2) };
      row.ratio = round(row.ours.medianMs / row.sharp.medianMs, 2);
      row.oursCpuMs = oursCpu.map((ms) => round(ms, 1));
      row.sharpCpuMs = theirs.map((o) => round(o.cpuMs, 1));
      row.cpuRatio = round(median(oursCpu) / median(theirs.map((o) => o.cpuMs)), 2);
      row.oursPhases = medianPhases(ours);
      row.oursSessionMiB = round((lastOurs.sessionBytes ?? 0) / 2 ** 20, 1);
    } catch (error) {
      row.error = error instanceof Error ? error.message : String(error);
    }
    rows.push(row);
    const speed = row.speed === null ? '' : ` speed ${row.speed}`;
    log(
      row.error
        ? `  ${c.master.id} → ${c.width} ${c.format}${speed}: FAILED ${row.error}`
        : `  ${c.master.id} → ${c.width} ${c.format}${speed}: ours ${row.ours?.medianMs} ms, sharp ${row.sharp?.medianMs} ms (×${row.ratio}); CPU ours ${round(median(row.oursCpuMs ?? []), 1)} ms, sharp ${round(median(row.sharpCpuMs ?? []), 1)} ms (×${row.cpuRatio})`,
    );
  }
  return rows;
}
