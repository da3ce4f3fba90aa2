/** The one typed view of the Worker's `[vars]`: read once per isolate, validated, bounded, with defaults. */
import { AUTO_WIDTHS } from './options/client-hints.js';
import { parseExemptions } from './limits/client.js';
import { type Origin, parseOrigins } from './options/origins.js';
import type { OutputFormat } from './options/types.js';
import type { QuotaConfig } from './limits/quota.js';
import { readAllowlist, readAllowlistMode } from './options/allowlist.js';
import type { GovernanceConfig, SigningMode } from './options/govern.js';
import { readPresets } from './options/presets.js';
import { readSigningKeys } from './options/signature.js';
import { type LogMode, parseLogMode } from './observe/log-mode.js';

export interface Config {
  /** Second mount point of the image grammar, beside `/cdn-cgi/image` (a real zone reserves `/cdn-cgi/`). */
  imagePrefix: string;
  /** Largest width or height a variant may have, after `dpr`. */
  maxOutputDimension: number;
  /** Largest variant (width × height): the encoders hold the whole output in memory. */
  maxOutputPixels: number;
  /**
   * Largest image held decoded at once (width × height): PNG, AVIF and GIF masters whole, and what a JPEG or
   * WebP master is decoded to (they shrink on load). Sized by measurement for a 128 MB isolate.
   */
  maxInputPixels: number;
  /** Largest JPEG master (from its header); decoded at 1/2, 1/4 or 1/8 as the output allows. */
  maxJpegPixels: number;
  /** Largest WebP master; lossless WebP holds a full-size buffer while decoding, so this is lower. */
  maxWebpPixels: number;
  /** Largest non-interlaced PNG master (streamed a strip of rows at a time; interlaced ones stay under maxInputPixels). */
  maxPngPixels: number;
  /**
   * Largest AVIF master: decoded to YUV in the codec session (libavif + dav1d) and converted to RGBA a strip at a
   * time, so the YUV and alpha planes (dav1d's pictures) plus one decoder's frame state (~0.5 bytes per pixel) must
   * fit the module's 96 MiB: a 10-bit 4:2:0 one with alpha needs ~5.7 bytes per pixel, so 15 MP (83.5 MiB) leaves
   * ~12 MiB for the resize target (the encoder then reuses the freed planes). Deeper or less subsampled ones (12-bit
   * 4:4:4 with alpha: ~10 bytes per pixel) that do not fit are refused as out of memory (413).
   */
  maxAvifPixels: number;
  /**
   * Largest master, in bytes, we read from R2 for a transform. JPEG and non-interlaced PNG are streamed from R2 into
   * their decoder, so their size is no memory question; the formats decoded from a whole file are under
   * maxBufferedInputBytes as well.
   */
  maxInputBytes: number;
  /** Largest master read whole into memory for its decoder: WebP, AVIF, GIF and interlaced (Adam7) PNG. */
  maxBufferedInputBytes: number;
  /** Above this many output pixels, `format=auto` prefers WebP over AVIF (AVIF encoding is slow). */
  avifMaxPixels: number;
  /** Largest output encoded as AVIF at all: libaom holds ~21 bytes per output pixel. A larger format=avif is WebP. */
  avifLimitPixels: number;
  /**
   * Largest animation kept animated: frames × master width × master height. Above it an animated master is served
   * as its first frame (as Cloudflare does), with the format negotiated for it.
   */
  animationMaxPixels: number;
  /** `Cache-Control: max-age` of variants and originals, seconds. */
  cacheTtl: number;
  /** `stale-while-revalidate` of variants and originals, seconds. */
  staleWhileRevalidate: number;
  /**
   * Freshness of variants and originals in Workers Cache (`Cloudflare-CDN-Cache-Control: max-age`), seconds. A
   * replaced master is purged from it by tag; this bounds how long an old variant can outlive a purge that failed.
   */
  cdnTtl: number;
  /** How long a master's metadata entry lives in the Cache API (per data centre), seconds. */
  metaTtl: number;
  /** How long an isolate remembers a master's metadata without asking the Cache API, seconds (0: not at all). */
  metaMemoTtl: number;
  /** Variants made after each upload, ahead of the first request: every width in every format. */
  pregenerate: { widths: number[]; formats: OutputFormat[] };
  /** How long the isolate making a variant holds it against other isolates, ms. */
  variantLeaseMs: number;
  /** First retry delay of a failed variant job, seconds (doubling per attempt, at most 600). */
  jobRetrySeconds: number;
  /** Named origins masters are pulled from on a miss (`ORIGINS`); empty: masters come only from uploads. */
  origins: Origin[];
  /** How often a pulled master is revalidated against its origin (a conditional request), seconds. */
  originTtl: number;
  /** How long one origin fetch may take in all, redirects included, ms. */
  originTimeoutMs: number;
  /** Redirects followed per origin fetch, each re-checked against the origin. */
  originMaxRedirects: number;
  /** Default encoder quality per output format, 1..100. */
  quality: { avif: number; webp: number; jpeg: number };
  /** AVIF encoder speed, 0 (slowest, smallest) .. 10 (fastest). */
  avifSpeed: number;
  /** Transforms allowed to wait behind the running one in an isolate before we shed with 503. */
  maxQueuedTransforms: number;
  /**
   * Largest body, in bytes, `PUT /masters/<key>` takes (checked on Content-Length and while streaming): 100 MiB, the
   * Workers request body limit on Free and Pro. JPEG and non-interlaced PNG uploads are streamed into R2 while they
   * are validated, so this is not a memory limit; the formats read whole (and uploads without Content-Length, and
   * origin pulls) stay under maxBufferedInputBytes.
   */
  maxUploadBytes: number;
  /**
   * The bearer token that allows writing masters (the `UPLOAD_TOKEN` secret), or null when it is not set:
   * then every write is refused with 503, never let through.
   */
  uploadToken: string | null;
  /** Per-client token buckets (transforms per minute, uploads and upload bytes per hour) and exempt ranges. */
  quota: QuotaConfig;
  /** Transforms per minute across every client above which new cache misses are shed with 503. */
  globalTransformLimit: number;
  /** Presets, allowlists and signed URLs: which variants may be asked for at all. */
  governance: GovernanceConfig;
  /**
   * Request events: which requests get a JSON log line (`LOG_REQUESTS`), and the key of client pseudonyms (the
   * `EVENTS_SALT` secret; null: a random one per isolate). Analytics Engine gets every request when bound.
   */
  events: { logRequests: LogMode; salt: string | null };
}

export interface Vars {
  IMAGE_PREFIX?: string;
  MAX_OUTPUT_DIMENSION?: string;
  MAX_OUTPUT_PIXELS?: string;
  MAX_INPUT_PIXELS?: string;
  MAX_JPEG_INPUT_PIXELS?: string;
  MAX_WEBP_INPUT_PIXELS?: string;
  MAX_PNG_INPUT_PIXELS?: string;
  MAX_AVIF_INPUT_PIXELS?: string;
  MAX_INPUT_BYTES?: string;
  MAX_BUFFERED_INPUT_BYTES?: string;
  AVIF_MAX_PIXELS?: string;
  AVIF_LIMIT_PIXELS?: string;
  ANIMATION_MAX_PIXELS?: string;
  CACHE_TTL?: string;
  STALE_WHILE_REVALIDATE?: string;
  CDN_TTL?: string;
  META_TTL?: string;
  META_MEMO_TTL?: string;
  PREGENERATE_WIDTHS?: string;
  PREGENERATE_FORMATS?: string;
  VARIANT_LEASE_MS?: string;
  JOB_RETRY_SECONDS?: string;
  ORIGINS?: string;
  ORIGIN_TTL?: string;
  ORIGIN_TIMEOUT_MS?: string;
  ORIGIN_MAX_REDIRECTS?: string;
  QUALITY_AVIF?: string;
  QUALITY_WEBP?: string;
  QUALITY_JPEG?: string;
  AVIF_SPEED?: string;
  MAX_QUEUED_TRANSFORMS?: string;
  MAX_UPLOAD_BYTES?: string;
  /** A secret (`wrangler secret put UPLOAD_TOKEN`, `.dev.vars` locally), not a `[vars]` entry. */
  UPLOAD_TOKEN?: string;
  TRANSFORM_QUOTA_PER_MINUTE?: string;
  UPLOADS_PER_HOUR?: string;
  UPLOAD_BYTES_PER_HOUR?: string;
  GLOBAL_TRANSFORM_LIMIT?: string;
  QUOTA_EXEMPT?: string;
  // Governance: see readGovernance.
  PRESETS?: unknown;
  ALLOW_UNSIGNED_PRESETS?: string;
  ALLOWED_WIDTHS?: string;
  ALLOWED_HEIGHTS?: string;
  ALLOWED_QUALITIES?: string;
  ALLOWLIST_MODE?: string;
  SIGNED_URLS?: string;
  /** A secret (`wrangler secret put SIGNING_KEYS`, `.dev.vars` locally), not a `[vars]` entry. */
  SIGNING_KEYS?: string;
  LOG_REQUESTS?: string;
  /** A secret (optional), not a `[vars]` entry: the key of client pseudonyms in request events. */
  EVENTS_SALT?: string;
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`[vars] ${name}=${raw} must be an integer in ${min}..${max}`);
  }
  return value;
}

/** At most this many widths and formats: their product is the transforms each upload queues. */
const MAX_PREGENERATE_WIDTHS = 16;
const pregenerateFormats: readonly OutputFormat[] = ['avif', 'webp', 'jpeg', 'png'];

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * `PREGENERATE_WIDTHS`, where `auto` stands for the four widths `width=auto` can serve (320, 768, 960, 1200): those
 * variants are the ones of `width=<bucket>`, so pre-making them serves `width=auto` from the tier at once.
 */
function pregenerate(widths: string | undefined, formats: string | undefined, maxDimension: number): Config['pregenerate'] {
  const parsedWidths = list(widths).flatMap((w) => (w === 'auto' ? AUTO_WIDTHS.filter((a) => a <= maxDimension) : [integer(w, 'PREGENERATE_WIDTHS', 0, 1, maxDimension)]));
  if (parsedWidths.length > MAX_PREGENERATE_WIDTHS) throw new Error(`[vars] PREGENERATE_WIDTHS lists more than ${MAX_PREGENERATE_WIDTHS} widths`);
  const parsedFormats = list(formats).map((f) => {
    if (!pregenerateFormats.includes(f as OutputFormat)) throw new Error(`[vars] PREGENERATE_FORMATS: ${f} is not one of ${pregenerateFormats.join(', ')}`);
    return f as OutputFormat;
  });
  return { widths: [...new Set(parsedWidths)].sort((a, b) => a - b), formats: [...new Set(parsedFormats)] };
}

function prefix(raw: string | undefined): string {
  const value = (raw ?? '/img').replace(/\/+$/, '');
  const reserved = ['/cdn-cgi', '/masters', '/originals', '/health', '/jobs', '/srcset', '/placeholder'];
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value) || value === '' || reserved.some((r) => value === r || value.startsWith(r + '/'))) {
    throw new Error(`[vars] IMAGE_PREFIX=${raw} must be a path like /img`);
  }
  return value;
}

/** Shortest upload token we accept: anything shorter is guessable. */
const MIN_TOKEN_LENGTH = 16;

function token(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  // RFC 6750 §2.1 b64token, so that the token can be sent as `Authorization: Bearer <token>` unchanged.
  if (raw.length < MIN_TOKEN_LENGTH || raw.length > 1024 || !/^[A-Za-z0-9._~+/-]+=*$/.test(raw)) {
    // A bad secret disables writes (503) but must not take reads down with it.
    console.error(`UPLOAD_TOKEN must be ${MIN_TOKEN_LENGTH}..1024 characters of A-Z a-z 0-9 . _ ~ + / - (then any =): uploads are disabled`);
    return null;
  }
  return raw;
}

function signingMode(raw: string | undefined): SigningMode {
  if (raw === undefined || raw === '') return 'off';
  if (raw === 'off' || raw === 'optional' || raw === 'required') return raw;
  throw new Error(`[vars] SIGNED_URLS=${raw} must be off, optional or required`);
}

/**
 * The governance settings, all off by default (Cloudflare's grammar takes any size):
 * - `PRESETS`: named option sets, `[vars.PRESETS]` `card = { options = "width=400,fit=cover", allow = ["format", "dpr"] }`.
 * - `ALLOW_UNSIGNED_PRESETS` (`true`): presets stay usable without a signature when `SIGNED_URLS=required` (with
 *   overrides whose values are bounded: see `overridesBounded` in options/govern.ts).
 * - `ALLOWED_WIDTHS`, `ALLOWED_HEIGHTS` (device pixels), `ALLOWED_QUALITIES`: comma-separated; empty is no list.
 * - `ALLOWLIST_MODE`: `snap` (serve the allowed size at or above the one asked, nearest quality) or `refuse` (400).
 * - `SIGNED_URLS`: `off`, `optional` (checked when present) or `required`; keys in the `SIGNING_KEYS` secret.
 */
function readGovernance(vars: Vars, maxOutputDimension: number): GovernanceConfig {
  const signedUrls = signingMode(vars.SIGNED_URLS);
  let signingKeys = readSigningKeys(undefined);
  try {
    signingKeys = readSigningKeys(vars.SIGNING_KEYS);
  } catch (error) {
    // Like a bad UPLOAD_TOKEN: no key is valid then, so signed URLs are refused (fail closed), reads stay up.
    console.error(`${(error as Error).message}: no signature is accepted`);
  }
  if (signedUrls !== 'off' && !signingKeys.current) console.error(`SIGNED_URLS=${signedUrls} but SIGNING_KEYS holds no key: every signature is refused`);
  const allowUnsigned = vars.ALLOW_UNSIGNED_PRESETS ?? 'true';
  if (allowUnsigned !== 'true' && allowUnsigned !== 'false') throw new Error(`[vars] ALLOW_UNSIGNED_PRESETS=${allowUnsigned} must be true or false`);
  return {
    presets: readPresets(vars.PRESETS, { maxOutputDimension }),
    allowUnsignedPresets: allowUnsigned === 'true',
    allowlists: {
      widths: readAllowlist(vars.ALLOWED_WIDTHS, 'ALLOWED_WIDTHS', 1, maxOutputDimension),
      heights: readAllowlist(vars.ALLOWED_HEIGHTS, 'ALLOWED_HEIGHTS', 1, maxOutputDimension),
      qualities: readAllowlist(vars.ALLOWED_QUALITIES, 'ALLOWED_QUALITIES', 1, 100),
      mode: readAllowlistMode(vars.ALLOWLIST_MODE),
    },
    signedUrls,
    signingKeys,
  };
}

export function readConfig(vars: Vars): Config {
  const maxOutputDimension = integer(vars.MAX_OUTPUT_DIMENSION, 'MAX_OUTPUT_DIMENSION', 8192, 1, 16384);
  return {
    imagePrefix: prefix(vars.IMAGE_PREFIX),
    maxOutputDimension,
    maxOutputPixels: integer(vars.MAX_OUTPUT_PIXELS, 'MAX_OUTPUT_PIXELS', 5_000_000, 1, 100_000_000),
    maxInputPixels: integer(vars.MAX_INPUT_PIXELS, 'MAX_INPUT_PIXELS', 5_000_000, 1, 200_000_000),
    maxJpegPixels: integer(vars.MAX_JPEG_INPUT_PIXELS, 'MAX_JPEG_INPUT_PIXELS', 100_000_000, 1, 400_000_000),
    maxWebpPixels: integer(vars.MAX_WEBP_INPUT_PIXELS, 'MAX_WEBP_INPUT_PIXELS', 17_000_000, 1, 400_000_000),
    maxPngPixels: integer(vars.MAX_PNG_INPUT_PIXELS, 'MAX_PNG_INPUT_PIXELS', 50_000_000, 1, 400_000_000),
    maxAvifPixels: integer(vars.MAX_AVIF_INPUT_PIXELS, 'MAX_AVIF_INPUT_PIXELS', 15_000_000, 1, 100_000_000),
    maxInputBytes: integer(vars.MAX_INPUT_BYTES, 'MAX_INPUT_BYTES', 100 * 1024 * 1024, 1, 100 * 1024 * 1024),
    maxBufferedInputBytes: integer(vars.MAX_BUFFERED_INPUT_BYTES, 'MAX_BUFFERED_INPUT_BYTES', 25 * 1024 * 1024, 1, 100 * 1024 * 1024),
    avifMaxPixels: integer(vars.AVIF_MAX_PIXELS, 'AVIF_MAX_PIXELS', 1_500_000, 0, 100_000_000),
    avifLimitPixels: integer(vars.AVIF_LIMIT_PIXELS, 'AVIF_LIMIT_PIXELS', 2_600_000, 0, 100_000_000),
    animationMaxPixels: integer(vars.ANIMATION_MAX_PIXELS, 'ANIMATION_MAX_PIXELS', 50_000_000, 0, 1_000_000_000),
    cacheTtl: integer(vars.CACHE_TTL, 'CACHE_TTL', 31_536_000, 0, 31_536_000),
    staleWhileRevalidate: integer(vars.STALE_WHILE_REVALIDATE, 'STALE_WHILE_REVALIDATE', 86_400, 0, 31_536_000),
    cdnTtl: integer(vars.CDN_TTL, 'CDN_TTL', 86_400, 0, 31_536_000),
    metaTtl: integer(vars.META_TTL, 'META_TTL', 20, 1, 86_400),
    metaMemoTtl: integer(vars.META_MEMO_TTL, 'META_MEMO_TTL', 5, 0, 3_600),
    pregenerate: pregenerate(vars.PREGENERATE_WIDTHS, vars.PREGENERATE_FORMATS, integer(vars.MAX_OUTPUT_DIMENSION, 'MAX_OUTPUT_DIMENSION', 8192, 1, 16384)),
    variantLeaseMs: integer(vars.VARIANT_LEASE_MS, 'VARIANT_LEASE_MS', 10_000, 100, 60_000),
    jobRetrySeconds: integer(vars.JOB_RETRY_SECONDS, 'JOB_RETRY_SECONDS', 10, 0, 600),
    origins: parseOrigins(vars.ORIGINS),
    originTtl: integer(vars.ORIGIN_TTL, 'ORIGIN_TTL', 3600, 1, 31_536_000),
    originTimeoutMs: integer(vars.ORIGIN_TIMEOUT_MS, 'ORIGIN_TIMEOUT_MS', 5000, 100, 30_000),
    originMaxRedirects: integer(vars.ORIGIN_MAX_REDIRECTS, 'ORIGIN_MAX_REDIRECTS', 3, 0, 10),
    quality: {
      avif: integer(vars.QUALITY_AVIF, 'QUALITY_AVIF', 60, 1, 100),
      webp: integer(vars.QUALITY_WEBP, 'QUALITY_WEBP', 80, 1, 100),
      jpeg: integer(vars.QUALITY_JPEG, 'QUALITY_JPEG', 82, 1, 100),
    },
    avifSpeed: integer(vars.AVIF_SPEED, 'AVIF_SPEED', 8, 0, 10),
    maxQueuedTransforms: integer(vars.MAX_QUEUED_TRANSFORMS, 'MAX_QUEUED_TRANSFORMS', 8, 0, 1000),
    maxUploadBytes: integer(vars.MAX_UPLOAD_BYTES, 'MAX_UPLOAD_BYTES', 100 * 1024 * 1024, 1, 100 * 1024 * 1024),
    uploadToken: token(vars.UPLOAD_TOKEN),
    quota: {
      transformsPerMinute: integer(vars.TRANSFORM_QUOTA_PER_MINUTE, 'TRANSFORM_QUOTA_PER_MINUTE', 300, 1, 1_000_000),
      uploadsPerHour: integer(vars.UPLOADS_PER_HOUR, 'UPLOADS_PER_HOUR', 100, 1, 1_000_000),
      uploadBytesPerHour: integer(vars.UPLOAD_BYTES_PER_HOUR, 'UPLOAD_BYTES_PER_HOUR', 500 * 1024 * 1024, 1, 2 ** 40),
      exempt: parseExemptions(vars.QUOTA_EXEMPT),
    },
    globalTransformLimit: integer(vars.GLOBAL_TRANSFORM_LIMIT, 'GLOBAL_TRANSFORM_LIMIT', 20_000, 1, 100_000_000),
    governance: readGovernance(vars, maxOutputDimension),
    events: { logRequests: parseLogMode(vars.LOG_REQUESTS), salt: vars.EVENTS_SALT ? vars.EVENTS_SALT : null },
  };
}

const cached = new WeakMap<object, Config>();

/** The config of this isolate's env, parsed once. */
export function configOf(vars: Vars): Config {
  let config = cached.get(vars);
  if (!config) {
    config = readConfig(vars);
    cached.set(vars, config);
  }
  return config;
}

/** The input limits the pipeline plans decodes against. */
export function inputLimits(config: Config) {
  return { maxDecodedPixels: config.maxInputPixels, maxJpegPixels: config.maxJpegPixels, maxWebpPixels: config.maxWebpPixels, maxPngPixels: config.maxPngPixels, maxAvifPixels: config.maxAvifPixels };
}
