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
import { checkBreaker, countTransform } from '../limits/breaker.js';
import { chargeClient, clientOf, transformCost, transformPolicy } from '../limits/quota.js';
import { Coalescer, type TransformGate, busy, codecGate } from '../limits/transform-gate.js';
import { carriesUploadToken } from '../limits/upload-auth.js';
import { canonicalOptions, variantCacheUrl, variantETag } from '../options/cache-key.js';
import { outputPixels } from '../options/geometry.js';
import { contentTypeOf, negotiateFormat } from '../options/negotiate.js';
import { parseOptions } from '../options/parse.js';
import { parseImagePath } from '../options/source.js';
import type { OutputFormat, TransformOptions } from '../options/types.js';
import { checkSourceSize } from '../pipeline/decode-plan.js';
import { resolveQuality } from '../pipeline/encode.js';
import { outputHasAlpha, planTransform } from '../pipeline/prepare.js';
import { transform, type TransformResult } from '../pipeline/run.js';
import { type MasterMeta, readMaster } from '../storage/masters.js';
import { dropMasterMeta, lookupMaster } from '../storage/meta-cache.js';
import { matchVariant, storeVariant } from '../storage/variant-cache.js';

let gate: TransformGate | undefined;
const stampede = new Coalescer<TransformResult>();

/** Raised when the master changed between its metadata and its bytes: the request is answered afresh once. */
class MasterChanged extends Error {}

/** Refuses work that cannot fit, from the metadata alone: nothing is read or decoded first. */
function checkInputLimits(meta: MasterMeta, config: Config): void {
  if (meta.bytes > config.maxInputBytes) {
    throw new ImageError(413, 'input-too-large', `the master is ${meta.bytes} bytes, over the ${config.maxInputBytes}-byte limit`);
  }
  checkSourceSize(meta.info, inputLimits(config));
}

function metadataJson(meta: MasterMeta, options: TransformOptions, config: Config) {
  const { plan } = planTransform(meta.info, options, config);
  return {
    key: meta.key,
    width: plan.canvas.width,
    height: plan.canvas.height,
    original: { width: meta.info.width, height: meta.info.height, format: meta.info.format, bytes: meta.bytes, etag: meta.etag },
  };
}

async function produce(c: Context<AppEnv>, meta: MasterMeta, options: TransformOptions, format: OutputFormat): Promise<TransformResult> {
  const config = c.get('config');
  const started = performance.now();
  const bytes = await readMaster(c.env.MASTERS, meta);
  setMetric(c, 'r2', performance.now() - started, 'master read');
  if (!bytes) throw new MasterChanged();
  return transform({
    bytes,
    info: meta.info,
    options,
    format,
    quality: resolveQuality(options.quality, format, config.quality),
    avifSpeed: config.avifSpeed,
    maxOutputDimension: config.maxOutputDimension,
    maxOutputPixels: config.maxOutputPixels,
    limits: inputLimits(config),
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

async function serveVariant(c: Context<AppEnv>, key: string, options: TransformOptions, retried = false): Promise<Response> {
  const config = c.get('config');
  const url = new URL(c.req.url);
  const cache = caches.default;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p.catch((e) => console.error('cache write failed', e)));

  const lookupStarted = performance.now();
  const { meta } = await lookupMaster(cache, c.env.MASTERS, url.origin, key, config.metaTtl, waitUntil);
  if (!meta) throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  if (options.format === 'json') {
    return c.json(metadataJson(meta, options, config), 200, { 'Cache-Control': `public, max-age=${config.metaTtl}`, ...imageHeaders });
  }

  const { plan } = planTransform(meta.info, options, config);
  const format = negotiateFormat({
    requested: options.format,
    accept: c.req.header('Accept') ?? null,
    hasAlpha: outputHasAlpha(meta.info, options, 'png'),
    outputPixels: outputPixels(plan),
    avifMaxPixels: config.avifMaxPixels,
    avifLimitPixels: config.avifLimitPixels,
  });
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

  checkInputLimits(meta, config);
  // Only work is charged: everything above (hits, 304s, errors) made no Durable Object call, and what is
  // refused below for load (503) is refused before the client is charged for it.
  gate ??= codecGate(() => config.maxQueuedTransforms);
  if (gate.full) throw busy();
  const client = clientOf(c.req.raw, config.quota, await carriesUploadToken(config.uploadToken, c.req.header('Authorization')));
  if (!client.exempt) await checkBreaker(c.env, config.globalTransformLimit);
  const charge = { policy: transformPolicy(config.quota), cost: transformCost(outputPixels(plan)) };
  const rateLimit = await chargeClient(c.env, client, [charge], true);
  if (!client.exempt) countTransform();
  const variantHeaders = { ...headers, 'Content-Type': contentTypeOf(format) };
  let result: TransformResult;
  try {
    const { value, joined } = await stampede.run(
      cacheUrl,
      () => gate!.run(() => produce(c, meta, options, format)),
      (made) => {
        // What is shared through the cache carries no per-request or per-client header.
        const stored = storeVariant(cache, cacheUrl, new Response(made.bytes.slice(0), { headers: variantHeaders }));
        waitUntil(stored);
        return stored;
      },
    );
    result = value;
    // Observable, so a stampede test can count how many transforms really ran.
    if (joined) setMetric(c, 'coalesced', 0, 'joined a concurrent transform of the same variant');
  } catch (error) {
    if (error instanceof MasterChanged && !retried) {
      await dropMasterMeta(cache, url.origin, key);
      return serveVariant(c, key, options, true);
    }
    if (error instanceof MasterChanged) throw new ImageError(503, 'master-changed', 'the master is changing; try again', { 'Retry-After': '1' });
    throw error;
  }
  for (const [phase, ms] of Object.entries(result.timings)) setMetric(c, phase, ms);
  return new Response(result.bytes.slice(0), { headers: { ...variantHeaders, ...rateLimit, 'X-Cache': 'MISS' } });
}
