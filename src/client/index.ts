/**
 * The client side of this service: builds its image URLs, signed URLs, `srcset` strings and `<picture>`
 * markup, for server-side rendering in Node, Deno, Bun, Workers or a browser. No Workers imports: only WebCrypto
 * (for signatures) and the pure option modules the worker itself verifies with, so both sides sign the same string.
 *
 * @example
 * import { imageUrl, signedImageUrl, picture, pictureHtml } from 'edge-image-worker/client';
 * imageUrl('https://img.example.com/img', 'photos/cat.jpg', { width: 800, format: 'auto' });
 * // → 'https://img.example.com/img/width=800,format=auto/photos/cat.jpg'
 */
import { type SigningKey, signSegment } from '../options/signature.js';

export type { SigningKey } from '../options/signature.js';

export type Quality = number | 'high' | 'medium-high' | 'medium-low' | 'low';

/** `trim`: pixels off each side (`trim.top` …, or `width`/`height` to keep from the top left). */
export interface TrimSides {
  top?: number;
  right?: number;
  bottom?: number;
  left?: number;
  width?: number;
  height?: number;
}

/** `trim=border` and its parts: the border colour (any CSS colour; detected when left out), tolerance 0..255, keep. */
export interface TrimBorder {
  color?: string;
  tolerance?: number;
  keep?: number;
}

/** The options of one URL, in Cloudflare's names (see the README's URL reference), plus `preset`. */
export interface ImageOptions {
  preset?: string;
  /** Pixels, or `auto` (from the client hints). */
  width?: number | 'auto';
  height?: number;
  dpr?: number;
  fit?: 'scale-down' | 'contain' | 'cover' | 'crop' | 'aspect-crop' | 'pad' | 'squeeze';
  /** `auto`, `face`, `center`, `left`, `right`, `top`, `bottom`, or `XxY` (0..1 each). */
  gravity?: string;
  /** With `gravity: 'face'`, 0..1. */
  zoom?: number;
  quality?: Quality;
  /** The quality used when the client's hints say its connection is slow (`slow-connection-quality`). */
  slowConnectionQuality?: Quality;
  format?: 'auto' | 'avif' | 'webp' | 'jpeg' | 'baseline-jpeg' | 'png' | 'json';
  compression?: 'fast';
  background?: string;
  blur?: number;
  sharpen?: number;
  brightness?: number;
  contrast?: number;
  gamma?: number;
  saturation?: number;
  rotate?: 0 | 90 | 180 | 270;
  flip?: 'h' | 'v' | 'hv';
  /** Pixels off each side, or the border found in the pixels (`'border'`, or its parts). */
  trim?: TrimSides | 'border' | TrimBorder;
  metadata?: 'none' | 'copyright' | 'keep';
  anim?: boolean;
  onerror?: 'redirect';
}

/** `trim` as URL elements: `trim.top=…` for sides, `trim=border` and `trim.border.*` for a border. */
function trimElements(trim: NonNullable<ImageOptions['trim']>): string[] {
  if (trim === 'border') return ['trim=border'];
  const parts = Object.entries(trim).filter(([, value]) => value !== undefined);
  const border = 'color' in trim || 'tolerance' in trim || 'keep' in trim;
  if (border) return ['trim=border', ...parts.map(([name, value]) => `trim.border.${name}=${value}`)];
  return parts.map(([name, value]) => `trim.${name}=${value}`);
}

/** An option segment as the worker reads it: `preset=` first, then the options in the order given. */
export function optionSegment(options: ImageOptions | string): string {
  if (typeof options === 'string') return options;
  const { preset, ...rest } = options;
  const elements = preset !== undefined ? [`preset=${preset}`] : [];
  for (const [name, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    if (name === 'trim') elements.push(...trimElements(value as NonNullable<ImageOptions['trim']>));
    else if (name === 'slowConnectionQuality') elements.push(`slow-connection-quality=${value}`);
    else elements.push(`${name}=${value}`);
  }
  return elements.join(',');
}

/** A master key as a URL path: each segment percent-encoded, `/` kept. */
export function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** The segment as it goes in a path: percent-encoded but for `=` and `,` (the worker decodes it once). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%3D/g, '=').replace(/%2C/g, ',');
}

/**
 * The URL of one variant. `base` is the worker's origin and mount point: `https://img.example.com/img` (its
 * `IMAGE_PREFIX`) or `…/cdn-cgi/image`.
 */
export function imageUrl(base: string, key: string, options: ImageOptions | string): string {
  return `${base.replace(/\/+$/, '')}/${encodeSegment(optionSegment(options))}/${keyPath(key)}`;
}

export interface SignOptions {
  /** When the URL stops working: a Date, or seconds since 1970. Also bounds how long caches keep the answer. */
  expires?: Date | number;
}

function expirySeconds(expires: Date | number): number {
  return typeof expires === 'number' ? Math.floor(expires) : Math.floor(expires.getTime() / 1000);
}

/** The segment with `exp=` (if any) and `sig=` added, signed by `signer` (the worker's `SIGNING_KEYS` id and secret). */
export async function signSegmentFor(key: string, options: ImageOptions | string, signer: SigningKey, sign: SignOptions = {}): Promise<string> {
  let segment = optionSegment(options);
  if (sign.expires !== undefined) segment += `${segment === '' ? '' : ','}exp=${expirySeconds(sign.expires)}`;
  return `${segment},sig=${await signSegment(segment, key, signer)}`;
}

/** A signed URL of one variant (see `imageUrl`); works whatever `SIGNED_URLS` says, and is required when it says `required`. */
export async function signedImageUrl(base: string, key: string, options: ImageOptions | string, signer: SigningKey, sign: SignOptions = {}): Promise<string> {
  return imageUrl(base, key, await signSegmentFor(key, options, signer, sign));
}

/** One `srcset` candidate: its URL and the size it answers with. */
export interface Candidate {
  url: string;
  width: number;
  height?: number;
}

export interface PictureSource {
  format: 'avif' | 'webp' | 'jpeg' | 'png';
  /** The MIME type for `<source type>`. */
  type: string;
  candidates: Candidate[];
}

/** What `pictureHtml` renders: the same shape `/srcset/<key>` computes on the worker. */
export interface PictureSpec {
  base: string;
  key: string;
  sizes: string;
  alt: string;
  /** `<source>` elements in order; the last one is also the `<img>` (the fallback every browser reads). */
  sources: PictureSource[];
}

export interface PictureOptions {
  base: string;
  key: string;
  /** Candidate widths in device pixels; each becomes one `w` descriptor. */
  widths: number[];
  /** Formats, best first; the last is the `<img>` fallback. Default avif, webp, jpeg. */
  formats?: Array<PictureSource['format']>;
  sizes?: string;
  alt?: string;
  /** Options every candidate shares (a preset, quality, fit …); width and format are set per candidate. */
  options?: Omit<ImageOptions, 'width' | 'format'>;
  /** The master's displayed size, if known: widths above it are dropped (scale-down never enlarges) and heights given. */
  intrinsic?: { width: number; height: number };
  /** Sign every candidate (needed when the worker says `SIGNED_URLS=required` and the options are not a preset). */
  signer?: SigningKey;
  sign?: SignOptions;
}

const types: Record<PictureSource['format'], string> = { avif: 'image/avif', webp: 'image/webp', jpeg: 'image/jpeg', png: 'image/png' };

/** The candidates of a `<picture>`, as `/srcset/<key>` makes them, computed locally (and signed if asked). */
export async function picture(spec: PictureOptions): Promise<PictureSpec> {
  const sources: PictureSource[] = [];
  for (const format of spec.formats ?? ['avif', 'webp', 'jpeg']) {
    const candidates: Candidate[] = [];
    for (const requested of [...new Set(spec.widths)].sort((a, b) => a - b)) {
      const width = spec.intrinsic ? Math.min(requested, spec.intrinsic.width) : requested;
      if (candidates.some((c) => c.width === width)) continue;
      const options = { ...spec.options, width, format };
      const url = spec.signer ? await signedImageUrl(spec.base, spec.key, options, spec.signer, spec.sign) : imageUrl(spec.base, spec.key, options);
      const height = spec.intrinsic ? Math.max(1, Math.round((width * spec.intrinsic.height) / spec.intrinsic.width)) : undefined;
      candidates.push(height === undefined ? { url, width } : { url, width, height });
    }
    sources.push({ format, type: types[format], candidates });
  }
  return { base: spec.base, key: spec.key, sizes: spec.sizes ?? '100vw', alt: spec.alt ?? '', sources };
}

/** `url 320w, url 640w, …` */
export function srcsetOf(candidates: Candidate[]): string {
  return candidates.map((c) => `${c.url} ${c.width}w`).join(', ');
}

function attr(value: string | number): string {
  return String(value).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A `<picture>`: one `<source type srcset sizes>` per format but the last, then `<img>` with the last format's
 * srcset, its largest candidate as `src` (as Next.js does) and that candidate's `width`/`height`, so the browser
 * reserves the right box before the image arrives (no layout shift).
 */
export function pictureHtml(spec: PictureSpec, img: { loading?: 'lazy' | 'eager'; className?: string } = {}): string {
  const last = spec.sources[spec.sources.length - 1];
  if (!last || last.candidates.length === 0) throw new RangeError('a picture needs at least one format with one candidate');
  const largest = last.candidates[last.candidates.length - 1]!;
  const sources = spec.sources.slice(0, -1).map((s) => `<source type="${attr(s.type)}" srcset="${attr(srcsetOf(s.candidates))}" sizes="${attr(spec.sizes)}">`);
  const size = largest.height === undefined ? '' : ` width="${largest.width}" height="${largest.height}"`;
  const className = img.className ? ` class="${attr(img.className)}"` : '';
  const image = `<img src="${attr(largest.url)}" srcset="${attr(srcsetOf(last.candidates))}" sizes="${attr(spec.sizes)}"${size} alt="${attr(spec.alt)}"${className} loading="${img.loading ?? 'lazy'}" decoding="async">`;
  return `<picture>${sources.join('')}${image}</picture>`;
}
