/**
 * The image routes' side of pull-through: a master R2 lacks is pulled from its origin (charged to the client like a
 * transform, refused for requests that are our own origin fetches coming back), and a pulled master read from R2 is
 * revalidated behind the response.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { ImageError } from '../http/problem.js';
import { chargeClient, clientOf, transformPolicy } from '../limits/quota.js';
import { originOfKey } from '../options/origins.js';
import type { MissingMaster } from '../storage/meta-cache.js';
import { VIA_TOKEN } from '../storage/origin-fetch.js';
import { pullMaster, revalidateMaster } from '../storage/pull-through.js';
import { masterChanged } from './masters.js';

/** Whether this request is one of our own origin fetches (an origin configured to point back at this worker). */
function isOwnFetch(c: Context<AppEnv>): boolean {
  return (c.req.header('Via') ?? '').toLowerCase().includes(VIA_TOKEN);
}

/** The pull-through hooks of this request, or undefined when no origin is configured. */
export function originPull(c: Context<AppEnv>): MissingMaster | undefined {
  const config = c.get('config');
  if (config.origins.length === 0) return undefined;
  return {
    async pull(key) {
      if (!originOfKey(config.origins, key)) return null;
      if (isOwnFetch(c)) throw new ImageError(508, 'origin-loop', 'this request is the worker fetching from itself: the origin points back at it');
      await chargeClient(c.env, clientOf(c.req.raw, config.quota), [{ policy: transformPolicy(config.quota), cost: 1 }], true);
      return pullMaster(c.env, config, key);
    },
    revalidate(meta) {
      if (!meta.pulled || isOwnFetch(c)) return;
      const work = revalidateMaster(c.env, config, meta, (key, etag) => masterChanged(c, key, etag));
      c.executionCtx.waitUntil(work.catch((error) => console.error('origin revalidation failed', meta.key, error)));
    },
  };
}
