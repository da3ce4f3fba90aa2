/**
 * What the framework loaders (Next.js, Nuxt Image's ipx, Astro) share: each reads its own URL grammar into a
 * Cloudflare option segment and a source, which the image route then serves exactly as it serves
 * `/cdn-cgi/image/<segment>/<source>` (governance, cache key and ETag included). Pure.
 */
import { ImageError } from '../../http/problem.js';

/** A framework URL translated into the service's own grammar. */
export interface LoaderRequest {
  /** A Cloudflare option segment (`width=640,quality=75,format=auto`), not percent-encoded. */
  segment: string;
  /** The source as the image route reads it after the segment: a percent-encoded key path or an absolute URL. */
  source: string;
}

export function loaderError(detail: string): ImageError {
  return new ImageError(400, 'invalid-option', detail);
}

/**
 * A source written by a framework (`/photos/cat.jpg`, `photos/cat.jpg`, `https://host/a.jpg`, not percent-encoded) as
 * the image route's source: a key path with each segment percent-encoded, or the absolute URL as it is (the image
 * route maps our own host and configured origins, and refuses any other). A query string is dropped, as on the
 * image route.
 */
export function sourceOf(written: string): string {
  if (/^https?:\/\//i.test(written)) return written;
  const path = written.replace(/[?#].*$/s, '').replace(/^\/+/, '');
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The Cloudflare gravity for a sharp/CSS position word (`top`, `north`, `centre` …), or undefined. */
export function gravityOfPosition(position: string): string | undefined {
  const words: Record<string, string> = {
    top: 'top', north: 'top', bottom: 'bottom', south: 'bottom', left: 'left', west: 'left', right: 'right', east: 'right',
    center: 'center', centre: 'center',
  };
  return Object.hasOwn(words, position) ? words[position] : undefined;
}

/** `name=value` pairs as one segment, in the order given, leaving out undefined values. */
export function segmentOf(pairs: Array<[string, string | number | undefined]>): string {
  return pairs.filter((pair): pair is [string, string | number] => pair[1] !== undefined).map(([name, value]) => `${name}=${value}`).join(',');
}
