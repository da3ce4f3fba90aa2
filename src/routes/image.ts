/**
 * GET/HEAD /cdn-cgi/image/<options>/<key> and <IMAGE_PREFIX>/<options>/<key>: a variant of a master,
 * from the Cache API when it is there, else transformed once (per isolate, at a time) and cached.
 */
import type { Context } from 'hono';
import { setMetric } from 'hono/timing';
import type { AppEnv } from '../app-env.js';
import { type Config, inputLimits } from '../config.js';
import { cacheControl, ifNoneMatchHits, imageHeaders, masterCacheTag } from '../http/caching.js';
import { ImageError } from '../http/problem.js';
import { admit } from '../limits/admit.js';
import { canonicalOptions, variantCacheUrl, variantETag } from '../options/cache-key.js';
import { checkSourceSize, planDecode } from '../options/decode-plan.js';
import { outputPixels } from '../options/geometry.js';
import { contentTypeOf, negotiateFormat } from '../options/negotiate.js';
import { parseOptions } from '../options/parse.js';
import { outputHasAlpha, planTransform, type TransformPlan } from '../options/plan.js';
import { resolveQuality } from '../options/quality.js';
import { parseImagePath } from '../options/source.js';
import type { OutputFormat, TransformOptions } from '../options/types.js';
import { transform, type TransformResult } from '../pipeline/run.js';
import { type MasterMeta, readMaster } from '../storage/masters.js';
import { dropMasterMeta, lookupMaster } from '../storage/meta-cache.js';
import { matchVariant, storeVariant } from '../storage/variant-cache.js';

/** Raised when the master changed between its metadata and its bytes: the request is answered afresh once. */
class MasterChanged extends Error {}

/** Refuses work that cannot fit, from the metadata alone: nothing is read or decoded first. */
function checkInputLimits(meta: MasterMeta, config: Config): void {
  if (meta.bytes > config.maxInputBytes) {
    throw new ImageError(413, 'input-too-large', `the master is ${meta.bytes} bytes, over the ${config.maxInputBytes}-byte limit`);
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

/** Reads the master and runs the pipeline on it, with the plan made for this request. */
async function produce(c: Context<AppEnv>, meta: MasterMeta, options: TransformOptions, plan: TransformPlan, format: OutputFormat): Promise<TransformResult> {
  const config = c.get('config');
  const started = performance.now();
  const bytes = await readMaster(c.env.MASTERS, meta);
  setMetric(c, 'r2', performance.now() - started, 'master read');
  if (!bytes) throw new MasterChanged();
  return transform({
    bytes,
    info: meta.info,
    options,
    plan,
    decode: planDecode(meta.info, plan.storedCrop, plan.storedResize, inputLimits(config)),
    format,
    quality: resolveQuality(options.quality, format, config.quality),
    avifSpeed: config.avifSpeed,
  });
}

function redirectToOriginal(c: Context<AppEnv>, key: string): Response {
  const location = '/originals/' + key.split('/').map(encodeURIComponent).join('/');
  return c.redirect(location, 302);
}

/** The image route: a bad URL is a 400 whatever `onerror` says; past that, a failed transform may redirect. */
export async function serveImage(c: Context<AppEnv>, rest: string): Promise<Response> {
  const config = c.get('config');
  const { options: segment, key } = parseImagePath(rest, new URL(c.req.url).host);
  const options = parseOptions(segment, config);
  try {
    return await serveVariant(c, key, options);
  } catch (error) {
    if (options.onerror === 'redirect' && error instanceof ImageError && [413, 415, 422].includes(error.status)) {
      return redirectToOriginal(c, key);
    }
    throw error;
  }
}

/** parse (done) → lookup → plan → cache → admit → produce → respond. */
async function serveVariant(c: Context<AppEnv>, key: string, options: TransformOptions, retried = false): Promise<Response> {
  const config = c.get('config');
  const url = new URL(c.req.url);
  const cache = caches.default;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p.catch((e) => console.error('cache write failed', e)));

  // Lookup: the master's metadata, from the Cache API (R2 only when it is not there).
  const lookupStarted = performance.now();
  const { meta } = await lookupMaster(cache, c.env.MASTERS, url.origin, key, config.metaTtl, waitUntil);
  if (!meta) throw new ImageError(404, 'no-master', `there is no master named ${key}`);

  // Plan: once per request, from the metadata alone; everything below (and the pipeline) uses this plan.
  const plan = planTransform(meta.info, options, config);
  if (options.format === 'json') {
    return c.json(metadataJson(meta, plan), 200, { 'Cache-Control': `public, max-age=${config.metaTtl}`, ...imageHeaders });
  }
  const pixels = outputPixels(plan.geometry);
  const format = negotiateFormat({
    requested: options.format,
    accept: c.req.header('Accept') ?? null,
    hasAlpha: outputHasAlpha(meta.info, options, 'png'),
    outputPixels: pixels,
    avifMaxPixels: config.avifMaxPixels,
    avifLimitPixels: config.avifLimitPixels,
  });

  // Cache: revalidation and hits are answered from the metadata and the variant cache alone.
  const canonical = canonicalOptions(options);
  const etag = await variantETag(meta.etag, canonical, format);
  const headers: Record<string, string> = {
    'Cache-Control': cacheControl(config),
    ETag: etag,
    'Cache-Tag': masterCacheTag(key),
    ...imageHeaders,
  };
  if (options.format === 'auto') headers.Vary = 'Accept';
  if (ifNoneMatchHits(c.req.header('If-None-Match') ?? null, etag)) {
    return new Response(null, { status: 304, headers });
  }
  const cacheUrl = variantCacheUrl(url.origin, key, meta.etag, canonical, format);
  const hit = await matchVariant(cache, cacheUrl);
  setMetric(c, 'cache', performance.now() - lookupStarted, 'metadata and variant lookup');
  if (hit) {
    const response = new Response(hit.body, hit);
    response.headers.set('X-Cache', 'HIT');
    return response;
  }

  // Admit and produce: limits from the metadata first, then the gate, breaker, quota and coalescing (limits/admit.ts).
  checkInputLimits(meta, config);
  const variantHeaders = { ...headers, 'Content-Type': contentTypeOf(format) };
  let admitted;
  try {
    admitted = await admit(c, {
      key: cacheUrl,
      outputPixels: pixels,
      run: () => produce(c, meta, options, plan, format),
      settled: (made: TransformResult) => {
        // What is shared through the cache carries no per-request or per-client header.
        const stored = storeVariant(cache, cacheUrl, new Response(made.bytes.slice(0), { headers: variantHeaders }));
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
  const { value: result, joined, rateLimit } = admitted;
  // Observable, so a stampede test can count how many transforms really ran.
  if (joined) setMetric(c, 'coalesced', 0, 'joined a concurrent transform of the same variant');
  for (const [phase, ms] of Object.entries(result.timings)) setMetric(c, phase, ms);
  return new Response(result.bytes.slice(0), { headers: { ...variantHeaders, ...rateLimit, 'X-Cache': 'MISS' } });
}
