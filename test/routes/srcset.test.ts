/** /srcset/<key>: the JSON and the <picture> it promises, each URL fetched and decoded; the client module agrees. */
import { beforeAll, describe, expect, it } from 'vitest';
import storm from '../../samples/photos/storm.jpg?bytes';
import { picture, pictureHtml } from '../../src/client/index.js';
import { getWith } from '../helpers/governance.js';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes, ORIGIN, putMaster } from '../helpers/worker.js';
import { expectProblem } from './masters-client.js';

// 1920 × 1280: a width of 2400 is served at 1920 (scale-down never enlarges), so the promise is 160, 320, 1920.
const KEY = 'srcset/storm.jpg';
const query = `widths=2400,160,320&sizes=${encodeURIComponent('(max-width: 600px) 100vw, 600px')}`;

interface SrcsetJson {
  key: string;
  intrinsic: { width: number; height: number };
  aspectRatio: number;
  sizes: string;
  widths: number[];
  sources: Array<{ format: string; type: string; srcset: string; candidates: Array<{ url: string; width: number; height: number }> }>;
  img: { src: string; srcset: string; sizes: string; width: number; height: number; alt: string };
}

const magicOfType: Record<string, string> = { 'image/avif': 'avif', 'image/webp': 'webp', 'image/jpeg': 'jpeg', 'image/png': 'png' };

/** `url 160w, url 320w` → [[url, 160], …] */
function parseSrcset(srcset: string): Array<[string, number]> {
  return srcset.split(', ').map((candidate) => {
    const [url, descriptor] = candidate.split(' ');
    expect(descriptor).toMatch(/^\d+w$/);
    return [url!, Number(descriptor!.slice(0, -1))];
  });
}

/** HTMLRewriter gives attribute values as written: the four entities pictureHtml writes, decoded. */
function unescape(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Every element of an HTML fragment with its attributes, read by workerd's own HTML parser. */
async function elementsOf(html: string): Promise<Array<{ tag: string; attributes: Record<string, string> }>> {
  const found: Array<{ tag: string; attributes: Record<string, string> }> = [];
  const rewriter = new HTMLRewriter().on('*', {
    element(element) {
      found.push({ tag: element.tagName, attributes: Object.fromEntries([...element.attributes].map((pair) => [pair[0]!, unescape(pair[1]!)])) });
    },
  });
  await rewriter.transform(new Response(html)).text();
  return found;
}

let json: SrcsetJson;

beforeAll(async () => {
  await putMaster(KEY, storm);
  const response = await getWith({}, `/srcset/${KEY}?${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
  json = (await response.json()) as SrcsetJson;
});

describe('GET /srcset/<key> (JSON)', () => {
  it('promises the widths asked for, capped at the intrinsic width, in every default format', () => {
    expect(json.intrinsic).toEqual({ width: 1920, height: 1280 });
    expect(json.aspectRatio).toBe(1.5);
    expect(json.widths).toEqual([160, 320, 1920]);
    expect(json.sources.map((s) => [s.format, s.type])).toEqual([
      ['avif', 'image/avif'],
      ['webp', 'image/webp'],
      ['jpeg', 'image/jpeg'],
    ]);
    for (const source of json.sources) {
      expect(source.candidates.map((c) => [c.width, c.height])).toEqual([[160, 107], [320, 213], [1920, 1280]]);
      expect(parseSrcset(source.srcset)).toEqual(source.candidates.map((c) => [c.url, c.width]));
    }
    expect(json.img).toMatchObject({ width: 1920, height: 1280, sizes: '(max-width: 600px) 100vw, 600px' });
    expect(json.img.src).toBe(json.sources[2]!.candidates[2]!.url);
    // The width past the master's is named by the width it is served at, so both share one variant.
    expect(json.img.src).toBe(`${ORIGIN}/img/width=1920,format=jpeg/${KEY}`);
  });

  it('each URL is served: 200, the promised format by its magic bytes, the promised size decoded', async () => {
    for (const source of json.sources) {
      for (const candidate of source.candidates) {
        expect(candidate.url.startsWith(`${ORIGIN}/img/`)).toBe(true);
        const response = await getWith({}, candidate.url);
        expect(response.status, candidate.url).toBe(200);
        expect(response.headers.get('Content-Type')).toBe(source.type);
        const bytes = await bodyBytes(response);
        expect(magicOf(bytes)).toBe(magicOfType[source.type]);
        const image = await decodeAny(bytes);
        expect([image.width, image.height], candidate.url).toEqual([candidate.width, candidate.height]);
      }
    }
  });

  it('with Accept: text/html answers a <picture> with the same candidates and width/height on <img>', async () => {
    const response = await getWith({}, `/srcset/${KEY}?${query}&alt=${encodeURIComponent('A "storm" <over> sea & sky')}`, { Accept: 'text/html' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(response.headers.get('Vary')).toBe('Accept');
    const elements = await elementsOf(await response.text());
    expect(elements.map((e) => e.tag)).toEqual(['picture', 'source', 'source', 'img']);
    const [, avif, webp, img] = elements;
    expect(avif!.attributes).toEqual({ type: 'image/avif', srcset: json.sources[0]!.srcset, sizes: json.sizes });
    expect(webp!.attributes).toEqual({ type: 'image/webp', srcset: json.sources[1]!.srcset, sizes: json.sizes });
    expect(img!.attributes).toMatchObject({ src: json.img.src, srcset: json.img.srcset, sizes: json.sizes, width: '1920', height: '1280', alt: 'A "storm" <over> sea & sky' });
    for (const [, width] of parseSrcset(img!.attributes.srcset!)) expect(json.widths).toContain(width);
  });

  it('the client module builds the same candidates and markup from the intrinsic size', async () => {
    const spec = await picture({ base: `${ORIGIN}/img`, key: KEY, widths: [2400, 160, 320], sizes: json.sizes, intrinsic: json.intrinsic });
    expect(spec.sources.map((s) => s.candidates)).toEqual(json.sources.map((s) => s.candidates));
    const server = await getWith({}, `/srcset/${KEY}?${query}`, { Accept: 'text/html' });
    expect(pictureHtml(spec)).toBe(await server.text());
  });

  it('leaves out of the AVIF source the widths AVIF_LIMIT_PIXELS would serve as WebP', async () => {
    const response = await getWith({ AVIF_LIMIT_PIXELS: '100000' }, `/srcset/${KEY}?${query}`);
    const body = (await response.json()) as SrcsetJson;
    expect(body.sources.map((s) => s.candidates.map((c) => c.width))).toEqual([[160, 320], [160, 320, 1920], [160, 320, 1920]]);
    expect(body.widths).toEqual([160, 320, 1920]);
  });

  it('snaps requested widths to ALLOWED_WIDTHS, so no URL it gives is itself snapped', async () => {
    const vars = { ALLOWED_WIDTHS: '200,400' };
    const response = await getWith(vars, `/srcset/${KEY}?widths=150,300,600&formats=webp`);
    const body = (await response.json()) as SrcsetJson;
    expect(body.widths).toEqual([200, 400]);
    for (const candidate of body.sources[0]!.candidates) {
      const image = await getWith(vars, candidate.url);
      expect(image.status).toBe(200);
      expect(image.headers.get('X-Snapped')).toBeNull();
      await image.arrayBuffer();
    }
  });

  it('with SIGNED_URLS=required offers only presets that may go unsigned (it is no signing oracle)', async () => {
    const vars = { SIGNED_URLS: 'required', SIGNING_KEYS: 'k1:' + 'x'.repeat(40), ALLOWED_WIDTHS: '320,640' };
    await expectProblem(await getWith(vars, `/srcset/${KEY}?widths=320`), 403, 'signature-required');
    // Unsigned width overrides must be bounded by an allowlist.
    await expectProblem(await getWith({ ...vars, ALLOWED_WIDTHS: '' }, `/srcset/${KEY}?widths=320&preset=hero`), 403, 'signature-required', /ALLOWED_WIDTHS/);
    const response = await getWith(vars, `/srcset/${KEY}?widths=320,640&formats=webp&preset=hero`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as SrcsetJson;
    for (const candidate of body.sources[0]!.candidates) {
      expect(candidate.url).toContain('preset=hero');
      const image = await getWith(vars, candidate.url);
      expect(image.status).toBe(200);
      expect((await decodeAny(await bodyBytes(image))).width).toBe(candidate.width);
    }
    // thumb fixes its width: it cannot make candidates.
    await expectProblem(await getWith(vars, `/srcset/${KEY}?widths=320&preset=thumb`), 400, 'invalid-option', /width is fixed by preset "thumb"/);
  });

  it.each([
    [`widths=${Array.from({ length: 17 }, (_, i) => i + 1).join(',')}`, /over the limit of 16/],
    ['widths=0', /widths/],
    ['widths=1e3', /widths/],
    ['widths=99999', /widths/],
    ['formats=gif', /formats/],
    ['formats=webp,webp', /twice/],
    [`sizes=${'1'.repeat(513)}`, /sizes/],
    ['options=width=5', /may not set width/],
    ['options=q=80,f=png', /may not set format/],
    ['options=quality=101', /quality/],
    ['preset=nope', /unknown preset/],
  ])('refuses %s with 400', async (q, detail) => {
    await expectProblem(await getWith({}, `/srcset/${KEY}?${q}`), 400, undefined, detail);
  });

  it('answers 404 for a master that does not exist', async () => {
    await expectProblem(await getWith({}, '/srcset/srcset/none.jpg'), 404, 'no-master');
  });
});

describe('widths=auto', () => {
  it('offers the four widths width=auto serves, each the same variant a width=auto request gets', async () => {
    const response = await getWith({}, `/srcset/${KEY}?widths=auto&formats=jpeg`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as SrcsetJson;
    expect(body.widths).toEqual([320, 768, 960, 1200]);
    const candidate = body.sources[0]!.candidates.find((c) => c.width === 768)!;
    const viaSrcset = await getWith({}, new URL(candidate.url).pathname);
    const viaAuto = await getWith({}, `/cdn-cgi/image/width=auto,format=jpeg/${KEY}`, { 'Sec-CH-Width': '700' });
    expect(viaSrcset.headers.get('ETag')).toBe(viaAuto.headers.get('ETag'));
  });

  it('mixes with explicit widths', async () => {
    const body = (await (await getWith({}, `/srcset/${KEY}?widths=auto,1920&formats=jpeg`)).json()) as SrcsetJson;
    expect(body.widths).toEqual([320, 768, 960, 1200, 1920]);
  });
});
