/** Splits an image URL's path into its option segment and the master key it names. Pure. */
import { ImageError } from '../http/problem.js';
import { decodeKey } from './key.js';
import { keyOfOriginUrl, type Origin } from './origins.js';

export interface ImagePath {
  /** The option segment, percent-decoded once. */
  options: string;
  /** The master key, percent-decoded once and validated. */
  key: string;
}

/**
 * `rest` is what follows the mount point (`/cdn-cgi/image/` or the configured prefix), still percent-encoded:
 * `<options>/<key>`, where the key may also be written as an absolute URL on this worker's own host, as
 * unpic's Cloudflare provider writes it, or under one of the configured `origins` (then the key is
 * `<origin name>/<path under its base>`). Any other host is refused: we are not an open proxy.
 */
export function parseImagePath(rest: string, ownHost: string, origins: readonly Origin[] = []): ImagePath {
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new ImageError(400, 'invalid-path', 'expected /<options>/<key> after the image prefix');
  let options: string;
  try {
    options = decodeURIComponent(rest.slice(0, slash));
  } catch {
    throw new ImageError(400, 'invalid-option', 'the option segment is not valid percent-encoded UTF-8');
  }
  let source = rest.slice(slash + 1);
  // Some clients and proxies merge `//`, so `https:/host/…` arrives as often as `https://host/…`.
  const absolute = /^(https?):\/\/?([^/]*)(\/.*)?$/i.exec(source) ?? /^(https?)%3A%2F%2F([^/%]*)(.*)$/i.exec(source);
  if (absolute) {
    const host = absolute[2]!.toLowerCase();
    if (host !== ownHost.toLowerCase()) {
      const key = originSourceKey(source, origins);
      if (key !== null) return { options, key: decodeKey(key.split('/').map(encodeURIComponent).join('/')) };
      throw new ImageError(400, 'foreign-source', `the source host ${host} is not this service; only keys on ${ownHost} can be transformed`);
    }
    source = (absolute[3] ?? '').replace(/^\/+/, '');
  }
  return { options, key: decodeKey(source) };
}

/** The key of a source URL under a configured origin (`https:/host` repaired to `https://host`), or null. */
function originSourceKey(source: string, origins: readonly Origin[]): string | null {
  if (origins.length === 0) return null;
  let text = source;
  try {
    if (/^https?%3A/i.test(text)) text = decodeURIComponent(text);
  } catch {
    return null;
  }
  text = text.replace(/^(https?):\/(?!\/)/i, '$1://');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return keyOfOriginUrl(origins, url);
}
