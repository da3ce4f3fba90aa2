/** The framework loaders' grammars read into Cloudflare option segments: each framework's URL, the option it means. */
import { describe, expect, it } from 'vitest';
import { readAstroImage } from '../../../src/options/loaders/astro.js';
import { readIpxPath } from '../../../src/options/loaders/ipx.js';
import { NEXT_DEFAULT_SIZES, readNextImage } from '../../../src/options/loaders/next.js';
import { parseOptions } from '../../../src/options/parse.js';
import { astroImageUrl, nextDefaultLoader, nuxtIpxUrl } from '../../helpers/framework-urls.js';

const limits = { maxOutputDimension: 8192 };

function next(url: string, qualities?: number[]) {
  return readNextImage(new URL(url, 'http://x').searchParams, { sizes: NEXT_DEFAULT_SIZES, qualities });
}

function detailOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('Next.js /_next/image', () => {
  it('reads what the default loader writes', () => {
    const url = nextDefaultLoader('/_next/image', { src: '/photos/a cat.jpg', width: 640 });
    expect(next(url)).toEqual({ segment: 'width=640,quality=75,format=auto', source: 'photos/a%20cat.jpg' });
    expect(next(nextDefaultLoader('/_next/image', { src: '/p.jpg', width: 3840, quality: 90 }) + '&dpl=dpl_abc').segment).toBe('width=3840,quality=90,format=auto');
  });

  it.each([
    ['/_next/image?w=640&q=75', '"url" parameter is required'],
    ['/_next/image?url=/a.jpg&url=/b.jpg&w=640&q=75', '"url" parameter cannot be an array'],
    ['/_next/image?url=//evil.test/a.jpg&w=640&q=75', '"url" parameter cannot be a protocol-relative URL (//)'],
    ['/_next/image?url=ftp://x/a.jpg&w=640&q=75', '"url" parameter is invalid'],
    ['/_next/image?url=a.jpg&w=640&q=75', '"url" parameter is invalid'],
    ['/_next/image?url=%2F_next%2Fimage%3Furl%3D%2Fa.jpg&w=640&q=75', '"url" parameter cannot be recursive'],
    ['/_next/image?url=/a.jpg&q=75', '"w" parameter (width) is required'],
    ['/_next/image?url=/a.jpg&w=640&w=750&q=75', '"w" parameter (width) cannot be an array'],
    ['/_next/image?url=/a.jpg&w=0x10&q=75', '"w" parameter (width) must be an integer greater than 0'],
    ['/_next/image?url=/a.jpg&w=0&q=75', '"w" parameter (width) must be an integer greater than 0'],
    ['/_next/image?url=/a.jpg&w=644&q=75', '"w" parameter (width) of 644 is not allowed'],
    ['/_next/image?url=/a.jpg&w=640', '"q" parameter (quality) is required'],
    ['/_next/image?url=/a.jpg&w=640&q=high', '"q" parameter (quality) must be an integer between 1 and 100'],
    ['/_next/image?url=/a.jpg&w=640&q=101', '"q" parameter (quality) must be an integer between 1 and 100'],
    ['/_next/image?url=/a.jpg&w=640&q=0', '"q" parameter (quality) must be an integer between 1 and 100'],
  ])('%s → %s (Next\'s own message)', (url, message) => {
    expect(detailOf(() => next(url))).toBe(message);
  });

  it('takes only configured qualities when there is a list', () => {
    expect(detailOf(() => next('/_next/image?url=/a.jpg&w=640&q=80', [75]))).toBe('"q" parameter (quality) of 80 is not allowed');
    expect(next('/_next/image?url=/a.jpg&w=640&q=75', [75]).segment).toBe('width=640,quality=75,format=auto');
  });

  it('passes an absolute URL on to the image route, which maps its own host and refuses others', () => {
    expect(next('/_next/image?url=https%3A%2F%2Fimages.test%2Fa%2Fb.jpg&w=640&q=75').source).toBe('https://images.test/a/b.jpg');
  });
});

describe('Nuxt Image ipx /_ipx/<modifiers>/<src>', () => {
  const read = (url: string) => readIpxPath(url.slice('/_ipx/'.length));

  it.each([
    [{ width: 640 }, 'width=640,format=auto'],
    [{ width: 640, format: 'webp', quality: 80 }, 'width=640,quality=80,format=webp'],
    [{ width: 640, height: 480 }, 'width=640,height=480,fit=crop,format=auto'],
    [{ width: 640, height: 480, fit: 'contain', background: 'ffffff' }, 'width=640,height=480,fit=pad,format=auto,background=%23ffffff'],
    [{ width: 640, height: 480, fit: 'inside' }, 'width=640,height=480,fit=scale-down,format=auto'],
    [{ width: 400, height: 400, fit: 'cover', position: 'top' }, 'width=400,height=400,fit=crop,gravity=top,format=auto'],
    [{ format: 'jpg' }, 'format=jpeg'],
    [{}, 'format=auto'],
  ])('%o → %s', (modifiers, segment) => {
    const url = nuxtIpxUrl('/photos/cat.jpg', modifiers);
    const request = read(url);
    expect(request).toEqual({ segment, source: 'photos/cat.jpg' });
    expect(() => parseOptions(request.segment.replace('%23', '#'), limits)).not.toThrow();
  });

  it('reads ipx spellings Nuxt does not write: & and : separators, enlarge, flip/flop', () => {
    expect(readIpxPath('w:640&enlarge/a.jpg').segment).toBe('width=640,fit=contain,format=auto');
    expect(readIpxPath('s_100x100,enlarge/a.jpg').segment).toBe('width=100,height=100,fit=cover,format=auto');
    expect(readIpxPath('flip,flop/a.jpg').segment).toBe('format=auto,flip=hv');
  });

  it.each([
    ['w_640', 'expected /_ipx/<modifiers>/<src>'],
    ['w_640/', 'expected /_ipx/<modifiers>/<src>'],
    ['grayscale/a.jpg', 'ipx modifier "grayscale" is not supported here'],
    ['fit_fill,s_10x10/a.jpg', 'ipx fit "fill" is not supported here'],
    ['f_tiff/a.jpg', 'ipx format "tiff" is not supported here'],
    ['s_10/a.jpg', 'ipx resize must be <width>x<height>'],
    ['w_abc/a.jpg', 'ipx modifier width must be a positive integer'],
    ['pos_entropy/a.jpg', 'ipx position "entropy" is not supported here'],
  ])('%s → 400 %s', (rest, message) => {
    expect(detailOf(() => readIpxPath(rest))).toContain(message);
  });
});

describe('Astro /_image', () => {
  const read = (url: string) => readAstroImage(new URL(url, 'http://x').searchParams);

  it.each([
    [{ width: 800, height: 600, format: 'webp' }, 'width=800,height=600,fit=crop,format=webp'],
    [{ width: 800, format: 'avif', quality: 'mid' }, 'width=800,quality=50,format=avif'],
    [{ width: 800, height: 600, format: 'jpg', quality: 70, fit: 'contain', position: 'top' }, 'width=800,height=600,fit=scale-down,gravity=top,quality=70,format=jpeg'],
    [{ width: 800 }, 'width=800,format=auto'],
  ])('%o → %s', (options, segment) => {
    const request = read(astroImageUrl('/_astro/cat.Bx12.jpg', options));
    expect(request).toEqual({ segment, source: '_astro/cat.Bx12.jpg' });
    expect(() => parseOptions(request.segment, limits)).not.toThrow();
  });

  it.each([
    ['/_image?w=100', 'href is missing'],
    ['/_image?href=/a.jpg&w=x', 'Astro parameter w must be a positive integer'],
    ['/_image?href=/a.jpg&f=svg', 'Astro format "svg" is not supported here'],
    ['/_image?href=/a.jpg&q=ultra', 'Astro quality must be'],
    ['/_image?href=/a.jpg&w=10&h=10&fit=fill', 'Astro fit "fill" is not supported here'],
  ])('%s → 400 %s', (url, message) => {
    expect(detailOf(() => read(url))).toContain(message);
  });
});
