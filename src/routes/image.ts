/**
 * GET/HEAD /cdn-cgi/image/<options>/<key> and <IMAGE_PREFIX>/<options>/<key>: a variant of a master, from the
 * Cache API, else the R2 variant tier, else transformed once (across isolates, under a lease) and kept in both.
 */
import type { Context } from 'hono';
import { setMetric } from 'hono/timing';
import type { AppEnv } from '../app-env.js';
import { type Config, inputLimits } from '../config.js';
import { CDN_CACHE_CONTROL, cdnCacheControl, ifNoneMatchHits, imageHeaders, masterCacheTag, masterDerivedHeaders } from '../http/caching.js';
import { ImageError } from '../http/problem.js';
import { identifyVariant, MasterChanged, renderVariant, type VariantIdentity } from '../jobs/render.js';
import { admit } from '../limits/admit.js';
import { acquireLease, releaseLease } from '../limits/variant-lease.js';
import { variantCacheUrl } from '../options/cache-key.js';
import { negotiationHeaders, withAutoWidth } from '../options/client-hints.js';
import { withConnectionQuality } from '../options/connection.js';
import { checkSourceSize } from '../options/decode-plan.js';
import { checkWholeSize } from '../pipeline/steps/decode.js';
import { contentTypeOf } from '../options/negotiate.js';
import { planTransform, type TransformPlan } from '../options/plan.js';
import { parseImagePath } from '../options/source.js';
import { noteEvent, noteMaster } from '../observe/middleware.js';
import type { TransformOptions } from '../options/types.js';
import type { MasterMeta } from '../storage/masters.js';
import { dropMasterMeta, lookupMaster } from '../storage/meta-cache.js';
import { matchVariant, storeVariant } from '../storage/variant-cache.js';
import { readTierVariant, type StoredVariant, writeTierVariant } from '../storage/variant-tier.js';
import { originPull } from './origin-pull.js';
import { serveGoverned } from './governed-image.js';

/** A variant's bytes, and whether this isolate made them or found them in the R2 tier after waiting for a lease. */
interface Made {
  bytes: ArrayBuffer;
  timings: Record<string, number>;
  from: 'transform' | 'tier';
}

/** How often a request waiting on another isolate's lease looks for the variant in the R2 tier. */
const TIER_POLL_MS = 100;

/** Refuses work that cannot fit, from the metadata alone: nothing is read or decoded first. */
function checkInputLimits(meta: MasterMeta, config: Config): void {
  if (meta.bytes > config.maxInputBytes) {
    throw new ImageError(413, 'input-too-large', `the master is ${meta.bytes} bytes, over the ${config.maxInputBytes}-byte limit`);
  }
  // WebP, AVIF and GIF are decoded from the whole file in memory (JPEG and PNG are streamed).
  if (meta.info.format !== 'jpeg' && meta.info.format !== 'png') {
    checkWholeSize(meta.info.format, meta.bytes, config.maxBufferedInputBytes, `the ${meta.info.format} decoder`);
  }
  checkSourceSize(meta.info, inputLimits(config));
}

function metadataJson(meta: MasterMeta, plan: TransformPlan) {
  return {
    key: meta.key,
    width: plan.geometry.canvas.width,
    height: plan.geometry.canvas.height,
    original: { width: meta.info.width, height: meta.info.height, format: meta.info.format, bytes: meta.bytes, etag: meta.etag },
  };
}

/** The variant from the R2 tier once another isolate's lease on it ends; null when the lease ran out first. */
async function awaitTier(bucket: R2Bucket, tierKey: string, until: number): Promise<StoredVariant | null> {
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, TIER_POLL_MS));
    const stored = await readTierVariant(bucket, tierKey);
    if (stored) return stored;
  }
  return null;
}

/**
 * Makes the variant once across isolates: with the lease, transform (through this isolate's gate) and write the
 * tier behind the response; without it, wait for the holder's write, and transform only if the lease expires first
 * (its holder is gone).
 */
async function produce(
  c: Context<AppEnv>,
  meta: MasterMeta,
  options: TransformOptions,
  plan: TransformPlan,
  variant: VariantIdentity,
  inGate: <R>(transform: () => Promise<R>) => Promise<R>,
): Promise<Made> {
  const config = c.get('config');
  const leases = c.env.VARIANT_LEASE;
  const holder = crypto.randomUUID();
  const lease = await acquireLease(leases, variant.tierKey, holder, config.variantLeaseMs);
  if (!lease.granted) {
    const stored = await awaitTier(c.env.MASTERS, variant.tierKey, lease.expiresAt);
    if (stored) return { bytes: stored.bytes, timings: {}, from: 'tier' };
    await acquireLease(leases, variant.tierKey, holder, config.variantLeaseMs);
  }
  try {
    // Request events: the wait for this isolate's gate, and the transform's wall time (clocks advance across I/O).
    const queued = performance.now();
    let started = queued;
    const result = await inGate(() => {
      started = performance.now();
      return renderVariant(c.env.MASTERS, meta, options, plan, variant.format, config);
    });
    const times = { queue: started - queued, transform: performance.now() - started - (result.timings.r2 ?? 0) };
    const stored = writeTierVariant(c.env.MASTERS, variant.tierKey, new Uint8Array(result.bytes), variant).finally(() => releaseLease(leases, variant.tierKey, holder));
    c.executionCtx.waitUntil(stored.catch((e) => console.error('variant tier write failed', e)));
    return { bytes: result.bytes, timings: { ...result.timings, ...times }, from: 'transform' };
  } catch (error) {
    await releaseLease(leases, variant.tierKey, holder);
    throw error;
  }
}

function redirectToOriginal(c: Context<AppEnv>, key: string): Response {
  const location = '/originals/' + key.split('/').map(encodeURIComponent).join('/');
  return c.redirect(location, 302);
}

/** The image route: a bad URL is a 400 whatever `onerror` says; past that, a failed transform may redirect. */
export async function serveImage(c: Context<AppEnv>, rest: string): Promise<Response> {
  const config = c.get('config');
  const { options: segment, key } = parseImagePath(rest, new URL(c.req.url).host, config.origins);
  // Presets, allowlists and signed URLs decide the options; without any configured this is parseOptions.
  return serveGoverned(c, segment, key, serveParsedImage);
}

/** The image route past parsing (and governance, routes/governed-image.ts): options already validated. */
export async function serveParsedImage(c: Context<AppEnv>, key: string, options: TransformOptions): Promise<Response> {
  try {
    return await serveVariant(c, key, options);
  } catch (error) {
    if (options.onerror === 'redirect' && error instanceof ImageError && [413, 415, 422].includes(error.status)) {
      return redirectToOriginal(c, key);
    }
    throw error;
  }
}

/** parse (done) → lookup → plan → cache → tier → admit → produce → respond. */
async function serveVariant(c: Context<AppEnv>, key: string, requested: TransformOptions, retried = false): Promise<Response> {
  const config = c.get('config');
  // width=auto and slow-connection-quality: what the client hints choose (a width bucket, slow or not) is the option
  // from here on, and in the cache key; the hints themselves never are.
  const hints = c.req.raw.headers;
  const options = withConnectionQuality(withAutoWidth(requested, hints, config.maxOutputDimension), hints);
  const url = new URL(c.req.url);
  const cache = caches.default;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p.catch((e) => console.error('cache write failed', e)));

  // Lookup: the master's metadata, from the isolate's memo, the Cache API, R2, or (pull-through) its origin.
  const lookupStarted = performance.now();
  const { meta, source } = await lookupMaster(cache, c.env.MASTERS, url.origin, key, config, waitUntil, originPull(c));
  setMetric(c, 'meta', performance.now() - lookupStarted, source);
  noteMaster(c, key, meta);
  if (!meta) throw new ImageError(404, 'no-master', `there is no master named ${key}`);

  // Plan: once per request, from the metadata alone; everything below (and the pipeline) uses this plan.
  const plan = planTransform(meta.info, options, config);
  if (options.format === 'json') {
    const json = { 'Cache-Control': `public, max-age=${config.metaTtl}`, [CDN_CACHE_CONTROL]: cdnCacheControl(config), 'Cache-Tag': masterCacheTag(key) };
    return c.json(metadataJson(meta, plan), 200, { ...json, ...imageHeaders });
  }
  const variant = await identifyVariant(meta, options, plan, c.req.header('Accept') ?? null, config);

  noteEvent(c, { format: variant.format });
  // Cache: revalidation and hits are answered from the metadata and the variant cache alone.
  const headers: Record<string, string> = { ...masterDerivedHeaders(config, key), ETag: variant.etag, ...imageHeaders };
  Object.assign(headers, negotiationHeaders(options));
  if (ifNoneMatchHits(c.req.header('If-None-Match') ?? null, variant.etag)) {
    return new Response(null, { status: 304, headers });
  }
  const cacheUrl = variantCacheUrl(url.origin, key, meta.etag, variant.canonical, variant.format);
  const hit = await matchVariant(cache, cacheUrl);
  setMetric(c, 'cache', performance.now() - lookupStarted, 'metadata and variant lookup');
  if (hit) {
    const response = new Response(hit.body, hit);
    response.headers.set(CDN_CACHE_CONTROL, headers[CDN_CACHE_CONTROL]!);
    response.headers.set('X-Cache', 'HIT');
    // The entry may have been stored for an equivalent URL that negotiated differently (width=1200, width=auto).
    const negotiated = negotiationHeaders(options);
    for (const name of ['Vary', 'Accept-CH']) {
      if (negotiated[name] !== undefined) response.headers.set(name, negotiated[name]);
      else response.headers.delete(name);
    }
    noteEvent(c, { outputBytes: Number(hit.headers.get('Content-Length') ?? 0) });
    return response;
  }
  const variantHeaders = { ...headers, 'Content-Type': contentTypeOf(variant.format) };
  // What is shared through the cache carries no per-request or per-client header.
  const keep = (bytes: ArrayBuffer) => storeVariant(cache, cacheUrl, new Response(bytes.slice(0), { headers: variantHeaders }));

  // Tier: the variant made once for every data centre, in R2.
  const tierStarted = performance.now();
  const tiered = await readTierVariant(c.env.MASTERS, variant.tierKey);
  setMetric(c, 'tier', performance.now() - tierStarted, 'R2 variant tier');
  if (tiered) {
    waitUntil(keep(tiered.bytes));
    noteEvent(c, { outputBytes: tiered.bytes.byteLength });
    return new Response(tiered.bytes, { headers: { ...variantHeaders, 'X-Cache': 'TIER' } });
  }

  // Admit and produce: limits from the metadata first, then the gate, breaker, quota and coalescing (limits/admit.ts).
  checkInputLimits(meta, config);
  let admitted;
  try {
    admitted = await admit(c, {
      key: cacheUrl,
      outputPixels: variant.outputPixels,
      run: (inGate) => produce(c, meta, options, plan, variant, inGate),
      settled: (made: Made) => {
        const stored = keep(made.bytes);
        waitUntil(stored);
        return stored;
      },
    });
  } catch (error) {
    if (error instanceof MasterChanged && !retried) {
      await dropMasterMeta(cache, url.origin, key);
      return serveVariant(c, key, options, true);
    }
    if (error instanceof MasterChanged) throw new ImageError(503, 'master-changed', 'the master is changing; try again', { 'Retry-After': '1' });
    throw error;
  }

  // Respond.
  const { value: made, joined, exempt } = admitted;
  noteEvent(c, { quota: exempt ? 'exempt' : 'charged' });
  // Observable, so a stampede test can count how many transforms really ran.
  if (joined) setMetric(c, 'coalesced', 0, 'joined a concurrent transform of the same variant');
  for (const [phase, ms] of Object.entries(made.timings)) setMetric(c, phase, ms);
  noteEvent(c, { outputBytes: made.bytes.byteLength });
  return new Response(made.bytes.slice(0), { headers: { ...variantHeaders, 'X-Cache': made.from === 'tier' ? 'TIER' : 'MISS' } });
}
