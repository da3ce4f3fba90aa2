/** Splits an image URL's path into its option segment and the master key it names. Pure. */
import { ImageError } from '../http/problem.js';
import { decodeKey } from './key.js';

export interface ImagePath {
  /** The option segment, percent-decoded once. */
  options: string;
  /** The master key, percent-decoded once and validated. */
  key: string;
}

/**
 * `rest` is what follows the mount point (`/cdn-cgi/image/` or the configured prefix), still percent-encoded:
 * `<options>/<key>`, where the key may also be written as an absolute URL on this worker's own host, as
 * unpic's Cloudflare provider writes it. Any other host is refused: we are not an open proxy.
 */
export function parseImagePath(rest: string, ownHost: string): ImagePath {
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
      throw new ImageError(400, 'foreign-source', `the source host ${host} is not this service; only keys on ${ownHost} can be transformed`);
    }
    source = (absolute[3] ?? '').replace(/^\/+/, '');
  }
  return { options, key: decodeKey(source) };
}
