// @ts-check
/**
 * What the pre-pass costs: the same transform with and without it, interleaved on one bench worker — a narrow cover
 * crop with gravity=center against gravity=auto (the saliency preview), and a plain resize against trim=border (the
 * full-resolution border scan). Medians of `runs` each, and the pre-pass's own share.
 */
import { oursTransform } from './ours.mjs';
import { median, round } from './stats.mjs';

/**
 * @typedef {object} PrepassRow
 * @property {string} master
 * @property {string} baseline     option segment without the pre-pass
 * @property {string} withPrepass  the same with it
 * @property {number} baselineMs   median transform time
 * @property {number} prepassTotalMs  median transform time with the pre-pass (pre-pass included)
 * @property {number} prepassMs    median of the pre-pass alone
 * @property {number} ratio        prepassTotalMs / baselineMs
 */

/**
 * @param {{ worker: { ensure(): Promise<{ direct: URL }> }, masters: import('./masters.mjs').Master[], runs: number, quality: number, log: (line: string) => void }} options
 * @returns {Promise<PrepassRow[]>}
 */
export async function benchPrepass({ worker, masters, runs, quality, log }) {
  const pairs = [
    ['width=400,height=1200,fit=cover,format=webp', 'width=400,height=1200,fit=cover,gravity=auto,format=webp'],
    ['width=1200,height=400,fit=cover,format=webp', 'width=1200,height=400,fit=cover,gravity=auto,format=webp'],
    ['width=800,format=webp', 'width=800,trim=border,format=webp'],
  ];
  /** @type {PrepassRow[]} */
  const rows = [];
  for (const master of masters) {
    for (const [baseline, withPrepass] of pairs) {
      /** @type {number[]} */ const plain = [];
      /** @type {number[]} */ const total = [];
      /** @type {number[]} */ const share = [];
      for (let i = 0; i < runs; i++) {
        const base = (await worker.ensure()).direct;
        const c = { master, width: 0, format: /** @type {'webp'} */ ('webp'), quality, speed: 8 };
        plain.push((await oursTransform(base, { ...c, options: baseline })).ms);
        const out = await oursTransform(base, { ...c, options: withPrepass });
        total.push(out.ms);
        share.push(out.prepassMs ?? 0);
      }
      const row = {
        master: master.id,
        baseline,
        withPrepass,
        baselineMs: round(median(plain)),
        prepassTotalMs: round(median(total)),
        prepassMs: round(median(share)),
        ratio: round(median(total) / median(plain), 2),
      };
      log(`  ${master.id} ${withPrepass}: ${row.prepassTotalMs} ms (pre-pass ${row.prepassMs} ms) vs ${row.baselineMs} ms: ×${row.ratio}`);
      rows.push(row);
    }
  }
  return rows;
}

/** @param {PrepassRow[]} rows */
export function prepassTable(rows) {
  const lines = ['| master | without | with the pre-pass | median without | median with | of which pre-pass | ratio |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.master} | \`${r.baseline}\` | \`${r.withPrepass}\` | ${r.baselineMs} ms | ${r.prepassTotalMs} ms | ${r.prepassMs} ms | ×${r.ratio} |`);
  return lines.join('\n');
}
