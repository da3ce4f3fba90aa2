/**
 * Purging a master's variants from Workers Cache, the tiered cache in front of the Worker. Everything made from
 * a master carries its Cache-Tag, so one purge by tag drops every variant, original and JSON answer of it in
 * every data centre. Purges are rate-limited (Workers Cache always gets the Free plan's purge budget), so a
 * refused purge is logged, never an error for the write that asked for it: CDN_TTL bounds what it leaves behind.
 */
import { masterCacheTag } from '../http/caching.js';

/** The part of `ctx.cache` used here. Absent where Workers Cache does not run (wrangler dev, tests). */
export interface CachePurger {
  purge(options: { tags: string[] }): Promise<{ success: boolean; errors: Array<{ code: number; message: string }> }>;
}

/** How long `ctx.waitUntil` keeps a request's work alive after its response (Workers' limit is 30 s). */
export const WAIT_UNTIL_LIMIT_SECONDS = 28;

/**
 * The seconds after a change at which to purge again. A data centre whose Cache API still holds the old metadata
 * (META_TTL) or an isolate that still remembers it (META_MEMO_TTL) can answer a purged URL from the old master and
 * put it back in front; purging once more after both have expired removes what they put back. When that moment
 * lies beyond what waitUntil allows, only the first purge runs and CDN_TTL bounds the rest.
 */
export function purgeSchedule(metaTtl: number, metaMemoTtl: number): number[] {
  const settled = metaTtl + metaMemoTtl + 1;
  return settled <= WAIT_UNTIL_LIMIT_SECONDS ? [0, settled] : [0];
}

async function purgeOnce(purger: CachePurger, tags: string[]): Promise<boolean> {
  try {
    const result = await purger.purge({ tags });
    if (!result.success) console.error('Workers Cache purge refused', tags, result.errors);
    return result.success;
  } catch (error) {
    console.error('Workers Cache purge failed', tags, error);
    return false;
  }
}

/**
 * Purges the master's tag now and once more when stale metadata can no longer refill it. Returns the promise
 * to hand to `waitUntil`; resolves to how many purges were accepted (0 where there is no Workers Cache).
 */
export async function purgeMaster(
  purger: CachePurger | undefined,
  key: string,
  ttls: { metaTtl: number; metaMemoTtl: number },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<number> {
  if (!purger) return 0;
  const tags = [masterCacheTag(key)];
  let accepted = 0;
  let elapsed = 0;
  for (const at of purgeSchedule(ttls.metaTtl, ttls.metaMemoTtl)) {
    if (at > elapsed) await sleep((at - elapsed) * 1000);
    elapsed = at;
    if (await purgeOnce(purger, tags)) accepted++;
  }
  return accepted;
}
