/** Presets (fixed and overridable options) and allowlists (snap, refuse), as pure functions. */
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/http/problem.js';
import { applyAllowlists, readAllowlist, snapQuality, snapSize } from '../../src/options/allowlist.js';
import { parseOptions } from '../../src/options/parse.js';
import { overridesBounded } from '../../src/options/govern.js';
import { applyPreset, readPresets } from '../../src/options/presets.js';

const limits = { maxOutputDimension: 8192 };
const presets = readPresets(
  {
    card: { options: 'width=400,height=300,fit=cover,quality=75', allow: ['format', 'dpr', 'g'] },
    thumb: 'width=160,height=160,fit=cover',
  },
  limits,
);

describe('readPresets', () => {
  it('reads tables, strings and JSON strings, folding aliases in allow', () => {
    expect(presets.get('card')?.allow).toEqual(new Set(['format', 'dpr', 'gravity']));
    expect(presets.get('thumb')?.allow.size).toBe(0);
    expect(readPresets('{"a":{"options":"w=10"}}', limits).get('a')?.segment).toBe('w=10');
  });
  it.each([
    [{ 'Bad Name': 'w=1' }, /name/],
    [{ a: 'w=0' }, /a: option w \(width\)/],
    [{ a: { options: 'w=1', allow: ['nonsense'] } }, /not an option/],
    [{ a: { options: 5 } }, /options must be/],
    ['not json', /not JSON/],
    [Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, 'w=1'])), /limit/],
  ])('refuses a bad config %#', (raw, message) => {
    expect(() => readPresets(raw, limits)).toThrow(message);
  });
});

describe('applyPreset', () => {
  const card = presets.get('card')!;
  it('keeps the preset alone', () => {
    expect(parseOptions(applyPreset(card, ''), limits)).toMatchObject({ width: 400, height: 300, fit: 'cover', quality: 75, format: 'auto' });
  });
  it('lets allowed options be added or replace the preset’s', () => {
    const options = parseOptions(applyPreset(card, 'format=webp,dpr=2,g=left'), limits);
    expect(options).toMatchObject({ width: 400, height: 300, dpr: 2, format: 'webp', gravity: 'left', quality: 75 });
  });
  it('refuses an option the preset fixes, naming it (aliases included)', () => {
    for (const request of ['width=900', 'w=900', 'quality=90', 'format=webp,fit=contain']) {
      const error = (() => {
        try {
          applyPreset(card, request);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ImageError);
      expect((error as ImageError).status).toBe(400);
      expect((error as ImageError).detail).toMatch(/is fixed by preset "card"/);
    }
  });
});

describe('allowlists', () => {
  it('reads a list sorted, deduplicated and bounded', () => {
    expect(readAllowlist('640, 320,640', 'ALLOWED_WIDTHS', 1, 8192)).toEqual([320, 640]);
    expect(readAllowlist('', 'ALLOWED_WIDTHS', 1, 8192)).toBeUndefined();
    expect(() => readAllowlist('320,abc', 'ALLOWED_WIDTHS', 1, 8192)).toThrow(/ALLOWED_WIDTHS/);
    expect(() => readAllowlist('9000', 'ALLOWED_WIDTHS', 1, 8192)).toThrow(/1\.\.8192/);
    expect(() => readAllowlist(Array.from({ length: 65 }, (_, i) => i + 1).join(','), 'ALLOWED_WIDTHS', 1, 8192)).toThrow(/limit/);
  });
  it('snaps sizes up (never to a blurrier one), past the largest to the largest', () => {
    const allowed = [320, 640, 960];
    expect(snapSize(100, allowed)).toBe(320);
    expect(snapSize(640, allowed)).toBe(640);
    expect(snapSize(641, allowed)).toBe(960);
    expect(snapSize(5000, allowed)).toBe(960);
  });
  it('snaps qualities to the nearest, ties up', () => {
    expect(snapQuality(71, [60, 75, 90])).toBe(75);
    expect(snapQuality(67, [60, 75, 90])).toBe(60);
    expect(snapQuality(82.5, [75, 90])).toBe(90);
  });
  const lists = { widths: [320, 640, 960], heights: [200, 400], qualities: [60, 80], mode: 'snap' as const };
  const touched = { width: true, height: true, quality: true };
  it('snaps device pixels (width × dpr) and folds dpr into the result', () => {
    const { options, snapped } = applyAllowlists(parseOptions('w=400,dpr=2,q=70', limits), lists, touched);
    expect(options).toMatchObject({ width: 960, dpr: 1, quality: 80 });
    expect(snapped).toEqual(['width=800->960', 'quality=70->80']);
  });
  it('leaves listed values and values the request did not set alone', () => {
    const listed = parseOptions('w=320,dpr=2', limits);
    expect(applyAllowlists(listed, lists, touched)).toEqual({ options: listed, snapped: [] });
    const fromPreset = parseOptions('w=123,q=11', limits);
    expect(applyAllowlists(fromPreset, lists, { width: false, height: false, quality: false }).snapped).toEqual([]);
  });
  it('refuses in refuse mode with a 400 naming the allowed values', () => {
    expect(() => applyAllowlists(parseOptions('w=700', limits), { ...lists, mode: 'refuse' }, touched)).toThrow(/width=700 is not allowed here; allowed: 320, 640, 960/);
    expect(() => applyAllowlists(parseOptions('h=300', limits), { ...lists, mode: 'refuse' }, touched)).toThrow(/height=300/);
  });
});

describe('overridesBounded (what an unsigned preset request may change when signatures are required)', () => {
  const none = { mode: 'snap' as const };
  const merged = parseOptions('width=400,height=300', limits);
  const bounded = (rest: string, lists: Parameters<typeof overridesBounded>[3] = none) =>
    overridesBounded(rest, rest === '' ? undefined : parseOptions(rest, limits), merged, lists);
  it('allows enumerations, named gravities and qualities', () => {
    expect(bounded('')).toBe(true);
    expect(bounded('format=webp,fit=contain,flip=h,rotate=90,metadata=keep,anim=false,onerror=redirect,gravity=left,q=low')).toBe(true);
  });
  it('allows sizes, dpr and numeric qualities only where a list bounds them', () => {
    for (const rest of ['w=500', 'h=500', 'dpr=1.5', 'quality=55', 'gravity=0.1x0.9', 'blur=3', 'sharpen=1', 'background=#fff']) expect(bounded(rest), rest).toBe(false);
    const lists = { widths: [100], heights: [100], qualities: [50], mode: 'snap' as const };
    for (const rest of ['w=500', 'h=500', 'dpr=1.5', 'quality=55']) expect(bounded(rest, lists), rest).toBe(true);
    expect(bounded('dpr=2', { widths: [100], mode: 'snap' })).toBe(false);
  });
});
