/** The playground at /: browsing R2 without JavaScript, the editor's URLs (each one the image route serves), the favicon. */
import { beforeAll, describe, expect, it } from 'vitest';
import storm from '../../samples/photos/storm.jpg?bytes';
import pixel from '../fixtures/pixel-1x1.png?bytes';
import { PAGE_SIZE } from '../../src/routes/playground.js';
import { accept, get, putMaster } from '../helpers/worker.js';

const browser = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8' };

/** Every element of a page with its attributes, and its text, read by workerd's own HTML parser. */
async function parse(html: string) {
  const elements: Array<{ tag: string; attributes: Record<string, string> }> = [];
  const rewriter = new HTMLRewriter().on('*', {
    element(element) {
      elements.push({ tag: element.tagName, attributes: Object.fromEntries([...element.attributes].map((pair) => [pair[0]!, pair[1]!.replace(/&amp;/g, '&')])) });
    },
  });
  await rewriter.transform(new Response(html)).text();
  return elements;
}

async function page(path: string) {
  const response = await get(path, browser);
  expect(response.status).toBe(200);
  expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
  expect(response.headers.get('Cache-Control')).toBe('no-store');
  const html = await response.text();
  return { html, elements: await parse(html) };
}

const links = (elements: Awaited<ReturnType<typeof parse>>) => elements.filter((e) => e.tag === 'a').map((e) => e.attributes.href!);

beforeAll(async () => {
  await putMaster('play/storm.jpg', storm);
  await putMaster('play/deep/one.png', pixel);
  for (let i = 0; i < PAGE_SIZE + 3; i++) await putMaster(`many/p${String(i).padStart(2, '0')}.png`, pixel);
});

describe('browsing, without JavaScript', () => {
  it('lists the top folders at /', async () => {
    const { html, elements } = await page('/');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(links(elements)).toContain('/?prefix=play%2F');
    expect(elements.some((e) => e.tag === 'link' && e.attributes.rel === 'icon' && e.attributes.href === '/favicon.ico')).toBe(true);
  });

  it('lists a folder: subfolders, then masters with thumbnails under IMAGE_PREFIX', async () => {
    const { elements } = await page('/?prefix=play/');
    const hrefs = links(elements);
    expect(hrefs).toContain('/?prefix=play%2Fdeep%2F');
    expect(hrefs).toContain('/?prefix=play%2F&key=play%2Fstorm.jpg');
    const thumb = elements.find((e) => e.tag === 'img' && e.attributes.src?.endsWith('/play/storm.jpg'));
    expect(thumb?.attributes.src).toBe('/img/width=64,height=64,fit=cover,format=auto/play/storm.jpg');
    expect((await get(thumb!.attributes.src!, { Accept: accept.chrome })).status).toBe(200);
  });

  it('pages through a long folder with R2 cursors', async () => {
    const first = await page('/?prefix=many/');
    const keys = (elements: Awaited<ReturnType<typeof parse>>) => links(elements).filter((h) => h.includes('key='));
    expect(keys(first.elements)).toHaveLength(PAGE_SIZE);
    const next = first.elements.find((e) => e.tag === 'a' && e.attributes.rel === 'next')!.attributes.href!;
    const second = await page(next);
    expect(keys(second.elements)).toHaveLength(3);
    expect(second.elements.some((e) => e.tag === 'a' && e.attributes.rel === 'next')).toBe(false);
    // A forged cursor starts the folder again rather than failing.
    expect(keys((await page('/?prefix=many/&cursor=nonsense')).elements)).toHaveLength(PAGE_SIZE);
  });

  it('says so when a prefix or key is not a valid key, and still lists', async () => {
    const { html } = await page('/?prefix=../x');
    expect(html).toContain('must not have empty');
  });
});

describe('the editor', () => {
  it('shows the variant, AVIF/WebP/JPEG side by side, and the srcset link, every URL one the image route serves', async () => {
    const { elements } = await page('/?prefix=play/&key=play/storm.jpg&w=320&h=200&fit=cover&g=top&q=70&f=auto');
    const srcOf = (id: string) => elements.find((e) => e.tag === 'img' && e.attributes.id === id)!.attributes.src!;
    expect(srcOf('variant')).toBe('/img/width=320,height=200,fit=cover,gravity=top,quality=70,format=auto/play/storm.jpg');
    const types: Record<string, string> = { 'variant-avif': 'image/avif', 'variant-webp': 'image/webp', 'variant-jpeg': 'image/jpeg' };
    for (const [id, type] of Object.entries(types)) {
      const response = await get(srcOf(id), { Accept: accept.chrome });
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toBe(type);
    }
    const url = elements.find((e) => e.tag === 'input' && e.attributes.id === 'variant-url')!.attributes.value;
    expect(url).toBe(srcOf('variant'));
    const srcset = elements.find((e) => e.tag === 'textarea')!.attributes['data-srcset']!;
    const picture = await get(srcset, { Accept: 'text/html' });
    expect(picture.status).toBe(200);
    // Opened in a browser it previews itself: its candidates (on this origin) may load under its CSP.
    expect(picture.headers.get('Content-Security-Policy')).toContain("img-src 'self'");
    expect(await picture.text()).toMatch(/^<picture><source type="image\/avif"/);
  });

  it('starts from width=640,format=auto, and shows a bad option as the parser words it instead of a broken image', async () => {
    const fresh = await page('/?key=play/storm.jpg');
    expect(fresh.elements.find((e) => e.attributes.id === 'variant')!.attributes.src).toBe('/img/width=640,format=auto/play/storm.jpg');
    const bad = await page('/?key=play/storm.jpg&w=99999&f=auto');
    expect(bad.html).toContain('option width must be an integer in 1..8192');
    expect(bad.elements.some((e) => e.attributes.id === 'variant')).toBe(false);
  });

  it('has an upload form that needs JavaScript and keeps the token in the page', async () => {
    const { elements } = await page('/');
    const form = elements.find((e) => e.tag === 'form' && e.attributes.id === 'upload')!;
    expect(form.attributes.action).toBeUndefined();
    expect(elements.find((e) => e.tag === 'fieldset')!.attributes.disabled).toBeDefined();
    expect(elements.find((e) => e.attributes.name === 'token')!.attributes.type).toBe('password');
  });
});

describe('static parts', () => {
  it('serves a small favicon, cached', async () => {
    const response = await get('/favicon.ico');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/x-icon');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=86400');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBeLessThan(1024);
    expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]);
  });

  it('serves the script, cached briefly', async () => {
    const response = await get('/playground.js');
    expect(response.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=300');
    expect(await response.text()).toContain('serverTiming');
  });
});
