/** The Worker: a Hono app that serves image variants from R2 masters. */
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { timing } from 'hono/timing';
import type { AppEnv } from './app-env.js';
import { configOf } from './config.js';
import { ImageError, problemResponse } from './http/problem.js';
import { serveImage } from './routes/image.js';
import { serveOriginal } from './routes/originals.js';

const app = new Hono<AppEnv>();

app.use(async function loadConfig(c, next) {
  c.set('config', configOf(c.env));
  await next();
});
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
app.get('/health', (c) => c.json({ ok: true }));
app.get('*', async (c, next) => {
  const prefix = c.get('config').imagePrefix;
  if (!new URL(c.req.url).pathname.startsWith(prefix + '/')) return next();
  return serveImage(c, rawRest(c.req.url, prefix));
});

app.notFound((c) => problemResponse(new ImageError(404, 'not-found', `nothing is served at ${new URL(c.req.url).pathname}`)));
app.onError((error, c) => {
  const head = c.req.method === 'HEAD';
  if (error instanceof ImageError) return problemResponse(error, { head });
  console.error('unhandled error', error);
  return problemResponse(new ImageError(500, 'internal', 'something went wrong on our side'), { head });
});

export default app;
