/**
 * One event per request: what it asked for, how it was answered (HIT / TIER / MISS / 304 / an error status), what
 * it cost (each phase's milliseconds, queue wait, bytes) and who it was charged to (a client class and a pseudonym,
 * never an address). Pure: built from what the route noted on the context and from the response's own headers.
 */

/** The surface a request reached. */
export type EventRoute = 'image' | 'original' | 'master' | 'upload' | 'delete' | 'jobs' | 'health' | 'other';

/** Who the request came from, for quotas: the upload token, an address in QUOTA_EXEMPT, or anyone else. */
export type ClientClass = 'token' | 'exempt' | 'anonymous';

/**
 * What the quota did: `none` (not consulted: hits, 304s, errors before the charge), `charged`, `exempt` (not charged),
 * `refused` (429), `shed` (503 from the global breaker or a full transform queue).
 */
export type QuotaDecision = 'none' | 'charged' | 'exempt' | 'refused' | 'shed';

/** What a route notes on the context (`noteEvent`) for the request's event; everything is optional. */
export interface EventNotes {
  key?: string;
  /** The negotiated output format. */
  format?: string;
  masterFormat?: string;
  masterBytes?: number;
  masterPixels?: number;
  /** Bytes of the body sent (a variant); 0 for none. */
  outputBytes?: number;
  quota?: QuotaDecision;
}

/** Schema version of the event (the JSON log line and the Analytics Engine columns follow it). */
export const EVENT_VERSION = 1;

export interface RequestEvent {
  type: 'request';
  v: typeof EVENT_VERSION;
  /** Epoch ms when the response was ready. */
  t: number;
  route: EventRoute;
  method: string;
  status: number;
  /** `HIT`, `TIER` or `MISS` (X-Cache), `304`, else the status as text (`200`, `404`, `429` …). */
  outcome: string;
  /** The problem type's slug of an error answer (`no-master`, `quota-exceeded` …), else ''. */
  error: string;
  key: string;
  format: string;
  masterFormat: string;
  masterBytes: number;
  masterPixels: number;
  /** `<1MP`, `1-4MP`, `4-12MP`, `12-40MP`, `>40MP` of the master, '' when unknown. */
  masterSize: string;
  outputBytes: number;
  /** Milliseconds per Server-Timing phase (`meta`, `cache`, `tier`, `queue`, `r2`, `decode`, `resize`, `encode`, `total` …). */
  ms: Record<string, number>;
  /** The transform's own milliseconds (0 when none ran here): the `transform` phase, else the sum of the pipeline's. */
  transformMs: number;
  /** Waiting for this isolate's transform gate, ms. */
  queueMs: number;
  /** Whether this request joined an identical transform already running (its phases are that transform's). */
  coalesced: boolean;
  client: ClientClass;
  /** A keyed, daily-rotated hash of the quota bucket (IPv4 or IPv6 /64); never the address. */
  clientId: string;
  quota: QuotaDecision;
  /** Cloudflare data centre (`request.cf.colo`), '' locally. */
  colo: string;
}

/** Server-Timing entries (`name;dur=1.2;desc="x", …`) as name → milliseconds (repeated names add up). */
export function parseServerTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (!header) return out;
  for (const entry of header.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const [name, ...params] = entry.trim().split(';');
    if (!name) continue;
    const dur = params.map((p) => /^\s*dur=([\d.]+)\s*$/.exec(p)?.[1]).find((d) => d !== undefined);
    const value = dur === undefined ? 0 : Number(dur);
    out[name.trim()] = Math.round(((out[name.trim()] ?? 0) + value) * 10) / 10;
  }
  return out;
}

/** Phases that are not the transform itself (lookups, waiting, reading the master, the whole request). */
const NOT_PIPELINE = new Set(['total', 'meta', 'cache', 'tier', 'queue', 'r2', 'coalesced', 'transform']);

/**
 * The transform's milliseconds: its `transform` phase (wall time of the pipeline, which production clocks measure
 * too: they only advance across I/O), else the sum of every other phase the pipeline reported.
 */
export function transformMsOf(ms: Record<string, number>): number {
  if (ms.transform !== undefined) return ms.transform;
  let sum = 0;
  for (const [name, value] of Object.entries(ms)) if (!NOT_PIPELINE.has(name)) sum += value;
  return Math.round(sum * 10) / 10;
}

/** The master size class the KPIs group transform times by. */
export function masterSizeClass(pixels: number): string {
  if (!(pixels > 0)) return '';
  const mp = pixels / 1_000_000;
  if (mp < 1) return '<1MP';
  if (mp < 4) return '1-4MP';
  if (mp < 12) return '4-12MP';
  if (mp < 40) return '12-40MP';
  return '>40MP';
}

/** The surface of a path (mounts as `src/index.ts` wires them). */
export function routeOf(method: string, pathname: string, imagePrefix: string | undefined): EventRoute {
  if (pathname.startsWith('/cdn-cgi/image/') || (imagePrefix && pathname.startsWith(imagePrefix + '/'))) return 'image';
  // The framework loaders' grammars serve the same variants.
  if (pathname === '/_next/image' || pathname === '/_image' || pathname.startsWith('/_ipx/')) return 'image';
  if (pathname.startsWith('/originals/')) return 'original';
  if (pathname.startsWith('/masters/')) return method === 'PUT' ? 'upload' : method === 'DELETE' ? 'delete' : 'master';
  if (pathname === '/health') return 'health';
  if (pathname.startsWith('/jobs/')) return 'jobs';
  return 'other';
}

/** The key of a `/masters/<key>` or `/originals/<key>` path, best effort ('' when it cannot be decoded). */
export function keyOfPath(pathname: string): string {
  const match = /^\/(?:masters|originals)\/(.+)$/.exec(pathname);
  if (!match) return '';
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return '';
  }
}

/** What the response and the request's notes say, besides who sent it. */
export interface EventInput {
  method: string;
  pathname: string;
  imagePrefix: string | undefined;
  status: number;
  headers: Headers;
  notes: EventNotes;
  /** The problem slug of the error the request ended with, if any. */
  errorCode: string;
  client: ClientClass;
  clientId: string;
  colo: string;
  now: number;
}

/** Quota decisions that an error states by itself. */
const quotaErrors: Record<string, QuotaDecision> = { 'quota-exceeded': 'refused', 'shedding-load': 'shed', busy: 'shed' };

export function buildEvent(input: EventInput): RequestEvent {
  const { notes, status, headers } = input;
  const route = routeOf(input.method, input.pathname, input.imagePrefix);
  const ms = parseServerTiming(headers.get('Server-Timing'));
  const xCache = headers.get('X-Cache');
  const outcome = status === 304 ? '304' : status < 300 && xCache ? xCache : String(status);
  let quota: QuotaDecision = quotaErrors[input.errorCode] ?? notes.quota ?? 'none';
  // Uploads are charged by the masters route before anything else (not noted there): a success was charged.
  if (route === 'upload' && status < 300 && quota === 'none') quota = input.client === 'exempt' ? 'exempt' : 'charged';
  const masterPixels = notes.masterPixels ?? 0;
  return {
    type: 'request',
    v: EVENT_VERSION,
    t: input.now,
    route,
    method: input.method,
    status,
    outcome,
    error: input.errorCode,
    key: notes.key ?? keyOfPath(input.pathname),
    format: notes.format ?? '',
    masterFormat: notes.masterFormat ?? '',
    masterBytes: notes.masterBytes ?? 0,
    masterPixels,
    masterSize: masterSizeClass(masterPixels),
    // A HEAD is answered with the headers of the GET, and no body.
    outputBytes: input.method === 'HEAD' ? 0 : (notes.outputBytes ?? 0),
    ms,
    transformMs: outcome === 'MISS' ? transformMsOf(ms) : 0,
    queueMs: ms.queue ?? 0,
    coalesced: 'coalesced' in ms,
    client: input.client,
    clientId: input.clientId,
    quota,
    colo: input.colo,
  };
}
