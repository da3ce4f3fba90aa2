/**
 * GET/HEAD of the framework loaders' URLs: `/_next/image?url=&w=&q=` (Next.js), `/_ipx/<modifiers>/<src>` (Nuxt
 * Image's ipx provider) and `/_image?href=&w=…` (Astro). Each is read into the service's own option segment
 * (options/loaders/) and served by the image route as the equivalent `/cdn-cgi/image/` URL: same governance, same
 * cache entry, same ETag.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { readAstroImage } from '../options/loaders/astro.js';
import { readIpxPath } from '../options/loaders/ipx.js';
import { NEXT_DEFAULT_SIZES, readNextImage } from '../options/loaders/next.js';
import type { LoaderRequest } from '../options/loaders/shared.js';
import { serveImage } from './image.js';

function serveLoaded(c: Context<AppEnv>, request: LoaderRequest): Promise<Response> {
  // The image route reads `<segment>/<source>` still percent-encoded, as it arrives after the mount point.
  return serveImage(c, `${encodeURIComponent(request.segment)}/${request.source}`);
}

export function serveNextImage(c: Context<AppEnv>): Promise<Response> {
  const { allowlists } = c.get('config').governance;
  const params = new URL(c.req.url).searchParams;
  return serveLoaded(c, readNextImage(params, { sizes: allowlists.widths ?? NEXT_DEFAULT_SIZES, qualities: allowlists.qualities }));
}

export function serveIpx(c: Context<AppEnv>, rest: string): Promise<Response> {
  return serveLoaded(c, readIpxPath(rest));
}

export function serveAstroImage(c: Context<AppEnv>): Promise<Response> {
  return serveLoaded(c, readAstroImage(new URL(c.req.url).searchParams));
}
