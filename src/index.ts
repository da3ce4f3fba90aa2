/** The Worker: a Hono app that serves image variants from R2 masters. */
import { type Context, Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { timing } from 'hono/timing';
import type { AppEnv } from './app-env.js';
import { configOf } from './config.js';
import { ImageError, problemResponse } from './http/problem.js';
import { htmlProblemResponse, prefersHtml } from './http/html-problem.js';
import { requireUploadToken } from './limits/upload-auth.js';
import { serveHealth } from './routes/health.js';
import { serveImage, serveParsedImage } from './routes/image.js';
import { describeMasterRoute, putMaster, removeMaster } from './routes/masters.js';
import { backfillPage } from './routes/jobs.js';
import { serveOriginal } from './routes/originals.js';
import { handleVariantJobs } from './jobs/consumer.js';
import { sweepStaleVariants } from './jobs/scheduled-sweep.js';
import { servePlaceholder } from './routes/placeholder.js';
import { serveSrcset } from './routes/srcset.js';
import { requestEvents } from './observe/middleware.js';
import { serveAstroImage, serveIpx, serveNextImage } from './routes/loaders.js';
import { servePlayground } from './routes/playground.js';
import { serveFavicon } from './routes/playground/favicon.js';
import { servePlaygroundScript } from './routes/playground/script.js';

const app = new Hono<AppEnv>();

app.use(async function loadConfig(c, next) {
  c.set('config', configOf(c.env));
  await next();
});
// One event per request (Analytics Engine, LOG_REQUESTS); outside timing(), so it sees the Server-Timing header.
app.use(requestEvents());
// Images are embedded by other origins: the resource policy must allow it.
app.use(secureHeaders({ crossOriginResourcePolicy: 'cross-origin', crossOriginOpenerPolicy: false }));
app.use(timing({ total: true, crossOrigin: true }));

/** What follows the mount point in the raw (still percent-encoded) path. */
function rawRest(url: string, mount: string): string {
  const path = new URL(url).pathname;
  return path.slice(mount.length + 1);
}

app.get('/cdn-cgi/image/*', (c) => serveImage(c, rawRest(c.req.url, '/cdn-cgi/image')));
app.get('/originals/*', (c) => serveOriginal(c, rawRest(c.req.url, '/originals')));
app.get('/health', serveHealth);
// The playground: a page for people, its script and the favicon.
app.get('/', servePlayground);
app.get('/playground.js', servePlaygroundScript);
app.get('/favicon.ico', serveFavicon);
// Responsive-image candidates and placeholders.
app.get('/srcset/*', (c) => serveSrcset(c, rawRest(c.req.url, '/srcset')));
app.get('/placeholder/*', (c) => servePlaceholder(c, rawRest(c.req.url, '/placeholder'), serveParsedImage));
// Framework loaders (Next.js, Nuxt Image's ipx, Astro): the same variants under their own URL grammars.
app.get('/_next/image', serveNextImage);
app.get('/_ipx/*', (c) => serveIpx(c, rawRest(c.req.url, '/_ipx')));
app.get('/_image', serveAstroImage);
app.on(['PUT', 'DELETE'], '/masters/*', requireUploadToken());
app.post('/jobs/pregenerate', requireUploadToken(), (c) => backfillPage(c));
app.put('/masters/*', (c) => putMaster(c, rawRest(c.req.url, '/masters')));
app.delete('/masters/*', (c) => removeMaster(c, rawRest(c.req.url, '/masters')));
app.get('/masters/*', (c) => describeMasterRoute(c, rawRest(c.req.url, '/masters')));
app.get('*', async (c, next) => {
  const prefix = c.get('config').imagePrefix;
  if (!new URL(c.req.url).pathname.startsWith(prefix + '/')) return next();
  return serveImage(c, rawRest(c.req.url, prefix));
});

app.on(['POST', 'PUT', 'DELETE', 'PATCH'], ['/cdn-cgi/image/*', '/originals/*'], () => {
  throw new ImageError(405, 'method-not-allowed', 'images are read with GET or HEAD', { Allow: 'GET, HEAD' });
});

/** A problem as problem+json, or as a page for a person whose browser asked for HTML (http/html-problem.ts). */
function respondProblem(c: Context<AppEnv>, error: ImageError): Response {
  const head = c.req.method === 'HEAD';
  if (prefersHtml(c.req.header('Accept'))) {
    return htmlProblemResponse(error, { path: new URL(c.req.url).pathname, imagePrefix: c.get('config')?.imagePrefix ?? '/img' }, { head });
  }
  return problemResponse(error, { head });
}

app.notFound((c) => respondProblem(c, new ImageError(404, 'not-found', `nothing is served at ${new URL(c.req.url).pathname}`)));
app.onError((error, c) => {
  if (error instanceof ImageError) return respondProblem(c, error);
  console.error('unhandled error', error);
  return respondProblem(c, new ImageError(500, 'internal', 'something went wrong on our side'));
});

export { QuotaBucket, TransformBreaker } from './limits/quota-object.js';
export { VariantLease } from './limits/variant-lease.js';

export default {
  fetch: app.fetch,
  /** Pre-generation and sweeps of the R2 variant tier (wrangler.toml `[[queues.consumers]]`). */
  queue: (batch, env, _ctx) => handleVariantJobs(batch, env),
  /** The bounded sweep of stale tier variants (wrangler.toml `[triggers] crons`). */
  scheduled: async (_controller, env, _ctx) => {
    const report = await sweepStaleVariants(env.MASTERS);
    console.log('variant sweep', JSON.stringify(report));
  },
} satisfies ExportedHandler<Env>;
