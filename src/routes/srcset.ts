/**
 * GET/HEAD /srcset/<key>?widths=…&sizes=…&formats=…[&preset=…][&options=…][&alt=…]: the candidate URLs
 * of a responsive image as JSON, or with `Accept: text/html` a ready `<picture>` with `width`/`height` from the
 * master's real size. Every URL is one the image route accepts as it is (allowlists and presets applied here), and
 * each `w` descriptor is the width that URL really answers (a scale-down never enlarges, so duplicates drop out).
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { Config } from '../config.js';
import { imageHeaders } from '../http/caching.js';
import { ImageError } from '../http/problem.js';
import { snapSize } from '../options/allowlist.js';
import { governOptions } from '../options/govern.js';
import { decodeKey } from '../options/key.js';
import { contentTypeOf } from '../options/negotiate.js';
import { fullOptionName, splitSegment } from '../options/parse.js';
import { PRESET_NAME } from '../options/presets.js';
import { planTransform } from '../options/plan.js';
import { AUTO_WIDTHS } from '../options/client-hints.js';
import { lookupMaster } from '../storage/meta-cache.js';
import { originPull } from './origin-pull.js';
import { type PictureSpec, imageUrl, pictureHtml, srcsetOf } from '../client/index.js';

/** Bounds on what a request may ask for: each candidate is a URL someone may fetch. */
export const MAX_WIDTHS = 16;
const MAX_SIZES_LENGTH = 512;
const MAX_ALT_LENGTH = 512;
const MAX_EXTRA_OPTIONS_LENGTH = 256;
/** Next.js's default device sizes, used when neither the request nor ALLOWED_WIDTHS gives widths. */
export const DEFAULT_WIDTHS = [640, 750, 828, 1080, 1200, 1920, 2048, 3840];
const FORMATS = ['avif', 'webp', 'jpeg', 'png'] as const;
type SrcsetFormat = (typeof FORMATS)[number];
/** Options the candidates set themselves, so `options=` may not. */
const PER_CANDIDATE = new Set(['width', 'height', 'dpr', 'format']);

function bad(detail: string): ImageError {
  return new ImageError(400, 'invalid-option', detail);
}

/**
 * `widths=…`: integers, where `auto` stands for the four widths `width=auto` serves (320, 768, 960, 1200). A srcset is
 * the browser's own choice of width, so each candidate names its width; they are the same variants `width=auto` gets.
 */
function readWidths(raw: string | undefined, config: Config): number[] {
  if (raw === undefined || raw === '') return [...(config.governance.allowlists.widths ?? DEFAULT_WIDTHS)];
  const items = raw.split(',').flatMap((item) => (item === 'auto' ? AUTO_WIDTHS.filter((w) => w <= config.maxOutputDimension).map(String) : [item]));
  if (items.length > MAX_WIDTHS) throw bad(`widths has ${items.length} entries, over the limit of ${MAX_WIDTHS}`);
  return items.map((item) => {
    const width = /^\d{1,5}$/.test(item) ? Number(item) : NaN;
    if (!(width >= 1 && width <= config.maxOutputDimension)) throw bad(`widths: ${JSON.stringify(item.slice(0, 20))} must be an integer in 1..${config.maxOutputDimension}`);
    return width;
  });
}

function readFormats(raw: string | undefined, hasAlpha: boolean): SrcsetFormat[] {
  if (raw === undefined || raw === '') return ['avif', 'webp', hasAlpha ? 'png' : 'jpeg'];
  const items = raw.split(',');
  if (items.length > FORMATS.length) throw bad(`formats has ${items.length} entries, at most ${FORMATS.length}`);
  const formats = items.map((item) => {
    const format = FORMATS.find((f) => f === item);
    if (!format) throw bad(`formats: ${JSON.stringify(item.slice(0, 20))} must be one of ${FORMATS.join(', ')}`);
    return format;
  });
  if (new Set(formats).size !== formats.length) throw bad('formats names a format twice');
  return formats;
}

function readText(raw: string | undefined, name: string, max: number, fallback: string): string {
  const value = raw ?? fallback;
  if (value.length > max) throw bad(`${name} is ${value.length} characters long, over the limit of ${max}`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw bad(`${name} has control characters`);
  return value;
}

function readExtraOptions(raw: string | undefined): string {
  const extra = readText(raw, 'options', MAX_EXTRA_OPTIONS_LENGTH, '');
  for (const element of extra === '' ? [] : splitSegment(extra)) {
    const written = element.slice(0, element.indexOf('='));
    const name = fullOptionName(written) ?? written;
    if (PER_CANDIDATE.has(name) || ['preset', 'sig', 'exp'].includes(name)) throw bad(`options may not set ${name}: each candidate sets its own width and format`);
  }
  return extra;
}

function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /\btext\/html\b/.test(accept) && !/\bapplication\/json\b/.test(accept);
}

export async function serveSrcset(c: Context<AppEnv>, rawKey: string): Promise<Response> {
  const config = c.get('config');
  const key = decodeKey(rawKey);
  const preset = c.req.query('preset');
  if (preset !== undefined && !(PRESET_NAME.test(preset) && config.governance.presets.has(preset))) throw bad(`unknown preset ${JSON.stringify(preset.slice(0, 40))}`);
  const governance = config.governance;
  // Signing candidate URLs here would make this endpoint a signing oracle for anyone: only what may go unsigned is offered.
  if (governance.signedUrls === 'required' && !(preset !== undefined && governance.allowUnsignedPresets)) {
    throw new ImageError(403, 'signature-required', 'image URLs here must be signed: build them server-side with the client module (signedImageUrl), or ask for a preset');
  }
  // Unsigned candidates set width on the preset, which only an allowlist bounds (govern.ts, overridesBounded).
  if (governance.signedUrls === 'required' && !governance.allowlists.widths) {
    throw new ImageError(403, 'signature-required', 'unsigned candidates need ALLOWED_WIDTHS when SIGNED_URLS=required: build signed ones server-side with the client module');
  }
  const sizes = readText(c.req.query('sizes'), 'sizes', MAX_SIZES_LENGTH, '100vw');
  const alt = readText(c.req.query('alt'), 'alt', MAX_ALT_LENGTH, '');
  const extra = readExtraOptions(c.req.query('options'));
  let widths = readWidths(c.req.query('widths'), config);
  const url = new URL(c.req.url);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p.catch((e) => console.error('cache write failed', e)));
  const { meta } = await lookupMaster(caches.default, c.env.MASTERS, url.origin, key, config, waitUntil, originPull(c));
  if (!meta) throw new ImageError(404, 'no-master', `there is no master named ${key}`);
  const formats = readFormats(c.req.query('formats'), meta.info.hasAlpha);

  const allowed = governance.allowlists.widths;
  // Snapped here rather than by the image route, so each URL names the variant it gets.
  if (allowed && governance.allowlists.mode === 'snap') widths = widths.map((w) => snapSize(w, allowed));
  widths = [...new Set(widths)].sort((a, b) => a - b);

  const now = Math.floor(Date.now() / 1000);
  const spec: PictureSpec = { base: url.origin + config.imagePrefix, key, sizes, alt, sources: [] };
  for (const format of formats) {
    const candidates: Array<{ url: string; width: number; height: number }> = [];
    const segmentFor = (width: number) => [preset !== undefined ? `preset=${preset}` : '', extra, `width=${width}`, `format=${format}`].filter((s) => s !== '').join(',');
    // The image route's own rules: a preset that fixes width or format, or a refused width, is a 400 here too.
    const outputOf = async (segment: string) => {
      const governed = await governOptions(segment, key, { ...governance, maxOutputDimension: config.maxOutputDimension }, now);
      try {
        return planTransform(meta.info, governed.options, config).geometry.canvas;
      } catch (error) {
        if (error instanceof ImageError && error.status === 413) return undefined;
        throw error;
      }
    };
    for (const width of widths) {
      let segment = segmentFor(width);
      const canvas = await outputOf(segment);
      if (!canvas || candidates.some((candidate) => candidate.width === canvas.width)) continue;
      // Past AVIF_LIMIT_PIXELS an explicit format=avif is served as WebP: not a candidate of `type="image/avif"`.
      if (format === 'avif' && canvas.width * canvas.height > config.avifLimitPixels) continue;
      // A width past the master's is served at the master's: name that width, so both spellings share one variant.
      if (canvas.width !== width && !allowed) {
        const exact = segmentFor(canvas.width);
        const same = await outputOf(exact);
        if (same && same.width === canvas.width && same.height === canvas.height) segment = exact;
      }
      candidates.push({ url: imageUrl(spec.base, key, segment), width: canvas.width, height: canvas.height });
    }
    if (candidates.length === 0) throw new ImageError(413, 'output-too-large', 'no requested width fits the output limits');
    spec.sources.push({ format, type: contentTypeOf(format), candidates });
  }
  const html = wantsHtml(c.req.header('Accept'));
  const headers = { 'Cache-Control': `public, max-age=${config.metaTtl}`, Vary: 'Accept', ...imageHeaders };
  // Opened in a browser, the <picture> previews itself: its candidates are on this origin, so images from 'self' may load.
  if (html) return c.html(pictureHtml(spec), 200, { ...headers, 'Content-Security-Policy': "default-src 'none'; img-src 'self'; sandbox" });
  const fallback = spec.sources[spec.sources.length - 1]!.candidates;
  const largest = fallback[fallback.length - 1]!;
  // As displayed: EXIF orientations 5..8 swap the stored width and height.
  const { width: storedWidth, height: storedHeight, orientation } = meta.info;
  const intrinsic = orientation >= 5 ? { width: storedHeight, height: storedWidth } : { width: storedWidth, height: storedHeight };
  return c.json(
    {
      key,
      intrinsic,
      aspectRatio: Math.round((largest.width / largest.height!) * 10000) / 10000,
      sizes,
      widths: [...new Set(spec.sources.flatMap((s) => s.candidates.map((candidate) => candidate.width)))].sort((a, b) => a - b),
      sources: spec.sources.map((s) => ({ ...s, srcset: srcsetOf(s.candidates) })),
      img: { src: largest.url, srcset: srcsetOf(fallback), sizes, width: largest.width, height: largest.height, alt },
    },
    200,
    headers,
  );
}
