/**
 * Next.js's default image loader, `/_next/image?url=&w=&q=` (`images.path` pointed at this service), read with the
 * checks and messages of Next's own image optimizer: `url` a local path (or an absolute http(s) URL the image route
 * accepts), `w` one of the configured sizes, `q` an integer in 1..100 (and one of the configured qualities when
 * there is a list). Other parameters (`dpl`, the deployment id) are ignored, as Next ignores them. Pure.
 */
import { type LoaderRequest, loaderError, segmentOf, sourceOf } from './shared.js';

/** Next.js's default `deviceSizes` and `imageSizes` (15 and 16; 16 dropped 16 from imageSizes, kept here). */
export const NEXT_DEFAULT_SIZES: readonly number[] = [640, 750, 828, 1080, 1200, 1920, 2048, 3840, 16, 32, 48, 64, 96, 128, 256, 384];

/** Next's limit on the `url` parameter. */
const MAX_URL_LENGTH = 3072;

export interface NextLimits {
  /** The widths `w` may take: `ALLOWED_WIDTHS`, else Next's defaults. */
  sizes: readonly number[];
  /** The qualities `q` may take (`ALLOWED_QUALITIES`), or undefined for any in 1..100. */
  qualities?: readonly number[];
}

/** The one value of a parameter, or an error naming it as Next does. */
function single(params: URLSearchParams, name: string, label: string): string {
  const values = params.getAll(name);
  if (values.length === 0 || values[0] === '') throw loaderError(`"${name}" parameter${label} is required`);
  if (values.length > 1) throw loaderError(`"${name}" parameter${label} cannot be an array`);
  return values[0]!;
}

/**
 * @example
 * readNextImage(new URLSearchParams('url=%2Fphotos%2Fcat.jpg&w=640&q=75'), { sizes: NEXT_DEFAULT_SIZES })
 * // → { segment: 'width=640,quality=75,format=auto', source: 'photos/cat.jpg' }
 */
export function readNextImage(params: URLSearchParams, limits: NextLimits): LoaderRequest {
  const url = single(params, 'url', '');
  if (url.length > MAX_URL_LENGTH) throw loaderError('"url" parameter is too long');
  if (url.startsWith('//')) throw loaderError('"url" parameter cannot be a protocol-relative URL (//)');
  if (url.startsWith('/')) {
    if (/^\/_next\/image($|\/|\?)/.test(url)) throw loaderError('"url" parameter cannot be recursive');
  } else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw loaderError('"url" parameter is invalid');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw loaderError('"url" parameter is invalid');
  }
  const w = single(params, 'w', ' (width)');
  if (!/^[0-9]+$/.test(w)) throw loaderError('"w" parameter (width) must be an integer greater than 0');
  const q = single(params, 'q', ' (quality)');
  if (!/^[0-9]+$/.test(q)) throw loaderError('"q" parameter (quality) must be an integer between 1 and 100');
  const width = parseInt(w, 10);
  if (width <= 0) throw loaderError('"w" parameter (width) must be an integer greater than 0');
  if (!limits.sizes.includes(width)) throw loaderError(`"w" parameter (width) of ${width} is not allowed`);
  const quality = parseInt(q, 10);
  if (quality < 1 || quality > 100) throw loaderError('"q" parameter (quality) must be an integer between 1 and 100');
  if (limits.qualities && !limits.qualities.includes(quality)) throw loaderError(`"q" parameter (quality) of ${quality} is not allowed`);
  // Next negotiates the format from Accept: format=auto does the same (AVIF, WebP, then JPEG or PNG).
  return { segment: segmentOf([['width', width], ['quality', quality], ['format', 'auto']]), source: sourceOf(url) };
}
