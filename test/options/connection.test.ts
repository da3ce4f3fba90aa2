/** slow-connection-quality's decision from the client hints, as Cloudflare documents it. */
import { describe, expect, it } from 'vitest';
import { negotiationHeaders, withAutoWidth } from '../../src/options/client-hints.js';
import { isSlowConnection, withConnectionQuality } from '../../src/options/connection.js';

describe('isSlowConnection', () => {
  it.each<[Record<string, string>, boolean]>([
    [{}, false],
    [{ 'Save-Data': 'on' }, true],
    [{ 'Save-Data': ' ON ' }, true],
    [{ 'Save-Data': 'off' }, false],
    [{ ECT: 'slow-2g' }, true],
    [{ ECT: '2g' }, true],
    [{ ECT: '3g' }, true],
    [{ ECT: '4g' }, false],
    [{ ECT: '5g' }, false],
    [{ RTT: '151' }, true],
    [{ RTT: '150' }, false],
    [{ RTT: '50' }, false],
    [{ RTT: '-500' }, false],
    [{ RTT: '1e9' }, false],
    [{ Downlink: '4.9' }, true],
    [{ Downlink: '5' }, false],
    [{ Downlink: '0' }, true],
    [{ Downlink: 'fast' }, false],
    [{ ECT: '4g', RTT: '50', Downlink: '1.2' }, true],
  ])('%j → %s', (headers, slow) => {
    expect(isSlowConnection(new Headers(headers))).toBe(slow);
  });
});

describe('withConnectionQuality', () => {
  it('makes the slow quality the quality only on a slow connection, and only when asked for', () => {
    const slow = new Headers({ ECT: '2g' });
    expect(withConnectionQuality({ quality: 80, slowConnectionQuality: 30 }, slow)).toEqual({ quality: 30, slowConnectionQuality: 30 });
    expect(withConnectionQuality({ slowConnectionQuality: 'low' as const }, slow)).toEqual({ quality: 'low', slowConnectionQuality: 'low' });
    expect(withConnectionQuality({ quality: 80, slowConnectionQuality: 30 }, new Headers())).toEqual({ quality: 80, slowConnectionQuality: 30 });
    expect(withConnectionQuality({ quality: 80 }, slow)).toEqual({ quality: 80 });
  });

  it('Vary and Accept-CH name the connection hints, with those of width=auto and Accept', () => {
    expect(negotiationHeaders({ format: 'jpeg', slowConnectionQuality: 30 })).toEqual({ Vary: 'Save-Data, ECT, RTT, Downlink', 'Accept-CH': 'RTT, Save-Data, ECT, Downlink' });
    const both = negotiationHeaders({ format: 'auto', autoWidth: true, slowConnectionQuality: 30 });
    expect(both.Vary).toBe('Accept, Sec-CH-Width, Sec-CH-Viewport-Width, Sec-CH-DPR, Width, Viewport-Width, DPR, Save-Data, ECT, RTT, Downlink');
    expect(both['Accept-CH']).toBe('Sec-CH-Width, Sec-CH-Viewport-Width, Sec-CH-DPR, RTT, Save-Data, ECT, Downlink');
    expect(negotiationHeaders({ format: 'jpeg' })).toEqual({});
  });
});

describe('withAutoWidth and dpr', () => {
  it('keeps the bucket in device pixels: width × dpr is the bucket, not twice the ratio', () => {
    const headers = new Headers({ 'Sec-CH-Width': '700' });
    for (const dpr of [1, 1.5, 2, 2.5, 3]) {
      const { width } = withAutoWidth<{ autoWidth?: true; width?: number; dpr: number }>({ autoWidth: true, dpr }, headers, 8192);
      expect(Math.round(width! * dpr)).toBe(768);
    }
  });
});
