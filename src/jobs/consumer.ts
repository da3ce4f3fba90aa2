/**
 * The variant-jobs queue consumer, in the same Worker: pre-generates variants into the R2 tier and sweeps the
 * variants of replaced or deleted masters. Idempotent (a render for an older master version is dropped, one already
 * in the tier is skipped), one message at a time, and a transient failure is retried with exponential backoff; after
 * `max_retries` (wrangler.toml) a message goes to the dead-letter queue. Concurrency is bounded by the consumer's
 * `max_concurrency` and `max_batch_size`, so pre-generation cannot crowd out live requests.
 */
import { configOf, type Config } from '../config.js';
import { ImageError } from '../http/problem.js';
import { acquireLease, releaseLease } from '../limits/variant-lease.js';
import { parseOptions } from '../options/parse.js';
import { planTransform } from '../options/plan.js';
import { describeMaster } from '../storage/masters.js';
import { hasTierVariant, sweepMasterVariants, writeTierVariant } from '../storage/variant-tier.js';
import { type RenderJob, type SweepJob, parseVariantJob } from './messages.js';
import { identifyVariant, MasterChanged, renderVariant } from './render.js';

/** Backoff of a retried message: `base`, twice that, four times … at most 10 minutes. */
export function retryDelaySeconds(attempts: number, base = 10): number {
  return Math.min(600, base * 2 ** Math.min(10, Math.max(0, attempts - 1)));
}

/** Where dead letters are kept for an operator: one JSON object each. */
export const DEAD_LETTER_PREFIX = 'jobs/dead-letters/';

/** The dead-letter queue's consumer: keeps each message in R2, then lets it go. */
export async function keepDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const record = { id: message.id, queue: batch.queue, attempts: message.attempts, sent: message.timestamp.toISOString(), body: message.body };
    await env.MASTERS.put(`${DEAD_LETTER_PREFIX}${message.timestamp.toISOString()}-${message.id}.json`, JSON.stringify(record).slice(0, 65_536), {
      httpMetadata: { contentType: 'application/json' },
    });
    message.ack();
  }
}

/** What became of one message: for logs and tests. */
export type JobOutcome = 'rendered' | 'present' | 'stale' | 'refused' | 'swept' | 'continued' | 'malformed' | 'busy';

async function render(job: RenderJob, env: Env, config: Config): Promise<JobOutcome> {
  const meta = await describeMaster(env.MASTERS, job.key);
  if (!meta || meta.etag !== job.masterEtag) return 'stale';
  const options = parseOptions(`width=${job.width},format=${job.format}`, config);
  const plan = planTransform(meta.info, options, config);
  const variant = await identifyVariant(meta, options, plan, null, config);
  if (await hasTierVariant(env.MASTERS, variant.tierKey)) return 'present';
  const holder = `queue:${crypto.randomUUID()}`;
  const lease = await acquireLease(env.VARIANT_LEASE, variant.tierKey, holder, config.variantLeaseMs);
  // A request is making it right now: look again later rather than make it twice.
  if (!lease.granted) return 'busy';
  try {
    const result = await renderVariant(env.MASTERS, meta, options, plan, variant.format, config);
    await writeTierVariant(env.MASTERS, variant.tierKey, new Uint8Array(result.bytes), variant);
    return 'rendered';
  } catch (error) {
    if (error instanceof MasterChanged) return 'stale';
    // The master cannot make this variant (too large, undecodable): retrying will not change that.
    if (error instanceof ImageError && error.status >= 400 && error.status < 500) {
      console.warn('pre-generation refused', job.key, job.width, job.format, error.detail);
      return 'refused';
    }
    throw error;
  } finally {
    await releaseLease(env.VARIANT_LEASE, variant.tierKey, holder);
  }
}

async function sweep(job: SweepJob, env: Env): Promise<JobOutcome> {
  const { cursor } = await sweepMasterVariants(env.MASTERS, job.key, job.keepEtag, job.cursor);
  if (!cursor) return 'swept';
  await env.VARIANT_JOBS.send({ ...job, cursor } satisfies SweepJob);
  return 'continued';
}

/** Runs one message's job; throws only for what is worth retrying. */
export async function runVariantJob(body: unknown, env: Env): Promise<JobOutcome> {
  const job = parseVariantJob(body);
  if (!job) return 'malformed';
  const config = configOf(env);
  return job.kind === 'render' ? render(job, env, config) : sweep(job, env);
}

export async function handleVariantJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue.endsWith('-dlq')) return keepDeadLetters(batch, env);
  const base = configOf(env).jobRetrySeconds;
  for (const message of batch.messages) {
    try {
      const outcome = await runVariantJob(message.body, env);
      if (outcome === 'malformed') console.error('dropped a malformed variant job', message.id);
      if (outcome === 'busy') message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
      else message.ack();
    } catch (error) {
      console.error('variant job failed; retrying', message.id, message.attempts, error);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
    }
  }
}
