/**
 * POST /jobs/pregenerate[?cursor=…] (bearer token): queues pre-generation for one page of existing masters, for
 * backfilling the R2 variant tier after PREGENERATE_* changed or for masters stored before it existed.
 * `npm run backfill` walks every page.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { ImageError } from '../http/problem.js';
import { pregenerationJobs } from '../jobs/messages.js';
import { MASTER_PREFIX } from '../storage/masters.js';

/** Masters per page: one queue `sendBatch` (at most 100 messages) per master. */
const PAGE = 50;

export async function backfillPage(c: Context<AppEnv>): Promise<Response> {
  const { pregenerate } = c.get('config');
  const cursor = c.req.query('cursor');
  if (cursor !== undefined && (cursor.length === 0 || cursor.length > 4096)) throw new ImageError(400, 'bad-cursor', 'cursor must be what the last page answered');
  const listing = await c.env.MASTERS.list({ prefix: MASTER_PREFIX, limit: PAGE, ...(cursor ? { cursor } : {}) });
  let queued = 0;
  for (const object of listing.objects) {
    const jobs = pregenerationJobs(object.key.slice(MASTER_PREFIX.length), object.etag, pregenerate);
    if (jobs.length === 0) continue;
    await c.env.VARIANT_JOBS.sendBatch(jobs.map((body) => ({ body })));
    queued += jobs.length;
  }
  return c.json({ masters: listing.objects.length, queued, cursor: listing.truncated ? listing.cursor : null }, 200, { 'Cache-Control': 'no-store' });
}
