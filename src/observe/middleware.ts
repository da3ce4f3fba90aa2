/**
 * The request-event middleware: after the route has answered, it reads what the route noted on the context
 * (`noteEvent`), the response's status and headers (X-Cache, Server-Timing) and the error it ended with, and hands
 * one event to each sink. Nothing here delays the response beyond building the event.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { ImageError } from '../http/problem.js';
import { clientKey, isExempt } from '../limits/client.js';
import { carriesUploadToken } from '../limits/upload-auth.js';
import { clientPseudonym } from './client-id.js';
import { buildEvent, type ClientClass, type EventNotes } from './event.js';
import type { LogMode } from './log-mode.js';
import { analyticsEngineSink, channelSink, type EventSink, logSink } from './sinks.js';

/** Adds to what the request's event will say (later notes win). */
export function noteEvent(c: Context<AppEnv>, notes: EventNotes): void {
  c.set('event', { ...c.get('event'), ...notes });
}

/** The master's part of the event, from its metadata. */
export function noteMaster(c: Context<AppEnv>, key: string, meta: { bytes: number; info: { format: string; width: number; height: number } } | null): void {
  noteEvent(c, meta ? { key, masterFormat: meta.info.format, masterBytes: meta.bytes, masterPixels: meta.info.width * meta.info.height } : { key });
}

/** The sinks of this deployment: the channel always, Analytics Engine when bound, the log as LOG_REQUESTS says. */
export function sinksOf(env: Env, logMode: LogMode): EventSink[] {
  const sinks: EventSink[] = [channelSink];
  const dataset = (env as { REQUEST_EVENTS?: AnalyticsEngineDataset }).REQUEST_EVENTS;
  if (dataset && typeof dataset.writeDataPoint === 'function') sinks.push(analyticsEngineSink(dataset));
  if (logMode.kind !== 'off') sinks.push(logSink(logMode));
  return sinks;
}

/**
 * One event per request, to every sink.
 *
 * @example app.use(requestEvents()) // after the config middleware, before `timing()` (it reads Server-Timing)
 */
export function requestEvents(): MiddlewareHandler<AppEnv> {
  return async function recordRequestEvent(c, next) {
    const config = c.get('config');
    const ip = c.req.header('CF-Connecting-IP') ?? null;
    // Started now, settled by the time the route has answered.
    const who = Promise.all([
      carriesUploadToken(config.uploadToken, c.req.header('Authorization')),
      clientPseudonym(clientKey(ip), config.events.salt, Date.now()),
    ]);
    await next();
    try {
      const [token, clientId] = await who;
      const client: ClientClass = token ? 'token' : isExempt(ip, config.quota.exempt) ? 'exempt' : 'anonymous';
      const error = c.error;
      const event = buildEvent({
        method: c.req.method,
        pathname: new URL(c.req.url).pathname,
        imagePrefix: config.imagePrefix,
        status: c.res.status,
        headers: c.res.headers,
        notes: c.get('event') ?? {},
        errorCode: error instanceof ImageError ? error.code : error ? 'internal' : '',
        client,
        clientId,
        colo: (c.req.raw.cf as { colo?: string } | undefined)?.colo ?? '',
        now: Date.now(),
      });
      for (const sink of sinksOf(c.env, config.events.logRequests)) sink.write(event);
    } catch (error) {
      // An event is never worth a failed request.
      console.warn('request event not recorded:', String(error));
    }
  };
}
