/** The one typed view of the Worker's `[vars]`: read once per isolate, validated, bounded, with defaults. */
import { parseExemptions } from './limits/client.js';
import type { QuotaConfig } from './limits/quota.js';

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
  /** Largest master, in bytes, we read from R2 for a transform. */
  maxInputBytes: number;
  /** Above this many output pixels, `format=auto` prefers WebP over AVIF (AVIF encoding is slow). */
  avifMaxPixels: number;
  /** Largest output encoded as AVIF at all: libaom holds ~21 bytes per output pixel. A larger format=avif is WebP. */
  avifLimitPixels: number;
  /** `Cache-Control: max-age` of variants and originals, seconds. */
  cacheTtl: number;
  /** `stale-while-revalidate` of variants and originals, seconds. */
  staleWhileRevalidate: number;
  /** How long a master's metadata entry lives in the Cache API, seconds. */
  metaTtl: number;
  /** Default encoder quality per output format, 1..100. */
  quality: { avif: number; webp: number; jpeg: number };
  /** AVIF encoder speed, 0 (slowest, smallest) .. 10 (fastest). */
  avifSpeed: number;
  /** Transforms allowed to wait behind the running one in an isolate before we shed with 503. */
  maxQueuedTransforms: number;
  /** Largest body, in bytes, `PUT /masters/<key>` takes (checked on Content-Length and while streaming). */
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
}

export interface Vars {
  IMAGE_PREFIX?: string;
  MAX_OUTPUT_DIMENSION?: string;
  MAX_OUTPUT_PIXELS?: string;
  MAX_INPUT_PIXELS?: string;
  MAX_JPEG_INPUT_PIXELS?: string;
  MAX_WEBP_INPUT_PIXELS?: string;
  MAX_PNG_INPUT_PIXELS?: string;
  MAX_INPUT_BYTES?: string;
  AVIF_MAX_PIXELS?: string;
  AVIF_LIMIT_PIXELS?: string;
  CACHE_TTL?: string;
  STALE_WHILE_REVALIDATE?: string;
  META_TTL?: string;
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
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`[vars] ${name}=${raw} must be an integer in ${min}..${max}`);
  }
  return value;
}

function prefix(raw: string | undefined): string {
  const value = (raw ?? '/img').replace(/\/+$/, '');
  const reserved = ['/cdn-cgi', '/masters', '/originals', '/health'];
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

export function readConfig(vars: Vars): Config {
  return {
    imagePrefix: prefix(vars.IMAGE_PREFIX),
    maxOutputDimension: integer(vars.MAX_OUTPUT_DIMENSION, 'MAX_OUTPUT_DIMENSION', 8192, 1, 16384),
    maxOutputPixels: integer(vars.MAX_OUTPUT_PIXELS, 'MAX_OUTPUT_PIXELS', 5_000_000, 1, 100_000_000),
    maxInputPixels: integer(vars.MAX_INPUT_PIXELS, 'MAX_INPUT_PIXELS', 5_000_000, 1, 200_000_000),
    maxJpegPixels: integer(vars.MAX_JPEG_INPUT_PIXELS, 'MAX_JPEG_INPUT_PIXELS', 100_000_000, 1, 400_000_000),
    maxWebpPixels: integer(vars.MAX_WEBP_INPUT_PIXELS, 'MAX_WEBP_INPUT_PIXELS', 17_000_000, 1, 400_000_000),
    maxPngPixels: integer(vars.MAX_PNG_INPUT_PIXELS, 'MAX_PNG_INPUT_PIXELS', 50_000_000, 1, 400_000_000),
    maxInputBytes: integer(vars.MAX_INPUT_BYTES, 'MAX_INPUT_BYTES', 25 * 1024 * 1024, 1, 100 * 1024 * 1024),
    avifMaxPixels: integer(vars.AVIF_MAX_PIXELS, 'AVIF_MAX_PIXELS', 1_500_000, 0, 100_000_000),
    avifLimitPixels: integer(vars.AVIF_LIMIT_PIXELS, 'AVIF_LIMIT_PIXELS', 2_600_000, 0, 100_000_000),
    cacheTtl: integer(vars.CACHE_TTL, 'CACHE_TTL', 31_536_000, 0, 31_536_000),
    staleWhileRevalidate: integer(vars.STALE_WHILE_REVALIDATE, 'STALE_WHILE_REVALIDATE', 86_400, 0, 31_536_000),
    metaTtl: integer(vars.META_TTL, 'META_TTL', 60, 1, 86_400),
    quality: {
      avif: integer(vars.QUALITY_AVIF, 'QUALITY_AVIF', 60, 1, 100),
      webp: integer(vars.QUALITY_WEBP, 'QUALITY_WEBP', 80, 1, 100),
      jpeg: integer(vars.QUALITY_JPEG, 'QUALITY_JPEG', 82, 1, 100),
    },
    avifSpeed: integer(vars.AVIF_SPEED, 'AVIF_SPEED', 8, 0, 10),
    maxQueuedTransforms: integer(vars.MAX_QUEUED_TRANSFORMS, 'MAX_QUEUED_TRANSFORMS', 8, 0, 1000),
    maxUploadBytes: integer(vars.MAX_UPLOAD_BYTES, 'MAX_UPLOAD_BYTES', 25 * 1024 * 1024, 1, 100 * 1024 * 1024),
    uploadToken: token(vars.UPLOAD_TOKEN),
    quota: {
      transformsPerMinute: integer(vars.TRANSFORM_QUOTA_PER_MINUTE, 'TRANSFORM_QUOTA_PER_MINUTE', 300, 1, 1_000_000),
      uploadsPerHour: integer(vars.UPLOADS_PER_HOUR, 'UPLOADS_PER_HOUR', 100, 1, 1_000_000),
      uploadBytesPerHour: integer(vars.UPLOAD_BYTES_PER_HOUR, 'UPLOAD_BYTES_PER_HOUR', 500 * 1024 * 1024, 1, 2 ** 40),
      exempt: parseExemptions(vars.QUOTA_EXEMPT),
    },
    globalTransformLimit: integer(vars.GLOBAL_TRANSFORM_LIMIT, 'GLOBAL_TRANSFORM_LIMIT', 20_000, 1, 100_000_000),
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
  return { maxDecodedPixels: config.maxInputPixels, maxJpegPixels: config.maxJpegPixels, maxWebpPixels: config.maxWebpPixels, maxPngPixels: config.maxPngPixels };
}
