import { describe, expect, it } from 'vitest';
import { canonicalOptions, metaCacheUrl, variantCacheUrl, variantETag } from '../../src/options/cache-key';
import { parseOptions } from '../../src/options/parse';
import type { OutputFormat } from '../../src/options/types';

function canonical(segment: string): string {
  return canonicalOptions(parseOptions(segment, { maxOutputDimension: 8192 }));
}

const origin = 'https://img.example.com';

describe('canonicalOptions', () => {
  it.each([
    ['w=400,dpr=2,f=auto,q=80', 'quality=80,width=800'],
    ['format=webp,width=800', 'width=800'],
    ['saturation=0.50,brightness=2,gamma=0.5,contrast=1,w=9', 'brightness=2,gamma=0.5,saturation=0.5,width=9'],
    ['saturation=0,brightness=0', 'saturation=0'],
    ['trim.top=1,trim.left=4,trim.bottom=3,trim.right=2,trim.width=10,dpr=2', 'trim=2;4;6;8,trim.width=20'],
    ['trim=0;0;0;0,w=5', 'width=5'],
    ['trim.height=9', 'trim.height=9'],
    ['width=400,height=300,dpr=1.5', 'height=450,width=600'],
    ['dpr=2', ''],
    ['f=auto', ''],
    ['fit=scale-down,gravity=center,metadata=none,anim=true,rotate=0,dpr=1,format=auto', ''],
    ['gravity=auto', 'gravity=auto'],
    ['g=face,zoom=0.50', 'gravity=face,zoom=0.5'],
    ['trim=border', 'trim=border'],
    ['trim=border,trim.border.keep=3,dpr=2,trim.border.tolerance=10,trim.border.color=red', 'trim=border,trim.border.color=#ff0000ff,trim.border.keep=6,trim.border.tolerance=10'],
    ['scq=20,q=80,w=5', 'quality=80,width=5'],
    ['fit=aspect-crop,w=5,h=5', 'fit=aspect-crop,height=5,width=5'],
    ['sharpen=0', ''],
    ['background=rgba(255,0,0,0.5)', 'background=#ff000080'],
    ['background=#ABC', 'background=#aabbccff'],
    ['g=0.50x0.30', 'gravity=0.5x0.3'],
    ['blur=2.50', 'blur=2.5'],
    ['q=high', 'quality=high'],
    [
      'w=400,h=300,dpr=1.5,fit=pad,g=0.25x0.75,q=high,f=webp,background=rgba(255,0,0,0.5),rotate=90,flip=hv,blur=2.5,sharpen=1.25,metadata=keep,anim=false,onerror=redirect',
      'anim=false,background=#ff000080,blur=2.5,fit=pad,flip=hv,gravity=0.25x0.75,height=450,metadata=keep,quality=high,rotate=90,sharpen=1.25,width=600',
    ],
  ])('%s → %j', (segment, expected) => {
    expect(canonical(segment)).toBe(expected);
  });

  it.each([
    ['w=800,f=auto', 'format=auto,width=800'],
    ['q=80', 'quality=80'],
    ['w=400,dpr=2', 'width=800'],
    ['w=333,dpr=1.5', 'width=500'],
    ['width=400,height=300,dpr=2', 'h=600,w=800'],
    ['h=100,w=200,fit=cover,g=left', 'gravity=left,fit=cover,width=200,height=100'],
    ['w=10,fit=scale-down,gravity=center,metadata=none,anim=true,rotate=0,dpr=1', 'w=10'],
    ['g=face,zoom=0,w=3', 'g=face,w=3'],
    ['trim=border,trim.border.tolerance=240', 'trim=border'],
    ['trim=border,trim.border.keep=2,dpr=1.5', 'trim=border,trim.border.keep=3'],
    ['scq=10,w=3', 'w=3'],
    ['background=#FFF', 'background=rgb(255,255,255)'],
    ['background=%23ffffffff', 'background=rgba(255,255,255,1)'],
    ['background=#00000000', 'background=rgba(0,0,0,0)'],
    ['g=0.50x0.3', 'gravity=0.5x0.30'],
    ['w=007', 'w=7'],
    ['f=avif,w=1', 'f=webp,w=1'],
    ['sharpen=0,w=5', 'w=5'],
    ['dpr=3', 'anim=true'],
    ['onerror=redirect,w=3', 'w=3'],
    ['brightness=0,contrast=0,gamma=0,w=3', 'w=3'],
    ['brightness=1,contrast=1,gamma=1,saturation=1,w=3', 'w=3'],
    ['brightness=1.50', 'brightness=1.5'],
    ['trim=2;0;0;0', 'trim.top=2'],
    ['trim=5;0;0;0,dpr=2', 'trim=10;0;0;0'],
  ])('%s ≡ %s', (a, b) => {
    expect(canonical(a)).toBe(canonical(b));
  });

  it.each([
    ['anim=false', 'anim=true'],
    ['w=800', 'h=800'],
    ['w=800', 'w=801'],
    ['w=400,dpr=2', 'w=400'],
    ['fit=cover,w=1,h=1', 'fit=crop,w=1,h=1'],
    ['fit=contain,w=1', 'w=1'],
    ['fit=squeeze,w=10,h=20', 'fit=contain,w=10,h=20'],
    ['fit=cover,w=1,h=1,g=left', 'fit=cover,w=1,h=1,g=right'],
    ['g=center', 'g=auto'],
    ['g=auto', 'g=face'],
    ['g=face', 'g=face,zoom=0.1'],
    ['trim=border', 'trim=border,trim.border.keep=1'],
    ['trim=border', 'trim=border,trim.border.color=white'],
    ['trim=border', 'trim=border,trim.border.tolerance=255'],
    ['trim=border,w=5', 'w=5'],
    ['fit=aspect-crop,w=1,h=1', 'fit=crop,w=1,h=1'],
    ['gravity=0.5x0.5', 'gravity=center'],
    ['gravity=0.5x0.3', 'gravity=0.3x0.5'],
    ['q=80', 'q=high'],
    ['q=80', 'q=81'],
    ['background=#fff', 'background=#fffe'],
    ['rotate=90', 'rotate=270'],
    ['flip=h', 'flip=v'],
    ['metadata=keep', 'metadata=copyright'],
    ['sharpen=1', 'sharpen=2'],
    ['blur=1', 'blur=2'],
    ['brightness=2', 'contrast=2'],
    ['gamma=2', 'saturation=2'],
    ['saturation=0', 'saturation=1'],
    ['brightness=1.5', 'brightness=1.25'],
    ['trim=1;0;0;0', 'trim=0;1;0;0'],
    ['compression=fast,w=5', 'w=5'],
    ['trim.width=5', 'trim.height=5'],
  ])('%s ≢ %s', (a, b) => {
    expect(canonical(a)).not.toBe(canonical(b));
  });

  it.each(['w=400,dpr=2,q=80', 'background=#abc,g=0.1x0.9,fit=cover,h=5', 'rotate=180,flip=hv,blur=3,metadata=keep', 'brightness=0.5,contrast=2,gamma=2.2,saturation=0', 'trim=1;2;3;4,trim.width=9,dpr=1.5'])(
    'reads back as itself: %s',
    (segment) => {
      const once = canonical(segment);
      expect(canonical(once)).toBe(once);
    },
  );
});

describe('variantETag', () => {
  // Expected digests from sha256sum: printf '"abc"\nwidth=800\navif\n2' and printf '"abc"\n\njpeg'.
  it('is a strong quoted ETag: the renderer version and sha256(master ETag, options, format, revision)', async () => {
    expect(await variantETag('"abc"', 'width=800', 'avif')).toBe('"v2-8399bf37dff8449240c1942fe0074ef7"');
    expect(await variantETag('"abc"', '', 'jpeg')).toBe('"v2-7ea04ddc379d5d51ab451035674a6f71"');
  });

  it('is stable across calls', async () => {
    const first = await variantETag('"m1"', 'quality=80,width=800', 'webp');
    expect(await variantETag('"m1"', 'quality=80,width=800', 'webp')).toBe(first);
    expect(first).toMatch(/^"v2-[0-9a-f]{32}"$/);
  });

  it('changes with each part', async () => {
    const tags = await Promise.all([
      variantETag('"m1"', 'width=800', 'webp'),
      variantETag('"m2"', 'width=800', 'webp'),
      variantETag('"m1"', 'width=801', 'webp'),
      variantETag('"m1"', 'width=800', 'avif'),
      variantETag('"m1"', 'width=800', 'jpeg'),
      variantETag('"m1"', 'width=800', 'baseline-jpeg'),
    ]);
    expect(new Set(tags).size).toBe(tags.length);
  });
});

describe('variantCacheUrl and metaCacheUrl', () => {
  it('names every part, each encoded', () => {
    expect(variantCacheUrl(origin, 'photos/cat 1.jpg', '"abc"', 'quality=80,width=800', 'avif')).toBe(
      'https://img.example.com/__variants/photos/cat%201.jpg?etag=%22abc%22&format=avif&options=quality%3D80%2Cwidth%3D800',
    );
    expect(metaCacheUrl(origin, 'photos/cat 1.jpg')).toBe('https://img.example.com/__meta/photos/cat%201.jpg');
  });

  it('ignores a trailing slash on the origin', () => {
    expect(variantCacheUrl(`${origin}/`, 'a.jpg', '"e"', '', 'png')).toBe(variantCacheUrl(origin, 'a.jpg', '"e"', '', 'png'));
    expect(metaCacheUrl(`${origin}/`, 'a.jpg')).toBe(metaCacheUrl(origin, 'a.jpg'));
  });

  const variants: Array<[string, string, string, OutputFormat]> = [
    ['a.jpg', '"e"', 'width=800', 'avif'],
    ['a.jpg', '"e"', 'width=800', 'webp'],
    ['a.jpg', '"e"', 'width=80', 'avif'],
    ['a.jpg', '"f"', 'width=800', 'avif'],
    ['a.jpg', '"e"', '', 'avif'],
    ['a.jpg', '', '', 'avif'],
    ['b.jpg', '"e"', 'width=800', 'avif'],
    ['x/a.jpg', '"e"', 'width=800', 'avif'],
    ['x%2Fa.jpg', '"e"', 'width=800', 'avif'],
    ['x/a.jpg?etag=1', '"e"', 'width=800', 'avif'],
    ['a.jpg', '"e"&format=webp', 'width=800', 'avif'],
    ['a.jpg', '"e"', 'width=800&format=webp', 'avif'],
    ['b', '"e"', '', 'png'],
    ['a/../b', '"e"', '', 'png'],
    ['a/./b', '"e"', '', 'png'],
    ['a/b', '"e"', '', 'png'],
    ['a/%2E%2E/b', '"e"', '', 'png'],
    ['a/~../b', '"e"', '', 'png'],
    ['a/~/b', '"e"', '', 'png'],
    ['a//b', '"e"', '', 'png'],
    ['a#b', '"e"', '', 'png'],
    ['', '"e"', '', 'png'],
    ['/', '"e"', '', 'png'],
    ['ünïcødé/猫.jpg', '"e"', '', 'png'],
  ];

  it('gives distinct URLs for distinct inputs, which URL parsing leaves as they are', () => {
    const urls = variants.map(([key, etag, options, format]) => variantCacheUrl(origin, key, etag, options, format));
    expect(new Set(urls).size).toBe(variants.length);
    for (const url of urls) {
      expect(url.startsWith(`${origin}/__variants/`)).toBe(true);
      expect(new URL(url).href).toBe(url);
      expect(new Request(url).url).toBe(url);
    }
  });

  it('gives distinct metadata URLs for distinct keys, apart from the variants', () => {
    const keys = [...new Set(variants.map(([key]) => key))];
    const urls = keys.map((key) => metaCacheUrl(origin, key));
    expect(new Set(urls).size).toBe(keys.length);
    for (const url of urls) {
      expect(url.startsWith(`${origin}/__meta/`)).toBe(true);
      expect(new URL(url).href).toBe(url);
    }
  });

  it('keeps dot segments from collapsing', () => {
    expect(metaCacheUrl(origin, 'a/../b')).toBe('https://img.example.com/__meta/a/~../b');
    expect(metaCacheUrl(origin, 'a/~../b')).toBe('https://img.example.com/__meta/a/%7E../b');
  });
});
