/**
 * Admission of a transform (a cache miss), in one place: the isolate's gate (one transform at a time, a bounded
 * queue), the deployment's breaker, the client's quota, and coalescing (concurrent requests for the same variant
 * share one transform). Only work is charged: hits, 304s and errors never get here, and what is refused for load
 * (503) is refused before the client is charged for it.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { checkBreaker, countTransform } from './breaker.js';
import { chargeClient, clientOf, transformCost, transformPolicy } from './quota.js';
import { Coalescer, busy, codecGate } from './transform-gate.js';
import { carriesUploadToken } from './upload-auth.js';

const stampede = new Coalescer<unknown>();

export interface TransformWork<T> {
  /** What identifies the result (the variant's cache URL): concurrent requests with the same key share one run. */
  key: string;
  /** The output's pixels: what the transform is charged, in megapixels. */
  outputPixels: number;
  /**
   * The work. It enters the isolate's gate itself (`inGate`) around the transform, so that what it does before
   * (waiting for another isolate that holds the variant's lease) does not hold up other transforms here.
   */
  run: (inGate: <R>(transform: () => Promise<R>) => Promise<R>) => Promise<T>;
  /** Stores the result (the cache write); joiners can find the run until it settles. */
  settled: (value: T) => Promise<unknown>;
}

export interface Admitted<T> {
  value: T;
  /** Whether this request joined another's run instead of running its own. */
  joined: boolean;
  /** Whether the client is exempt from quotas (QUOTA_EXEMPT, the upload token): nothing was charged. */
  exempt: boolean;
}

/**
 * Admits `work` and runs it: 503 when the isolate's queue is full (before any charge), 503 when the deployment
 * sheds load, 429 when the client is over quota; then one run per key, one at a time per isolate.
 */
export async function admit<T>(c: Context<AppEnv>, work: TransformWork<T>): Promise<Admitted<T>> {
  const config = c.get('config');
  // One gate for every codec user in the isolate: transforms and uploads being validated by decoding.
  const gate = codecGate(config.maxQueuedTransforms);
  if (gate.full) throw busy();
  const client = clientOf(c.req.raw, config.quota, await carriesUploadToken(config.uploadToken, c.req.header('Authorization')));
  if (!client.exempt) await checkBreaker(c.env, config.globalTransformLimit);
  const charge = { policy: transformPolicy(config.quota), cost: transformCost(work.outputPixels) };
  // What is left of the quota is said on a 429 only: a variant is stored by shared caches (Workers Cache in
  // front), which must never hand one client's quota to another.
  await chargeClient(c.env, client, [charge], true);
  if (!client.exempt) countTransform();
  const { value, joined } = await stampede.run(
    work.key,
    () => work.run((transform) => gate.run(transform)),
    (made) => work.settled(made as T),
  );
  return { value: value as T, joined, exempt: client.exempt };
}
