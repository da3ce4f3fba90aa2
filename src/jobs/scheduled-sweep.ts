/**
 * The Cron Trigger's sweep: removes tier variants whose master was replaced or deleted without the worker seeing it
 * (R2 written by other tools, a lost queue message). One bounded page per run (at most `SWEEP_PAGE` objects and as
 * many master lookups), resuming where the last run stopped; the cursor is kept in R2 beside the variants.
 */
import { describeMaster } from '../storage/masters.js';
import { parseVariantObjectKey, SWEEP_PAGE, VARIANT_PREFIX } from '../storage/variant-tier.js';

/** Where the sweep keeps its place between runs (outside `variants/`, so it never sweeps it). */
export const SWEEP_CURSOR_KEY = 'jobs/variant-sweep-cursor';

export interface SweepReport {
  examined: number;
  deleted: number;
  /** Whether the listing reached its end (the next run starts again from the beginning). */
  finished: boolean;
}

export async function sweepStaleVariants(bucket: R2Bucket, page = SWEEP_PAGE): Promise<SweepReport> {
  const saved = await bucket.get(SWEEP_CURSOR_KEY);
  const cursor = saved ? await saved.text() : undefined;
  const listing = await bucket.list({ prefix: VARIANT_PREFIX, limit: page, ...(cursor ? { cursor } : {}) });
  const current = new Map<string, string | null>();
  const stale: string[] = [];
  for (const object of listing.objects) {
    const parsed = parseVariantObjectKey(object.key);
    if (!parsed) {
      stale.push(object.key);
      continue;
    }
    if (!current.has(parsed.key)) current.set(parsed.key, (await describeMaster(bucket, parsed.key))?.etag ?? null);
    if (current.get(parsed.key) !== parsed.masterEtag) stale.push(object.key);
  }
  if (stale.length > 0) await bucket.delete(stale);
  if (listing.truncated) await bucket.put(SWEEP_CURSOR_KEY, listing.cursor);
  else await bucket.delete(SWEEP_CURSOR_KEY);
  return { examined: listing.objects.length, deleted: stale.length, finished: !listing.truncated };
}
