import { describe, expect, it } from 'vitest';
import { contentTypeOf, negotiateFormat, parseAccept } from '../../src/options/negotiate';
import type { OutputFormat, RequestedFormat } from '../../src/options/types';

const chrome = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const safari17 =
  'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const firefox = 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const curl = '*/*';

const budget = 1_500_000;
const limit = 2_600_000;

function negotiate(accept: string | null, options: { hasAlpha?: boolean; outputPixels?: number; requested?: RequestedFormat } = {}) {
  return negotiateFormat({
    requested: options.requested ?? 'auto',
    accept,
    hasAlpha: options.hasAlpha ?? false,
    outputPixels: options.outputPixels ?? 640 * 480,
    avifMaxPixels: budget,
    avifLimitPixels: limit,
  });
}

describe('parseAccept', () => {
  it('reads Chrome', () => {
    expect([...parseAccept(chrome)]).toStrictEqual([
      ['image/avif', 1],
      ['image/webp', 1],
      ['image/apng', 1],
      ['image/svg+xml', 1],
      ['image/*', 1],
      ['*/*', 0.8],
    ]);
  });

  it('reads Safari 17', () => {
    const ranges = parseAccept(safari17);
    expect(ranges.get('image/avif')).toBe(1);
    expect(ranges.get('video/*')).toBe(0.8);
    expect(ranges.get('*/*')).toBe(0.5);
    expect(ranges.size).toBe(10);
  });

  it.each<[string | null, Array<[string, number]>]>([
    [null, []],
    ['', []],
    [' , ,', []],
    ['IMAGE/AVIF', [['image/avif', 1]]],
    [' image/avif ; q=0.9 ,\timage/webp ', [['image/avif', 0.9], ['image/webp', 1]]],
    ['image/avif;Q=0', [['image/avif', 0]]],
    ['image/avif;foo=bar;q=0.5', [['image/avif', 0.5]]],
    ['text/html;level=1', [['text/html', 1]]],
    ['image/avif;q=1.000,image/webp;q=0.001', [['image/avif', 1], ['image/webp', 0.001]]],
    // malformed entries are skipped, not guessed at
    ['image/avif;q=abc,image/webp', [['image/webp', 1]]],
    ['image/avif;q=1.5', []],
    ['image/avif;q=0.0001', []],
    ['image/avif;q=-1', []],
    ['avif,image/avif/x,/webp', []],
    // the first listing of a range counts
    ['image/avif;q=0,image/avif', [['image/avif', 0]]],
  ])('%j', (header, entries) => {
    expect([...parseAccept(header)]).toStrictEqual(entries);
  });

  it('reads at most 64 entries', () => {
    const header = Array.from({ length: 100 }, (_, i) => `image/x-${i}`).join(',');
    const ranges = parseAccept(header);
    expect(ranges.size).toBe(64);
    expect(ranges.has('image/x-63')).toBe(true);
    expect(ranges.has('image/x-64')).toBe(false);
  });

  it('reads at most 4096 characters', () => {
    const padding = `text/html;x=${'a'.repeat(4070)}`;
    expect(parseAccept(`${padding},image/avif`).has('image/avif')).toBe(true);
    expect(parseAccept(`${padding}aaaaaaaaaaaaaaaaaaaa,image/avif`).has('image/avif')).toBe(false);
  });
});

describe('negotiateFormat: auto', () => {
  it.each<[string, string | null, boolean, OutputFormat]>([
    ['Chrome', chrome, false, 'avif'],
    ['Chrome, alpha', chrome, true, 'avif'],
    ['Safari 17', safari17, false, 'avif'],
    ['Firefox', firefox, false, 'avif'],
    ['curl', curl, false, 'jpeg'],
    ['curl, alpha', curl, true, 'png'],
    ['no Accept', null, false, 'jpeg'],
    ['no Accept, alpha', null, true, 'png'],
    ['empty Accept', '', false, 'jpeg'],
    ['image/* only', 'image/*', false, 'jpeg'],
    ['image/*, alpha', 'image/*,*/*;q=0.8', true, 'png'],
    ['AVIF refused', 'image/avif;q=0', false, 'jpeg'],
    ['AVIF refused, WebP taken', 'image/avif;q=0,image/webp', false, 'webp'],
    ['AVIF refused with q=0.000', 'image/avif;q=0.000,*/*', false, 'jpeg'],
    ['WebP only', 'image/webp,*/*;q=0.8', false, 'webp'],
    ['WebP low q still taken', 'image/webp;q=0.1', true, 'webp'],
    ['upper case', 'IMAGE/AVIF,IMAGE/WEBP', false, 'avif'],
    ['spaces and tabs', '  image/webp ;\tq=0.5 , */*', false, 'webp'],
    ['malformed q is not a yes', 'image/avif;q=yes,*/*', false, 'jpeg'],
    ['avif past 64 entries', `${Array.from({ length: 64 }, (_, i) => `x/y${i}`).join(',')},image/avif`, false, 'jpeg'],
  ])('%s → %s', (_name, accept, hasAlpha, format) => {
    expect(negotiate(accept, { hasAlpha })).toBe(format);
  });

  it.each<[string, string, OutputFormat]>([
    ['Chrome', chrome, 'webp'],
    ['Safari 17', safari17, 'webp'],
    ['Firefox', firefox, 'webp'],
    ['AVIF only', 'image/avif', 'jpeg'],
  ])('%s over the AVIF pixel budget → %s', (_name, accept, format) => {
    expect(negotiate(accept, { outputPixels: budget + 1 })).toBe(format);
  });

  it('takes AVIF at exactly the budget', () => {
    expect(negotiate(chrome, { outputPixels: budget })).toBe('avif');
  });

  it('never takes AVIF with a budget of 0', () => {
    expect(negotiateFormat({ requested: 'auto', accept: chrome, hasAlpha: false, outputPixels: 1, avifMaxPixels: 0, avifLimitPixels: limit })).toBe('webp');
  });
});

describe('negotiateFormat: explicit', () => {
  it.each<[RequestedFormat, string | null, OutputFormat]>([
    ['avif', curl, 'avif'],
    ['avif', null, 'avif'],
    ['webp', null, 'webp'],
    ['webp', 'image/webp;q=0', 'webp'],
    ['jpeg', chrome, 'jpeg'],
    ['baseline-jpeg', chrome, 'baseline-jpeg'],
    ['png', firefox, 'png'],
  ])('format=%s with Accept %j → %s', (requested, accept, format) => {
    expect(negotiate(accept, { requested })).toBe(format);
  });

  it('obeys format=avif over the auto budget, up to the AVIF limit', () => {
    expect(negotiate(chrome, { requested: 'avif', outputPixels: budget + 1 })).toBe('avif');
    expect(negotiate(curl, { requested: 'avif', outputPixels: limit })).toBe('avif');
  });

  it('serves format=avif over the AVIF limit as WebP, whatever Accept says (the encoder could not hold it)', () => {
    expect(negotiate(chrome, { requested: 'avif', outputPixels: limit + 1 })).toBe('webp');
    expect(negotiate(curl, { requested: 'avif', outputPixels: limit * 10 })).toBe('webp');
  });

  it('format=auto never picks AVIF over the AVIF limit, even with a larger auto budget', () => {
    expect(negotiateFormat({ requested: 'auto', accept: chrome, hasAlpha: false, outputPixels: limit + 1, avifMaxPixels: limit * 2, avifLimitPixels: limit })).toBe('webp');
  });

  it('refuses format=json, which is not an image', () => {
    expect(() => negotiate(chrome, { requested: 'json' })).toThrow(Error);
  });
});

describe('contentTypeOf', () => {
  it.each<[OutputFormat, string]>([
    ['avif', 'image/avif'],
    ['webp', 'image/webp'],
    ['jpeg', 'image/jpeg'],
    ['baseline-jpeg', 'image/jpeg'],
    ['png', 'image/png'],
  ])('%s → %s', (format, type) => {
    expect(contentTypeOf(format)).toBe(type);
  });
});
