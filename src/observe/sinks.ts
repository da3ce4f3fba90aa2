/**
 * Where request events go: Workers Analytics Engine (a data point per request, when the dataset is bound), one JSON
 * log line (when LOG_REQUESTS says so), and a diagnostics channel that tests and Tail Workers can listen on.
 */
import { channel } from 'node:diagnostics_channel';
import type { RequestEvent } from './event.js';
import type { LogMode } from './log-mode.js';

export interface EventSink {
  /** Takes the event without waiting for anything; never throws. */
  write(event: RequestEvent): void;
}

/**
 * The Analytics Engine columns, in order: `blobs[i]` is `blob{i+1}`, `doubles[i]` is `double{i+1}`. The README's
 * KPI queries name columns by this table (a test checks the README's table against it). Append only: existing
 * columns keep their meaning in stored data.
 */
export const BLOB_COLUMNS = [
  'route', 'outcome', 'format', 'masterFormat', 'masterSize', 'client', 'quota', 'error', 'method', 'colo', 'clientId', 'key',
] as const satisfies readonly (keyof RequestEvent)[];

/** Phases stored as their own columns (others stay in the JSON log only). */
const PHASES = ['total', 'meta', 'cache', 'tier', 'r2', 'decode', 'resize', 'encode'] as const;

export const DOUBLE_COLUMNS = [
  'status', 'outputBytes', 'masterBytes', 'masterPixels', 'transformMs', 'queueMs', 'coalesced', 'v',
  ...PHASES.map((p) => `ms.${p}` as const),
] as const;

/** `outcome` → `blob2`, `transformMs` → `double5`, … */
export function columnOf(field: string): string | undefined {
  const b = (BLOB_COLUMNS as readonly string[]).indexOf(field);
  if (b >= 0) return `blob${b + 1}`;
  const d = (DOUBLE_COLUMNS as readonly string[]).indexOf(field);
  return d >= 0 ? `double${d + 1}` : undefined;
}

/** Analytics Engine takes one index per data point, at most 96 bytes: the sampling key. */
export const MAX_INDEX_BYTES = 96;
/** Longest key kept in a blob (all blobs together may take 16 KB). */
const MAX_KEY_BLOB = 1024;

function fnv1a(text: string): string {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Cuts `text` to at most `bytes` UTF-8 bytes without splitting a character. */
function utf8Prefix(text: string, bytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).byteLength <= bytes) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = encoder.encode(char).byteLength;
    if (used + size > bytes) break;
    out += char;
    used += size;
  }
  return out;
}

/**
 * The index (sampling key): the master key, so that Analytics Engine samples hot masters and keeps rare ones whole
 * (per-master questions stay exact); the route for requests without a key. A key over 96 bytes keeps its first 86
 * bytes and a hash of the whole, so distinct long keys stay distinct.
 */
export function indexOf(event: RequestEvent): string {
  if (!event.key) return event.route;
  if (new TextEncoder().encode(event.key).byteLength <= MAX_INDEX_BYTES) return event.key;
  return `${utf8Prefix(event.key, MAX_INDEX_BYTES - 10)}#${fnv1a(event.key)}`;
}

function doubleOf(event: RequestEvent, column: (typeof DOUBLE_COLUMNS)[number]): number {
  if (column.startsWith('ms.')) return event.ms[column.slice(3)] ?? 0;
  const value = event[column as keyof RequestEvent];
  return typeof value === 'boolean' ? Number(value) : (value as number);
}

export function toDataPoint(event: RequestEvent): AnalyticsEngineDataPoint {
  return {
    indexes: [indexOf(event)],
    blobs: BLOB_COLUMNS.map((field) => (field === 'key' ? event.key.slice(0, MAX_KEY_BLOB) : String(event[field]))),
    doubles: DOUBLE_COLUMNS.map((column) => doubleOf(event, column)),
  };
}

let lastWarning = -Infinity;
function warnOnce(message: string, error: unknown): void {
  if (Date.now() - lastWarning < 60_000) return;
  lastWarning = Date.now();
  console.warn(message, String(error));
}

/** A data point per event; `writeDataPoint` returns at once and the runtime sends it (Miniflare drops it locally). */
export function analyticsEngineSink(dataset: AnalyticsEngineDataset): EventSink {
  return {
    write(event) {
      try {
        dataset.writeDataPoint(toDataPoint(event));
      } catch (error) {
        warnOnce('request event not written to Analytics Engine:', error);
      }
    },
  };
}

/** The log line of an event: one JSON object (Workers Logs indexes its fields; `npm run kpi` reads it back). */
export function logLine(event: RequestEvent): string {
  return JSON.stringify(event);
}

export function shouldLog(mode: LogMode, event: RequestEvent, random: () => number = Math.random): boolean {
  switch (mode.kind) {
    case 'off':
      return false;
    case 'all':
      return true;
    case 'errors':
      return event.status >= 400;
    case 'share':
      return event.status >= 400 || random() < mode.share;
  }
}

export function logSink(mode: LogMode): EventSink {
  return {
    write(event) {
      if (shouldLog(mode, event)) console.log(logLine(event));
    },
  };
}

/** The diagnostics channel every event is published on (Tail Workers receive it as `diagnosticsChannelEvents`). */
export const EVENT_CHANNEL = 'edge-image-worker:request';
const events = channel(EVENT_CHANNEL);

export const channelSink: EventSink = {
  write(event) {
    // Published even without a subscriber here: a Tail Worker, if one is attached, receives every message.
    try {
      events.publish(event);
    } catch (error) {
      warnOnce('request event subscriber failed:', error);
    }
  },
};

