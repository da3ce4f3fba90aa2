/** The client module: URLs the worker parses back, signatures it verifies, srcsets and markup. */
import { describe, expect, it } from 'vitest';
import { imageUrl, optionSegment, picture, pictureHtml, signedImageUrl, srcsetOf } from '../../src/client/index.js';
import { parseImagePath } from '../../src/options/source.js';
import { readSigningKeys, verifySignature } from '../../src/options/signature.js';
import { readControls } from '../../src/options/govern.js';
import { parseOptions } from '../../src/options/parse.js';

const base = 'https://img.example.com/img';
const signer = { id: 'k1', secret: 'client-test-secret-0123456789abcdefghij' };

/** What the worker reads from a URL: its option segment and key. */
function parsed(url: string) {
  return parseImagePath(new URL(url).pathname.slice('/img/'.length), 'img.example.com');
}

describe('imageUrl', () => {
  it('writes preset first, skips undefined options, and keeps = and , readable', () => {
    expect(optionSegment({ width: 800, quality: undefined, format: 'auto', preset: 'card' })).toBe('preset=card,width=800,format=auto');
    expect(imageUrl(base + '/', 'photos/cat.jpg', { width: 800, format: 'auto' })).toBe('https://img.example.com/img/width=800,format=auto/photos/cat.jpg');
  });
  it('encodes what the worker decodes once: #, spaces, non-ASCII keys', () => {
    const url = imageUrl(base, 'a dir/chat é?.jpg', { background: '#ff0000', width: 10 });
    expect(url).toContain('background=%23ff0000');
    expect(parsed(url)).toEqual({ options: 'background=#ff0000,width=10', key: 'a dir/chat é?.jpg' });
  });
});

describe('tone, trim, compression and the other newer options', () => {
  const limits = { maxOutputDimension: 8192 };
  /** The options the worker reads from the URL the client writes. */
  const roundTrip = (options: Parameters<typeof optionSegment>[0]) => parseOptions(parsed(imageUrl(base, 'k.jpg', options)).options, limits);

  it('writes tone and compression as the worker reads them', () => {
    expect(optionSegment({ brightness: 1.2, contrast: 0.8, gamma: 2.2, saturation: 0, compression: 'fast' })).toBe('brightness=1.2,contrast=0.8,gamma=2.2,saturation=0,compression=fast');
    expect(roundTrip({ brightness: 1.2, contrast: 0.8, gamma: 2.2, saturation: 0, compression: 'fast' })).toMatchObject({ brightness: 1.2, contrast: 0.8, gamma: 2.2, saturation: 0, compression: 'fast' });
  });

  it('writes trim sides as trim.*, and a border as trim=border with its parts', () => {
    expect(optionSegment({ trim: { top: 1, left: 4, width: 10 } })).toBe('trim.top=1,trim.left=4,trim.width=10');
    expect(roundTrip({ trim: { top: 1, right: 2, bottom: 3, left: 4 } })).toMatchObject({ trim: { top: 1, right: 2, bottom: 3, left: 4 } });
    expect(optionSegment({ trim: 'border' })).toBe('trim=border');
    expect(optionSegment({ trim: { color: '#fff', tolerance: 200, keep: 2 } })).toBe('trim=border,trim.border.color=#fff,trim.border.tolerance=200,trim.border.keep=2');
    expect(roundTrip({ trim: { color: '#fff', tolerance: 200, keep: 2 } })).toMatchObject({ trimBorder: { colour: { r: 255, g: 255, b: 255, a: 255 }, tolerance: 200, keep: 2 } });
  });

  it('writes width=auto, aspect-crop, face with zoom and slow-connection-quality', () => {
    expect(optionSegment({ width: 'auto', slowConnectionQuality: 30 })).toBe('width=auto,slow-connection-quality=30');
    expect(roundTrip({ width: 'auto', fit: 'aspect-crop', height: 100, gravity: 'face', zoom: 0.5, slowConnectionQuality: 'low' })).toMatchObject({
      autoWidth: true, fit: 'aspect-crop', gravity: 'face', zoom: 0.5, slowConnectionQuality: 'low',
    });
  });
});

describe('signedImageUrl', () => {
  const keys = readSigningKeys(`${signer.id}:${signer.secret}`);
  it('signs what the worker verifies, with and without exp', async () => {
    for (const sign of [{}, { expires: new Date('2100-01-01T00:00:00Z') }]) {
      const url = await signedImageUrl(base, 'photos/a b.jpg', { width: 320, background: '#00ff00' }, signer, sign);
      const { options, key } = parsed(url);
      const controls = readControls(options);
      const exp = controls.exp === undefined ? undefined : Number(controls.exp);
      expect(await verifySignature(keys, options, key, { sig: controls.sig, exp }, 1_800_000_000)).toBe(true);
    }
  });
  it('puts exp= before sig= and writes exp in whole seconds', async () => {
    const url = await signedImageUrl(base, 'a.jpg', 'w=1', signer, { expires: 1234.9 });
    expect(url).toMatch(/\/w=1,exp=1234,sig=k1\.[A-Za-z0-9_-]{43}\/a\.jpg$/);
  });
});

describe('picture', () => {
  it('without an intrinsic size keeps every width and gives no heights', async () => {
    const spec = await picture({ base, key: 'a.jpg', widths: [640, 320, 640], formats: ['webp', 'jpeg'] });
    expect(spec.sources.map((s) => s.candidates.map((c) => c.width))).toEqual([[320, 640], [320, 640]]);
    expect(spec.sources[0]!.candidates[0]).toEqual({ url: `${base}/width=320,format=webp/a.jpg`, width: 320 });
    expect(srcsetOf(spec.sources[1]!.candidates)).toBe(`${base}/width=320,format=jpeg/a.jpg 320w, ${base}/width=640,format=jpeg/a.jpg 640w`);
    expect(pictureHtml(spec)).not.toMatch(/ width=/);
  });
  it('signs every candidate when given a signer', async () => {
    const spec = await picture({ base, key: 'a.jpg', widths: [100, 200], formats: ['webp'], signer, options: { quality: 70 } });
    for (const candidate of spec.sources[0]!.candidates) expect(candidate.url).toMatch(/quality=70,width=\d+,format=webp,sig=k1\./);
  });
  it('escapes attributes and refuses an empty picture', () => {
    const html = pictureHtml({ base, key: 'a.jpg', sizes: '100vw', alt: '"><script>', sources: [{ format: 'jpeg', type: 'image/jpeg', candidates: [{ url: 'u?a=1&b=2', width: 1, height: 1 }] }] });
    expect(html).toBe('<picture><img src="u?a=1&amp;b=2" srcset="u?a=1&amp;b=2 1w" sizes="100vw" width="1" height="1" alt="&quot;&gt;&lt;script&gt;" loading="lazy" decoding="async"></picture>');
    expect(() => pictureHtml({ base, key: 'a.jpg', sizes: '', alt: '', sources: [] })).toThrow(RangeError);
  });
});
