/**
 * Astro's default image service endpoint, `/_image?href=&w=&h=&q=&f=&fit=&position=` (what `getURL` of Astro's base
 * service writes, with `image.endpoint` or a proxy routing `/_image` here). Values map to Cloudflare options with the
 * meaning Astro's sharp service gives them: never enlarging, `w` and `h` together cropping to that box (sharp's
 * cover) unless `fit` says otherwise, named qualities as Astro's. Pure.
 */
import { gravityOfPosition, type LoaderRequest, loaderError, segmentOf, sourceOf } from './shared.js';

/** Astro's named qualities, as its sharp service reads them. */
const namedQualities: Record<string, number> = { low: 25, mid: 50, high: 80, max: 100 };

const formats: Record<string, string> = { avif: 'avif', webp: 'webp', jpeg: 'jpeg', jpg: 'jpeg', png: 'png' };

/** Astro's `fit` (CSS object-fit words, and sharp's) as Cloudflare's, never enlarging. */
const fits: Record<string, string> = { cover: 'crop', contain: 'scale-down', 'scale-down': 'scale-down', inside: 'scale-down' };

function dimension(name: string, value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  // Astro reads these with parseInt; a value it would read as NaN is refused here rather than ignored.
  const number = parseInt(value, 10);
  if (!(number >= 1 && number <= 99_999)) throw loaderError(`Astro parameter ${name} must be a positive integer, got ${JSON.stringify(value.slice(0, 20))}`);
  return number;
}

/**
 * @example
 * readAstroImage(new URLSearchParams('href=%2Fphotos%2Fcat.jpg&w=800&h=600&f=webp'))
 * // → { segment: 'width=800,height=600,fit=crop,format=webp', source: 'photos/cat.jpg' }
 */
export function readAstroImage(params: URLSearchParams): LoaderRequest {
  const href = params.get('href');
  if (href === null || href === '') throw loaderError('expected /_image?href=<image path or URL>&w=<width>&f=<format> (Astro\'s image endpoint); href is missing');
  const width = dimension('w', params.get('w'));
  const height = dimension('h', params.get('h'));
  const fitWritten = params.get('fit');
  let fit: string | undefined;
  if (fitWritten !== null && fitWritten !== '') {
    fit = Object.hasOwn(fits, fitWritten) ? fits[fitWritten] : undefined;
    if (fit === undefined) throw loaderError(`Astro fit ${JSON.stringify(fitWritten.slice(0, 20))} is not supported here (cover, contain, scale-down, inside)`);
  } else if (width !== undefined && height !== undefined) {
    fit = 'crop';
  }
  const qualityWritten = params.get('q');
  let quality: number | undefined;
  if (qualityWritten !== null && qualityWritten !== '') {
    quality = Object.hasOwn(namedQualities, qualityWritten) ? namedQualities[qualityWritten] : /^\d{1,3}$/.test(qualityWritten) ? Number(qualityWritten) : NaN;
    if (!(quality! >= 1 && quality! <= 100)) throw loaderError(`Astro quality must be 1..100 or low, mid, high, max, got ${JSON.stringify(qualityWritten.slice(0, 20))}`);
  }
  const formatWritten = params.get('f');
  const format = formatWritten === null || formatWritten === '' ? 'auto' : formats[formatWritten];
  if (format === undefined) throw loaderError(`Astro format ${JSON.stringify(formatWritten!.slice(0, 20))} is not supported here (avif, webp, jpeg, jpg, png)`);
  const positionWritten = params.get('position');
  const gravity = positionWritten === null || positionWritten === '' ? undefined : gravityOfPosition(positionWritten);
  if (positionWritten && gravity === undefined) throw loaderError(`Astro position ${JSON.stringify(positionWritten.slice(0, 20))} is not supported here (top, bottom, left, right, center)`);
  return {
    segment: segmentOf([['width', width], ['height', height], ['fit', fit], ['gravity', gravity], ['quality', quality], ['format', format]]),
    source: sourceOf(href),
  };
}
