/**
 * The variant-jobs queue: the consumer against Miniflare's real R2 and Durable Objects (batches built with
 * createMessageBatch, outcomes read with getQueueResult), uploads that queue pre-generation through the real queue,
 * and the Cron Trigger's sweep.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import dune from '../../samples/photos/dune.jpg?bytes';
import storm from '../../samples/photos/storm.jpg?bytes';
import { readConfig } from '../../src/config.js';
import worker from '../../src/index.js';
import { DEAD_LETTER_PREFIX, retryDelaySeconds, runVariantJob } from '../../src/jobs/consumer.js';
import { pregenerationJobs } from '../../src/jobs/messages.js';
import { acquireLease } from '../../src/limits/variant-lease.js';
import { SWEEP_CURSOR_KEY, sweepStaleVariants } from '../../src/jobs/scheduled-sweep.js';
import { masterVariantsPrefix, sweepMasterVariants } from '../../src/storage/variant-tier.js';
import { decodeAny, magicOf } from '../helpers/images.js';
import { eventually, tierKeyOf, tierKeys } from '../helpers/tier.js';
import { ORIGIN, bodyBytes, get, putMaster } from '../helpers/worker.js';
import { auth } from '../routes/masters-client.js';

async function etagOf(key: string): Promise<string> {
  return (await env.MASTERS.head(`masters/${key}`))!.etag;
}

async function consume(bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch('edge-image-variant-jobs', bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })));
  const ctx = createExecutionContext();
  await worker.queue!(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe('render jobs', () => {
  it('render a variant into the tier once; a second delivery finds it there', async () => {
    await putMaster('jobs/storm.jpg', storm);
    const job = { kind: 'render', key: 'jobs/storm.jpg', masterEtag: await etagOf('jobs/storm.jpg'), width: 48, format: 'webp' };
    expect(await runVariantJob(job, env)).toBe('rendered');
    const stored = await env.MASTERS.get(await tierKeyOf('jobs/storm.jpg', 'width=48', 'webp'));
    const bytes = new Uint8Array(await stored!.arrayBuffer());
    expect(magicOf(bytes)).toBe('webp');
    expect((await decodeAny(bytes)).width).toBe(48);
    expect(await runVariantJob(job, env)).toBe('present');
    const result = await consume([job]);
    expect(result.explicitAcks).toEqual(['m0']);
    expect(result.retryMessages).toEqual([]);
  });

  it('are the same bytes a request would have made, served as TIER on the first request', async () => {
    await putMaster('jobs/first.jpg', storm);
    await runVariantJob({ kind: 'render', key: 'jobs/first.jpg', masterEtag: await etagOf('jobs/first.jpg'), width: 60, format: 'jpeg' }, env);
    const first = await get('/cdn-cgi/image/width=60,format=jpeg/jobs/first.jpg');
    expect(first.headers.get('X-Cache')).toBe('TIER');
    const tierBytes = await bodyBytes(first);
    await putMaster('jobs/second.jpg', storm);
    const made = await get('/cdn-cgi/image/width=60,format=jpeg/jobs/second.jpg');
    expect(made.headers.get('X-Cache')).toBe('MISS');
    expect(await bodyBytes(made)).toEqual(tierBytes);
  });

  it('are dropped for an older version of the master, or a master that is gone', async () => {
    await putMaster('jobs/moved.jpg', storm);
    const old = await etagOf('jobs/moved.jpg');
    await putMaster('jobs/moved.jpg', dune);
    expect(await runVariantJob({ kind: 'render', key: 'jobs/moved.jpg', masterEtag: old, width: 40, format: 'webp' }, env)).toBe('stale');
    expect(await runVariantJob({ kind: 'render', key: 'jobs/none.jpg', masterEtag: old, width: 40, format: 'webp' }, env)).toBe('stale');
    expect(await tierKeys(masterVariantsPrefix('jobs/moved.jpg'))).toEqual([]);
    expect((await consume([{ kind: 'render', key: 'jobs/moved.jpg', masterEtag: old, width: 40, format: 'webp' }])).explicitAcks).toEqual(['m0']);
  });

  it('are retried with backoff while a request holds the lease on that variant', async () => {
    await putMaster('jobs/busy.jpg', storm);
    const tierKey = await tierKeyOf('jobs/busy.jpg', 'width=41', 'webp');
    await acquireLease(env.VARIANT_LEASE, tierKey, 'a-request', 5000);
    const job = { kind: 'render', key: 'jobs/busy.jpg', masterEtag: await etagOf('jobs/busy.jpg'), width: 41, format: 'webp' };
    const result = await consume([job], 3);
    expect(result.explicitAcks).toEqual([]);
    // The delay asked for is retryDelaySeconds' (JOB_RETRY_SECONDS is 0 in the tests), tested below; the pool does not report it.
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m0']);
    expect(await env.MASTERS.head(tierKey)).toBeNull();
  });

  it('are acknowledged, not retried, when the master cannot make the variant', async () => {
    await putMaster('jobs/broken.jpg', storm.slice(0, 2000));
    const job = { kind: 'render', key: 'jobs/broken.jpg', masterEtag: await etagOf('jobs/broken.jpg'), width: 40, format: 'webp' };
    expect(await runVariantJob(job, env)).toBe('refused');
  });

  it('drop malformed messages instead of running them', async () => {
    for (const body of [null, 'x', { kind: 'render', key: 'a.jpg', masterEtag: 'e', width: 0, format: 'webp' }, { kind: 'render', key: 'a.jpg', masterEtag: 'e', width: 10, format: 'gif' }, { kind: 'delete-all' }]) {
      expect(await runVariantJob(body, env)).toBe('malformed');
    }
    expect((await consume([{ kind: 'nope' }])).explicitAcks).toEqual(['m0']);
  });

  it('back off exponentially, up to ten minutes', () => {
    expect([1, 2, 3, 4, 7, 20, 2000].map((n) => retryDelaySeconds(n))).toEqual([10, 20, 40, 80, 600, 600, 600]);
    expect(retryDelaySeconds(3, 0)).toBe(0);
  });

  it('end in the dead-letter queue after max_retries, kept in R2 for an operator', async () => {
    await putMaster('jobs/dead.jpg', storm);
    const tierKey = await tierKeyOf('jobs/dead.jpg', 'width=42', 'webp');
    // A request that never finishes holds the lease: the job fails on purpose at every attempt.
    await acquireLease(env.VARIANT_LEASE, tierKey, 'stuck-request', 60_000);
    const job = { kind: 'render', key: 'jobs/dead.jpg', masterEtag: await etagOf('jobs/dead.jpg'), width: 42, format: 'webp' };
    await env.VARIANT_JOBS.send(job);
    const dead = async () => (await tierKeys(DEAD_LETTER_PREFIX)).length > 0;
    expect(await eventually(dead, 30_000)).toBe(true);
    const [letterKey] = await tierKeys(DEAD_LETTER_PREFIX);
    const letter = (await (await env.MASTERS.get(letterKey!))!.json()) as { body: unknown; queue: string; attempts: number };
    expect(letter.queue).toBe('edge-image-variant-jobs-dlq');
    expect(letter.body).toEqual(job);
    expect(await env.MASTERS.head(tierKey)).toBeNull();
  }, 40_000);
});

describe('pre-generation after an upload', () => {
  it('queues every configured width × format through the real queue and fills the tier', async () => {
    const ctx = createExecutionContext();
    const request = new Request(`${ORIGIN}/masters/jobs/pregen.jpg`, { method: 'PUT', body: storm, headers: { ...auth, 'Content-Type': 'image/jpeg' } });
    const response = await worker.fetch!(request, { ...env, PREGENERATE_WIDTHS: '50,70', PREGENERATE_FORMATS: 'webp,jpeg' }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(201);
    const prefix = masterVariantsPrefix('jobs/pregen.jpg');
    expect(await eventually(async () => (await tierKeys(prefix)).length === 4, 15_000)).toBe(true);
    const first = await get('/cdn-cgi/image/width=70,format=webp/jobs/pregen.jpg');
    expect(first.headers.get('X-Cache')).toBe('TIER');
    expect((await decodeAny(await bodyBytes(first))).width).toBe(70);
  });

  it('PREGENERATE_WIDTHS=auto stands for the four widths width=auto serves (so it is served from the tier)', () => {
    expect(readConfig({ PREGENERATE_WIDTHS: 'auto', PREGENERATE_FORMATS: 'webp' }).pregenerate.widths).toEqual([320, 768, 960, 1200]);
    expect(readConfig({ PREGENERATE_WIDTHS: '1920,auto,320', PREGENERATE_FORMATS: 'webp' }).pregenerate.widths).toEqual([320, 768, 960, 1200, 1920]);
    expect(readConfig({ PREGENERATE_WIDTHS: 'auto', MAX_OUTPUT_DIMENSION: '900' }).pregenerate.widths).toEqual([320, 768]);
    expect(() => readConfig({ PREGENERATE_WIDTHS: 'automatic' })).toThrow(/PREGENERATE_WIDTHS/);
  });

  it('makes one job per width and format', () => {
    const jobs = pregenerationJobs('k', 'e', { widths: [320, 640], formats: ['avif', 'webp', 'jpeg'] });
    expect(jobs).toHaveLength(6);
    expect(new Set(jobs.map((j) => `${j.width}/${j.format}`)).size).toBe(6);
  });
});

describe('sweeps', () => {
  async function putVariant(key: string, masterEtag: string, name: string): Promise<string> {
    const objectKey = `${masterVariantsPrefix(key)}${masterEtag}/${name}`;
    await env.MASTERS.put(objectKey, 'x', { httpMetadata: { contentType: 'image/webp' }, customMetadata: { etag: `"${name}"` } });
    return objectKey;
  }

  it("remove a master's other versions page by page, and leave its neighbours' alone", async () => {
    await putMaster('sw/a.jpg', storm);
    const current = await etagOf('sw/a.jpg');
    const keep = await putVariant('sw/a.jpg', current, 'v1-keep');
    for (const name of ['v1-1', 'v1-2', 'v1-3']) await putVariant('sw/a.jpg', 'old-etag', name);
    const neighbour = await putVariant('sw/a.jpg/b.jpg', 'old-etag', 'v1-n');
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await sweepMasterVariants(env.MASTERS, 'sw/a.jpg', current, cursor, 2);
      cursor = page.cursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(await tierKeys(masterVariantsPrefix('sw/a.jpg'))).toEqual([keep]);
    expect(await tierKeys(masterVariantsPrefix('sw/a.jpg/b.jpg'))).toEqual([neighbour]);
  });

  it('of the Cron Trigger remove variants of replaced and vanished masters, a bounded page per run', async () => {
    await putMaster('cron/live.jpg', storm);
    const live = await putVariant('cron/live.jpg', await etagOf('cron/live.jpg'), 'v1-live');
    const replaced = await putVariant('cron/live.jpg', 'older', 'v1-old');
    const orphan = await putVariant('cron/gone.jpg', 'whatever', 'v1-orphan');
    const reports = [];
    for (let run = 0; run < 20; run++) {
      const report = await sweepStaleVariants(env.MASTERS, 2);
      reports.push(report);
      expect(report.examined).toBeLessThanOrEqual(2);
      if (report.finished) break;
    }
    expect(reports.at(-1)!.finished).toBe(true);
    const left = await tierKeys('variants/cron/');
    expect(left).toContain(live);
    expect(left).not.toContain(replaced);
    expect(left).not.toContain(orphan);
    expect(await env.MASTERS.head(SWEEP_CURSOR_KEY)).toBeNull();
  });

  it('run from the scheduled handler', async () => {
    const orphan = await putVariant('cron/gone-too.jpg', 'whatever', 'v1-orphan');
    const ctx = createExecutionContext();
    for (let run = 0; run < 20 && (await env.MASTERS.head(orphan)); run++) {
      await worker.scheduled!(createScheduledController({ cron: '*/30 * * * *' }), env, ctx);
    }
    await waitOnExecutionContext(ctx);
    expect(await env.MASTERS.head(orphan)).toBeNull();
  });
});

describe('backfill', () => {
  it('queues pre-generation for existing masters page by page, behind the upload token', async () => {
    const call = async (path: string, headers: Record<string, string>, widths = '33') => {
      const ctx = createExecutionContext();
      const response = await worker.fetch!(new Request(ORIGIN + path, { method: 'POST', headers }), { ...env, PREGENERATE_WIDTHS: widths, PREGENERATE_FORMATS: 'webp' }, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    expect((await call('/jobs/pregenerate', {})).status).toBe(401);
    await putMaster('backfill/one.jpg', storm);
    let cursor: string | null = null;
    let masters = 0;
    let queued = 0;
    for (let page = 0; page < 20; page++) {
      const response = await call(`/jobs/pregenerate${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, auth);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { masters: number; queued: number; cursor: string | null };
      masters += body.masters;
      queued += body.queued;
      cursor = body.cursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    expect(queued).toBe(masters);
    const tierKey = await tierKeyOf('backfill/one.jpg', 'width=33', 'webp');
    expect(await eventually(async () => (await env.MASTERS.head(tierKey)) !== null, 15_000)).toBe(true);
  });
});
