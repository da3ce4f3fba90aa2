/**
 * Image URLs built the way each framework's own code builds them (re-implemented from their loaders, not imported):
 * Next.js's default loader, Nuxt Image's ipx provider, Astro's base image service, unpic's Cloudflare provider.
 */

/** next/image's default loader with `images.path` set: `${path}?url=${encodeURIComponent(src)}&w=${width}&q=${quality || 75}`. */
export function nextDefaultLoader(path: string, { src, width, quality }: { src: string; width: number; quality?: number }): string {
  return `${path}?url=${encodeURIComponent(src)}&w=${width}&q=${quality || 75}`;
}

/** ufo's encodePath, for the characters a key uses: encodeURI, then `#` and `?` too. */
function encodePath(path: string): string {
  return encodeURI(path).replace(/#/g, '%23').replace(/\?/g, '%3F');
}

/** ufo's joinURL: one `/` between the parts. */
function joinURL(...parts: string[]): string {
  return parts.reduce((url, part) => (url === '' ? part : `${url.replace(/\/+$/, '')}/${part.replace(/^\/+/, '')}`), '');
}

/**
 * Nuxt Image's ipx provider: width and height together become `resize=WxH`; modifiers renamed by its keyMap and
 * written `key_value`, joined with `,`, `_` when there are none; then `joinURL(baseURL, params, encodePath(src))`.
 */
export function nuxtIpxUrl(src: string, modifiers: Record<string, string | number | undefined>, baseURL = '/_ipx'): string {
  const mods = { ...modifiers };
  if (mods.width && mods.height) {
    mods.resize = `${mods.width}x${mods.height}`;
    delete mods.width;
    delete mods.height;
  }
  const keyMap: Record<string, string> = { format: 'f', fit: 'fit', width: 'w', height: 'h', resize: 's', quality: 'q', background: 'b', position: 'pos' };
  const params = Object.entries(mods)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${keyMap[key] ?? key}_${value}`)
    .join(',');
  return joinURL(baseURL, params || '_', encodePath(src));
}

/** Astro's base service getURL: `href` first, then w, h, q, f (and fit, position) when set, as URLSearchParams. */
export function astroImageUrl(
  src: string,
  options: { width?: number; height?: number; quality?: string | number; format?: string; fit?: string; position?: string },
  base = '/',
): string {
  const searchParams = new URLSearchParams();
  searchParams.append('href', src);
  const params: Record<string, keyof typeof options> = { w: 'width', h: 'height', q: 'quality', f: 'format', fit: 'fit', position: 'position' };
  for (const [param, key] of Object.entries(params)) {
    const value = options[key];
    if (value) searchParams.append(param, value.toString());
  }
  return `${joinURL(base, '/_image')}?${searchParams}`;
}

/** unpic's Cloudflare provider: defaults `f=auto` and `fit=cover`, `=` and `,`, `/cdn-cgi/image/<ops>/<src without leading />`. */
export function unpicCloudflareUrl(src: string, operations: { width?: number; height?: number; quality?: number }, domain?: string): string {
  const ops = { ...operations, f: 'auto', fit: 'cover' } as Record<string, string | number | undefined>;
  const modifiers = Object.entries(ops)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const url = new URL(domain ? `https://${domain}` : 'http://n');
  url.pathname = `/cdn-cgi/image/${modifiers}/${src.replace(/^\/+/, '')}`;
  return domain ? url.toString() : url.pathname;
}
