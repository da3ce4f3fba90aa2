/**
 * What goes through the variant-jobs queue. Bodies are checked on the way out of the queue as well as in: a
 * message is data from the past (an older deploy may have sent it), so anything malformed is dropped, not run.
 */
import type { OutputFormat } from '../options/types.js';

/** Make one variant of one version of a master into the R2 tier (dropped if the master has moved on). */
export interface RenderJob {
  kind: 'render';
  key: string;
  masterEtag: string;
  width: number;
  format: OutputFormat;
}

/** Delete a master's variants from the R2 tier, except those of `keepEtag`; `cursor` continues a long listing. */
export interface SweepJob {
  kind: 'sweep';
  key: string;
  keepEtag: string | null;
  cursor?: string;
}

export type VariantJob = RenderJob | SweepJob;

const formats: readonly OutputFormat[] = ['avif', 'webp', 'jpeg', 'png'];
const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

export function parseVariantJob(body: unknown): VariantJob | null {
  if (typeof body !== 'object' || body === null) return null;
  const job = body as Record<string, unknown>;
  if (!isString(job.key, 1024)) return null;
  if (job.kind === 'render') {
    if (!isString(job.masterEtag, 128) || !Number.isInteger(job.width) || (job.width as number) < 1 || (job.width as number) > 16384) return null;
    if (!formats.includes(job.format as OutputFormat)) return null;
    return { kind: 'render', key: job.key, masterEtag: job.masterEtag, width: job.width as number, format: job.format as OutputFormat };
  }
  if (job.kind === 'sweep') {
    if (job.keepEtag !== null && !isString(job.keepEtag, 128)) return null;
    if (job.cursor !== undefined && !isString(job.cursor, 4096)) return null;
    return { kind: 'sweep', key: job.key, keepEtag: job.keepEtag as string | null, ...(job.cursor ? { cursor: job.cursor as string } : {}) };
  }
  return null;
}

/** One render job per configured width and format. */
export function pregenerationJobs(key: string, masterEtag: string, pregenerate: { widths: number[]; formats: OutputFormat[] }): RenderJob[] {
  return pregenerate.widths.flatMap((width) => pregenerate.formats.map((format) => ({ kind: 'render' as const, key, masterEtag, width, format })));
}
