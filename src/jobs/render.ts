/**
 * Making one variant from R2: the master's bytes (only if it is still the version the metadata names), the
 * pipeline, and the variant's identity (ETag and R2 tier key). Shared by the image route and the queue consumer,
 * so a pre-generated variant is byte for byte the one a request would have made.
 */
import { type Config, inputLimits } from '../config.js';
import { animatedFormat, animates } from '../options/animation.js';
import { canonicalOptions, variantETag } from '../options/cache-key.js';
import { fastFormat } from '../options/compression.js';
import { planDecode } from '../options/decode-plan.js';
import { outputPixels } from '../options/geometry.js';
import { negotiateFormat } from '../options/negotiate.js';
import { outputHasAlpha, type TransformPlan } from '../options/plan.js';
import { resolveQuality } from '../options/quality.js';
import type { OutputFormat, TransformOptions } from '../options/types.js';
import { refinePlan } from '../pipeline/prepass.js';
import { transform, type TransformResult } from '../pipeline/run.js';
import { MasterChanged, r2MasterSource } from '../storage/master-source.js';
import type { MasterMeta } from '../storage/masters.js';
import { variantObjectKey } from '../storage/variant-tier.js';

/** Raised when the master changed between its metadata and its bytes. */
export { MasterChanged };

/** Who a variant is: the format it is encoded in, its canonical options, strong ETag and R2 tier object. */
export interface VariantIdentity {
  format: OutputFormat;
  canonical: string;
  etag: string;
  tierKey: string;
  outputPixels: number;
}

/** The identity of the variant `options` ask for under `plan`, for a client whose Accept header is `accept`. */
export async function identifyVariant(meta: MasterMeta, options: TransformOptions, plan: TransformPlan, accept: string | null, config: Config): Promise<VariantIdentity> {
  const pixels = outputPixels(plan.geometry);
  const fast = options.compression === 'fast' && options.format === 'auto';
  const format = animatedFormat(meta.info, options, accept) ?? (fast ? fastFormat({ accept, hasAlpha: outputHasAlpha(meta.info, options, 'png') }) : negotiateFormat({
    requested: options.format,
    accept,
    hasAlpha: outputHasAlpha(meta.info, options, 'png'),
    outputPixels: pixels,
    avifMaxPixels: config.avifMaxPixels,
    avifLimitPixels: config.avifLimitPixels,
  }));
  const canonical = canonicalOptions(options);
  const etag = await variantETag(meta.etag, canonical, format);
  return { format, canonical, etag, tierKey: variantObjectKey(meta.key, meta.etag, etag), outputPixels: pixels };
}

/**
 * Runs the pipeline with the plan made for this variant over the master streamed from R2 (pinned to the looked-up
 * etag: a master replaced meanwhile is MasterChanged). Reading it is part of the decode's time.
 */
export async function renderVariant(bucket: R2Bucket, meta: MasterMeta, options: TransformOptions, plan: TransformPlan, format: OutputFormat, config: Config): Promise<TransformResult> {
  const master = { source: r2MasterSource(bucket, meta), maxWholeBytes: config.maxBufferedInputBytes };
  // trim=border and gravity=auto/face look at the pixels first (only when they change something).
  const prepassStarted = performance.now();
  const planned = await refinePlan(() => master, { info: meta.info, options, plan, limits: { ...config, ...inputLimits(config) } });
  const prepass = performance.now() - prepassStarted;
  const result = await transform({
    ...master,
    info: meta.info,
    options,
    plan: planned,
    decode: planDecode(meta.info, planned.storedCrop, planned.storedResize, inputLimits(config)),
    format,
    quality: resolveQuality(options.quality, format, config.quality),
    avifSpeed: config.avifSpeed,
    animation: animates(meta.info, options, format) ? { maxPixels: config.animationMaxPixels } : undefined,
  });
  return planned === plan ? result : { ...result, timings: { prepass, ...result.timings } };
}
