/** Problems for people: a page when the browser's address bar asks, problem+json for <img>, fetch() and curl. */
import { describe, expect, it } from 'vitest';
import { prefersHtml } from '../../src/http/html-problem.js';
import { editDistance, nearest } from '../../src/options/suggest.js';
import { knownOptionNames } from '../../src/options/parse.js';
import { accept, get } from '../helpers/worker.js';

/** What Chrome and Firefox send when a person opens a URL. */
const navigation = {
  chrome: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  firefox: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  safari: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};

describe('prefersHtml', () => {
  it.each([
    [navigation.chrome, true],
    [navigation.firefox, true],
    ['text/html;q=0.5, application/json', false],
    ['application/json, text/html', true],
    ['text/html;q=0', false],
    [accept.chrome, false],
    [accept.safari, false],
    [accept.firefox, false],
    ['*/*', false],
    [null, false],
  ])('%s → %s', (header, expected) => {
    expect(prefersHtml(header)).toBe(expected);
  });
});

describe('nearest option', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('widht', 'width')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it.each([
    ['widht', 'width'],
    ['hieght', 'height'],
    ['qualty', 'quality'],
    ['formt', 'format'],
    ['Width', 'width'],
    ['gravitty', 'gravity'],
    ['zzzzzz', undefined],
    ['x', undefined],
  ])('%s → %s', (written, expected) => {
    expect(nearest(written, knownOptionNames())).toBe(expected);
  });
});

describe('errors as pages', () => {
  async function page(path: string, headers: Record<string, string> = { Accept: navigation.chrome }) {
    const response = await get(path, headers);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    return { response, html: await response.text() };
  }

  it('suggests the nearest option name for an unknown one', async () => {
    const { response, html } = await page('/cdn-cgi/image/widht=300/photos/cat.jpg');
    expect(response.status).toBe(400);
    expect(html).toContain('unknown option &quot;widht&quot;');
    expect(html).toContain('did you mean <code>width</code>');
    expect(html).toContain('/cdn-cgi/image/&lt;options&gt;/&lt;key&gt;');
    expect(html).toContain('/img/&lt;options&gt;/&lt;key&gt;');
  });

  it('suggests the nearest value of an enumerated option', async () => {
    const { html } = await page('/img/width=300,fit=covr/photos/cat.jpg');
    expect(html).toContain('did you mean <code>fit=cover</code>');
  });

  it('says what the URL should look like when the options are missing', async () => {
    const { response, html } = await page('/img/photos/cat.jpg');
    expect(response.status).toBe(400);
    expect(html).toContain('the options segment looks missing');
    expect(html).toContain('href="/img/width=800,format=auto/photos/cat.jpg"');
    const single = await page('/cdn-cgi/image/cat.jpg');
    expect(single.html).toContain('href="/cdn-cgi/image/width=800,format=auto/cat.jpg"');
  });

  it('escapes what the URL says', async () => {
    const { html } = await page('/img/%3Cscript%3E=1/a.jpg');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('answers a 404 as a page too, and a HEAD with no body', async () => {
    const { response } = await page('/no/such/page');
    expect(response.status).toBe(404);
    const head = await get('/cdn-cgi/image/widht=1/a.jpg', { Accept: navigation.firefox }, 'HEAD');
    expect(head.status).toBe(400);
    expect(head.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
  });

  it('keeps problem+json for <img>, fetch() and curl', async () => {
    for (const header of [accept.chrome, accept.safari, accept.firefox, accept.curl, 'application/json']) {
      const response = await get('/cdn-cgi/image/widht=300/photos/cat.jpg', { Accept: header });
      expect(response.status).toBe(400);
      expect(response.headers.get('Content-Type')).toBe('application/problem+json');
      expect(response.headers.get('Cache-Control')).toBe('no-store');
    }
  });
});
