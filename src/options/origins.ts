/**
 * Named origins that masters can be pulled from (`ORIGINS`), and the pure rules that keep fetching them safe: a key
 * `<name>/<path>` maps to one URL under one origin's base, and any URL (a source written in full, a redirect) is
 * allowed only if it stays under a configured base — same scheme, exact host, same port, no userinfo.
 */

export interface Origin {
  /** The first key segment that selects this origin. */
  name: string;
  /** Scheme, host, port and path prefix; the path ends with `/`. */
  base: URL;
}

/** Most origins one deployment may name. */
const MAX_ORIGINS = 32;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Reads `ORIGINS`: `name=https://host/prefix/` entries separated by commas or white space. Refuses (throws) anything
 * ambiguous: userinfo, a query or fragment, a scheme other than http(s), a duplicate name.
 *
 * @example parseOrigins('site=https://www.example.com/images/') // [{ name: 'site', base: URL('https://www.example.com/images/') }]
 */
export function parseOrigins(raw: string | undefined): Origin[] {
  const entries = (raw ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length > MAX_ORIGINS) throw new Error(`[vars] ORIGINS names more than ${MAX_ORIGINS} origins`);
  const origins: Origin[] = [];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    if (eq <= 0 || !NAME.test(name)) throw new Error(`[vars] ORIGINS: "${entry}" must be name=URL, the name in a-z 0-9 -`);
    let base: URL;
    try {
      base = new URL(value);
    } catch {
      throw new Error(`[vars] ORIGINS: ${value} is not a URL`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`[vars] ORIGINS: ${value} must be http or https`);
    if (base.username || base.password || base.search || base.hash || value.includes('@')) {
      throw new Error(`[vars] ORIGINS: ${value} must have no userinfo, query or fragment`);
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    if (origins.some((o) => o.name === name)) throw new Error(`[vars] ORIGINS names ${name} twice`);
    origins.push({ name, base });
  }
  return origins;
}

/** The origin a key belongs to (its first segment), or null. */
export function originOfKey(origins: readonly Origin[], key: string): Origin | null {
  const name = key.slice(0, key.indexOf('/'));
  return origins.find((o) => o.name === name) ?? null;
}

/** The URL a key of `origin` is fetched from: its path after the name, segment by segment percent-encoded. */
export function originUrl(origin: Origin, key: string): URL {
  const rest = key.slice(origin.name.length + 1);
  return new URL(rest.split('/').map(encodeURIComponent).join('/'), origin.base);
}

/**
 * Whether `url` may be fetched for `origin`: same scheme, exactly the same host and port (as configured: no port
 * unless the base has one), no userinfo, and a path under the base's prefix. Parsed with WHATWG URL rules, so
 * `https://www.example.com@evil.com/` (userinfo) and `https://www.example.com.evil.com/` (another host) fail.
 */
export function isUnderOrigin(origin: Origin, url: URL): boolean {
  if (url.username || url.password) return false;
  if (url.protocol !== origin.base.protocol || url.hostname !== origin.base.hostname || url.port !== origin.base.port) return false;
  // Resolved paths only: `/images/../secret` is normalised by the URL parser before this check.
  return url.pathname.startsWith(origin.base.pathname);
}

/** The key for a source written as an absolute URL under a configured origin, or null when none covers it. */
export function keyOfOriginUrl(origins: readonly Origin[], url: URL): string | null {
  for (const origin of origins) {
    if (!isUnderOrigin(origin, url) || url.search || url.hash) continue;
    const rest = url.pathname.slice(origin.base.pathname.length);
    if (rest === '') return null;
    try {
      return `${origin.name}/${rest.split('/').map(decodeURIComponent).join('/')}`;
    } catch {
      return null;
    }
  }
  return null;
}
