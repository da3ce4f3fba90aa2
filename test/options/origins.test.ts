/** ORIGINS and the URL rules that keep pull-through from being an open proxy. Pure. */
import { describe, expect, it } from 'vitest';
import { isUnderOrigin, keyOfOriginUrl, originOfKey, originUrl, parseOrigins } from '../../src/options/origins.js';
import { parseImagePath } from '../../src/options/source.js';

const origins = parseOrigins('site=https://www.example.com/images/ , cdn=https://cdn.example.org:8443/');
const site = origins[0]!;

describe('parseOrigins', () => {
  it('reads name=URL entries, adding the trailing slash of a prefix', () => {
    expect(origins.map((o) => [o.name, o.base.href])).toEqual([
      ['site', 'https://www.example.com/images/'],
      ['cdn', 'https://cdn.example.org:8443/'],
    ]);
    expect(parseOrigins('a=https://x.test/p')[0]!.base.pathname).toBe('/p/');
    expect(parseOrigins('')).toEqual([]);
  });

  it.each([
    ['no name', '=https://x.test/'],
    ['bad name', 'Site!=https://x.test/'],
    ['userinfo', 'a=https://user:pw@x.test/'],
    ['@ trick', 'a=https://x.test@evil.test/'],
    ['query', 'a=https://x.test/?q=1'],
    ['fragment', 'a=https://x.test/#f'],
    ['scheme', 'a=ftp://x.test/'],
    ['file', 'a=file:///etc/'],
    ['not a URL', 'a=nothing'],
    ['duplicate', 'a=https://x.test/ a=https://y.test/'],
  ])('refuses %s', (_, raw) => {
    expect(() => parseOrigins(raw)).toThrow(/ORIGINS/);
  });
});

describe('URLs under an origin', () => {
  it('maps a key to its URL, segment by segment encoded', () => {
    expect(originOfKey(origins, 'site/a b/c.jpg')).toBe(site);
    expect(originOfKey(origins, 'other/c.jpg')).toBeNull();
    expect(originOfKey(origins, 'site')).toBeNull();
    expect(originUrl(site, 'site/a b/c?.jpg').href).toBe('https://www.example.com/images/a%20b/c%3F.jpg');
  });

  it.each([
    ['https://www.example.com/images/a.jpg', true],
    ['https://www.example.com/images/deep/a.jpg', true],
    ['https://www.example.com/other/a.jpg', false],
    ['https://www.example.com/images/../secret', false],
    ['http://www.example.com/images/a.jpg', false],
    ['https://www.example.com:444/images/a.jpg', false],
    ['https://www.example.com.evil.test/images/a.jpg', false],
    ['https://www.example.com@evil.test/images/a.jpg', false],
    ['https://evil.test@www.example.com/images/a.jpg', false],
    ['https://WWW.EXAMPLE.COM/images/a.jpg', true],
    ['https://10.0.0.1/images/a.jpg', false],
    ['https://[::1]/images/a.jpg', false],
  ])('%s → %s', (href, allowed) => {
    expect(isUnderOrigin(site, new URL(href))).toBe(allowed);
  });

  it('gives the key of a full source URL, and nothing for other hosts, queries or the bare prefix', () => {
    expect(keyOfOriginUrl(origins, new URL('https://www.example.com/images/a%20b.jpg'))).toBe('site/a b.jpg');
    expect(keyOfOriginUrl(origins, new URL('https://cdn.example.org:8443/x/y.png'))).toBe('cdn/x/y.png');
    expect(keyOfOriginUrl(origins, new URL('https://cdn.example.org/x/y.png'))).toBeNull();
    expect(keyOfOriginUrl(origins, new URL('https://www.example.com/images/a.jpg?v=2'))).toBeNull();
    expect(keyOfOriginUrl(origins, new URL('https://www.example.com/images/'))).toBeNull();
  });
});

describe('parseImagePath with origins', () => {
  it('maps the Cloudflare absolute-URL form on an allowed origin to its key', () => {
    expect(parseImagePath('w=640/https://www.example.com/images/a.jpg', 'img.test', origins)).toEqual({ options: 'w=640', key: 'site/a.jpg' });
    expect(parseImagePath('w=640/https:/www.example.com/images/a.jpg', 'img.test', origins).key).toBe('site/a.jpg');
    expect(parseImagePath('w=640/https%3A%2F%2Fwww.example.com%2Fimages%2Fa.jpg', 'img.test', origins).key).toBe('site/a.jpg');
  });

  it.each([
    'w=640/https://www.example.com@evil.test/images/a.jpg',
    'w=640/https://evil.test/images/a.jpg',
    'w=640/http://www.example.com/images/a.jpg',
    'w=640/https://www.example.com/private/a.jpg',
  ])('refuses %s with 400', (rest) => {
    expect(() => parseImagePath(rest, 'img.test', origins)).toThrow(expect.objectContaining({ status: 400 }));
  });
});
