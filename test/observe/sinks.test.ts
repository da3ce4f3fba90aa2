/** The sinks' shapes: Analytics Engine data points within its limits, the log line, LOG_REQUESTS. Pure. */
import { describe, expect, it } from 'vitest';
import { buildEvent, parseServerTiming, type RequestEvent } from '../../src/observe/event.js';
import { parseLogMode } from '../../src/observe/log-mode.js';
import { BLOB_COLUMNS, DOUBLE_COLUMNS, MAX_INDEX_BYTES, columnOf, indexOf, logLine, shouldLog, toDataPoint } from '../../src/observe/sinks.js';

function eventOf(overrides: Partial<RequestEvent> = {}): RequestEvent {
  const base = buildEvent({
    method: 'GET',
    pathname: '/cdn-cgi/image/width=640/photos/cat.jpg',
    imagePrefix: '/img',
    status: 200,
    headers: new Headers({ 'X-Cache': 'MISS', 'Server-Timing': 'meta;dur=1.5;desc="memo, then r2", r2;dur=3, decode;dur=40.25, resize;dur=10, encode;dur=50, queue;dur=2, transform;dur=101.2, total;dur=160' }),
    notes: { key: 'photos/cat.jpg', format: 'webp', masterFormat: 'jpeg', masterBytes: 2_000_000, masterPixels: 12_000_000, outputBytes: 50_000, quota: 'charged' },
    errorCode: '',
    client: 'anonymous',
    clientId: '0123456789abcdef',
    colo: 'AMS',
    now: 1_780_000_000_000,
  });
  return { ...base, ...overrides };
}

describe('the event', () => {
  it('reads Server-Timing, quoted commas included', () => {
    expect(parseServerTiming('meta;dur=1.5;desc="a, b", coalesced;dur=0, total;dur=9')).toEqual({ meta: 1.5, coalesced: 0, total: 9 });
    const event = eventOf();
    expect(event).toMatchObject({ outcome: 'MISS', transformMs: 101.2, queueMs: 2, masterSize: '12-40MP', coalesced: false });
  });

  it('sums the pipeline phases when there is no transform phase', () => {
    const event = buildEvent({ ...{ method: 'GET', pathname: '/img/w=1/a.jpg', imagePrefix: '/img', status: 200 }, headers: new Headers({ 'X-Cache': 'MISS', 'Server-Timing': 'meta;dur=1, r2;dur=5, decode;dur=2, color;dur=1, encode;dur=3, total;dur=20' }), notes: {}, errorCode: '', client: 'anonymous', clientId: '', colo: '', now: 0 });
    expect(event.transformMs).toBe(6);
  });
});

describe('the Analytics Engine data point', () => {
  it('keeps within the limits: one index of at most 96 bytes, 20 blobs, 20 doubles, 16 KB of blobs', () => {
    const long = `${'ü'.repeat(200)}/cat.jpg`;
    for (const event of [eventOf(), eventOf({ key: long }), eventOf({ key: '', route: 'health' })]) {
      const point = toDataPoint(event);
      expect(point.indexes).toHaveLength(1);
      expect(new TextEncoder().encode(point.indexes![0] as string).byteLength).toBeLessThanOrEqual(MAX_INDEX_BYTES);
      expect(point.blobs!.length).toBeLessThanOrEqual(20);
      expect(point.doubles!.length).toBeLessThanOrEqual(20);
      expect(point.doubles!.every((d) => Number.isFinite(d))).toBe(true);
      expect(new TextEncoder().encode((point.blobs as string[]).join('')).byteLength).toBeLessThanOrEqual(16 * 1024);
    }
    expect(indexOf(eventOf({ key: `${long}x` }))).not.toBe(indexOf(eventOf({ key: long })));
    expect(indexOf(eventOf({ key: '', route: 'health' }))).toBe('health');
  });

  it('puts each field in its column', () => {
    const event = eventOf();
    const point = toDataPoint(event);
    const blob = (field: string) => point.blobs![Number(columnOf(field)!.slice(4)) - 1];
    const double = (field: string) => point.doubles![Number(columnOf(field)!.slice(6)) - 1];
    expect([blob('route'), blob('outcome'), blob('format'), blob('masterSize'), blob('quota'), blob('key')]).toEqual(['image', 'MISS', 'webp', '12-40MP', 'charged', 'photos/cat.jpg']);
    expect([double('status'), double('outputBytes'), double('masterBytes'), double('transformMs'), double('coalesced'), double('ms.decode')]).toEqual([200, 50_000, 2_000_000, 101.2, 0, 40.3]);
    expect(columnOf('outcome')).toBe('blob2');
    expect(BLOB_COLUMNS.length + DOUBLE_COLUMNS.length).toBeGreaterThan(0);
  });
});

describe('LOG_REQUESTS', () => {
  it('reads off, errors, all and a share; refuses anything else', () => {
    expect(parseLogMode(undefined)).toEqual({ kind: 'off' });
    expect(parseLogMode('all')).toEqual({ kind: 'all' });
    expect(parseLogMode('errors')).toEqual({ kind: 'errors' });
    expect(parseLogMode('0.25')).toEqual({ kind: 'share', share: 0.25 });
    expect(() => parseLogMode('sometimes')).toThrow(/LOG_REQUESTS/);
    expect(() => parseLogMode('2')).toThrow(/LOG_REQUESTS/);
  });

  it('logs a share of requests, and every error', () => {
    const share = parseLogMode('0.25');
    expect(shouldLog(share, eventOf(), () => 0.1)).toBe(true);
    expect(shouldLog(share, eventOf(), () => 0.5)).toBe(false);
    expect(shouldLog(share, eventOf({ status: 503 }), () => 0.9)).toBe(true);
    expect(JSON.parse(logLine(eventOf()))).toEqual(eventOf());
  });
});

describe('client pseudonyms', () => {
  it('hold for a UTC day and a salt, and change with either', async () => {
    const { clientPseudonym } = await import('../../src/observe/client-id.js');
    const noon = Date.UTC(2026, 11, 1, 12);
    const a = await clientPseudonym('203.0.113.9', 'salt-one-0123456789', noon);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(await clientPseudonym('203.0.113.9', 'salt-one-0123456789', noon + 11 * 3600_000)).toBe(a);
    expect(await clientPseudonym('203.0.113.9', 'salt-one-0123456789', noon + 12 * 3600_000)).not.toBe(a);
    expect(await clientPseudonym('203.0.113.9', 'salt-two-0123456789', noon)).not.toBe(a);
    expect(await clientPseudonym('203.0.113.8', 'salt-one-0123456789', noon)).not.toBe(a);
    // Without a salt: this isolate's random one, stable while it lives.
    expect(await clientPseudonym('203.0.113.9', null, noon)).toBe(await clientPseudonym('203.0.113.9', null, noon));
    expect(await clientPseudonym('203.0.113.9', null, noon)).not.toBe(a);
  });
});
