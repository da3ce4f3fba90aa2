// @ts-check
/** Markdown tables of one bench run, ready to paste into the README. */
import { round } from './stats.mjs';

/**
 * @typedef {import('./transform-bench.mjs').TransformRow} TransformRow
 * @typedef {import('./hits.mjs').HitResult} HitResult
 * @typedef {import('./memory.mjs').OneTransformMemory} OneTransformMemory
 * @typedef {import('./memory.mjs').MixedMemory} MixedMemory
 * @typedef {import('./stampede.mjs').StampedeResult} StampedeResult
 * @typedef {object} Machine
 * @property {number} nproc
 * @property {string} cpu
 * @property {number} memoryGB
 * @property {string} node
 * @property {string} workerd
 * @property {string} wrangler
 * @property {string} sharp
 * @property {string} libvips
 * @property {number[]} loadAverageStart
 * @property {number[]} loadAverageEnd
 * @typedef {object} Headlines
 * @property {string} transform
 * @property {string} hits
 * @property {string} memory
 */

/**
 * @param {string[]} header
 * @param {...Array<string | number>} rows
 */
function table(header, ...rows) {
  const line = (/** @type {Array<string | number>} */ cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** @param {number} bytes */
function kb(bytes) {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** @param {number | null | undefined} value @param {string} [unit] */
function num(value, unit = '') {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : `${value}${unit}`;
}

/** @param {TransformRow} row */
function transformCells(row) {
  if (!row.ours || !row.sharp) return [`failed: ${row.error ?? 'unknown'}`, '', '', '', '', '', ''];
  return [
    num(row.ours.medianMs),
    num(row.sharp.medianMs),
    `**×${row.ratio}**`,
    kb(row.ours.bytes),
    kb(row.sharp.bytes),
    row.ours.ssim.toFixed(4),
    row.sharp.ssim.toFixed(4),
  ];
}

/**
 * @param {TransformRow[]} rows
 * @param {number} defaultSpeed
 */
export function transformTable(rows, defaultSpeed) {
  const main = rows.filter((r) => r.speed === null || r.speed === defaultSpeed);
  const header = ['master', 'width', 'format', 'ours ms', 'sharp ms', 'ours ÷ sharp', 'ours bytes', 'sharp bytes', 'SSIM ours', 'SSIM sharp'];
  return table(header, ...main.map((r) => [r.master, r.width, r.format === 'avif' ? `avif s${r.speed}` : r.format, ...transformCells(r)]));
}

/** @param {TransformRow[]} rows */
export function avifSpeedTable(rows) {
  const avif = rows.filter((r) => r.format === 'avif');
  const swept = new Set(avif.filter((r) => avif.some((o) => o.master === r.master && o.width === r.width && o.speed !== r.speed)).map((r) => `${r.master} ${r.width}`));
  const chosen = avif.filter((r) => swept.has(`${r.master} ${r.width}`)).sort((a, b) => a.master.localeCompare(b.master) || a.width - b.width || (a.speed ?? 0) - (b.speed ?? 0));
  const header = ['master', 'width', 'speed (sharp effort)', 'ours ms', 'sharp ms', 'ours ÷ sharp', 'ours bytes', 'sharp bytes', 'SSIM ours', 'SSIM sharp'];
  return table(header, ...chosen.map((r) => [r.master, r.width, `${r.speed} (${Math.max(0, 9 - (r.speed ?? 0))})`, ...transformCells(r)]));
}

/** @param {HitResult} hits */
export function hitsTable(hits) {
  const header = ['route', 'response', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU', 'generator CPU'];
  /** @type {Array<Array<string | number>>} */
  const rows = [];
  for (const pair of hits.pairs) {
    const cpu = (/** @type {number[]} */ shares) => shares.map((s) => `${Math.round(s * 100)}%`).join(' + ');
    const row = (/** @type {string} */ what, /** @type {import('./load.mjs').LoadResult} */ r) => [pair.via, what, r.rps, r.p50Ms, r.p99Ms, r.errors, cpu(r.serverCpu), `${Math.round(r.generatorCpu * 100)}%`];
    rows.push(row('cached variant (worker, metadata memo on)', pair.hit));
    rows.push(row('cached variant (worker, META_MEMO_TTL=0)', pair.hitNoMemo));
    rows.push(row('one Cache API lookup, no app code', pair.floor1));
    rows.push(row('two Cache API lookups, no app code', pair.floor));
    rows.push(row('same-size static body', pair.bare));
    rows.push([pair.via, '**hit ÷ one Cache API lookup**', `**${pair.floor1Ratio}**`, '', '', '', '', '']);
    rows.push([pair.via, 'hit without the memo ÷ two lookups', pair.floorRatio, '', '', '', '', '']);
    rows.push([pair.via, 'memo on ÷ memo off', pair.memoGain, '', '', '', '', '']);
    rows.push([pair.via, 'hit ÷ bare (memo on / off)', `${pair.rpsRatio} / ${pair.noMemoRatio}`, pair.p50Ratio, pair.p99Ratio, '', '', '']);
  }
  return table(header, ...rows);
}

/**
 * @param {OneTransformMemory[]} rows
 * @param {Array<MixedMemory & { name: string }>} mixed
 */
export function memoryTable(rows, mixed) {
  const header = ['master', 'MP', 'file', '→ 1600 px', 'peak growth, streamed (VmHWM − VmRSS before)', 'peak growth, read whole first', 'retained after', 'codec session', 'first / warm ms, streamed', 'warm ms, read whole', 'streamed ÷ read whole (warm)'];
  const ratio = (/** @type {OneTransformMemory} */ r) => (r.wholeWarmMs && r.warmMs ? `×${round(r.warmMs / r.wholeWarmMs, 2)}` : '');
  const body = rows.map((r) => [r.master, r.megapixels, kb(r.masterBytes), r.format ?? 'webp', r.error ? `failed: ${r.error}` : `**${r.peakGrowthMB} MB**`, num(r.wholePeakGrowthMB, ' MB'), num(r.retainedMB, ' MB'), num(r.sessionMiB, ' MiB'), `${num(r.transformMs)} / ${num(r.warmMs)}`, num(r.wholeWarmMs), ratio(r)]);
  for (const m of mixed) body.push([`${m.transforms} transforms in a row: ${m.name}`, '', '', '', `**${m.peakGrowthMB} MB**`, '', `${m.retainedMB} MB`, '', `${m.failures} failed`, '', `slope ${m.trend.slopeMBPer100} MB/100`]);
  const notes = mixed.map((m) => `\n\n${m.name}: ${m.mix}, on one fresh isolate. RSS growth every 10: ${m.rssGrowthMB.map(([n, mb]) => `${n}→${mb} MB`).join(', ')}. Highest after any of the first ten: ${m.trend.firstTenMaxMB} MB, of the first half: ${m.trend.firstHalfMaxMB} MB, of the second half: ${m.trend.secondHalfMaxMB} MB; the last ten: ${m.trend.lastTenMinMB}–${m.trend.lastTenMaxMB} MB; least-squares slope over the second half: ${m.trend.slopeMBPer100} MB per 100. Largest codec session: ${m.largestSessionMiB} MiB; ${m.sessionsOverPoolLimit} of ${m.transforms} too large to keep for the next transform.`);
  return table(header, ...body) + notes.join('');
}

/** @param {StampedeResult[]} results */
export function stampedeTable(results) {
  const header = ['case', 'requests', 'transforms run', 'coalesced', 'cache hits', 'statuses', 'slowest ms'];
  return table(header, ...results.map((r) => [r.name, r.requests, `**${r.transforms}**`, r.coalesced, r.hits, Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' '), r.lastMs]));
}

/** @param {Machine} m */
export function machineLine(m) {
  return `${m.nproc} × ${m.cpu}, ${m.memoryGB} GB; Node ${m.node}, workerd ${m.workerd} (wrangler ${m.wrangler}), sharp ${m.sharp} / libvips ${m.libvips}; load average ${m.loadAverageStart.join(' ')} at start, ${m.loadAverageEnd.join(' ')} at end`;
}

/** @param {import('./vary.mjs').VaryResult} vary */
export function varyTable(vary) {
  const header = ['client', 'Accept', 'negotiated'];
  const body = vary.rows.map((r) => [r.client, r.accept === null ? '(none)' : `\`${r.accept}\``, r.contentType]);
  return (
    table(header, ...body) +
    `\n\n${vary.acceptValues} distinct Accept values get ${vary.formats} formats: Workers Cache keeps up to **${vary.acceptValues} entries per URL** ` +
    `(it keys Vary verbatim) where the worker's Cache API tier keeps ${vary.formats} (×${vary.fragmentation}). ` +
    'Each extra entry costs one run of the worker per URL and Accept value (a Cache API hit, no transform) when it is first filled.'
  );
}

/** @param {import('./isolates.mjs').IsolateStampede[]} results */
export function isolatesTable(results) {
  const header = ['case', 'transforms run', 'coalesced in their isolate', 'waited for another isolate, read the tier', 'statuses', 'median ms', 'slowest ms'];
  return table(header, ...results.map((r) => [r.name, `**${r.transforms}**`, r.coalesced, r.tier, Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' '), r.medianMs, r.slowestMs]));
}
