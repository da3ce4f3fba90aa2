/**
 * Problems for people: when a browser's address bar asks (Accept prefers text/html), the same problem as a small
 * HTML page that says what went wrong, suggests the nearest valid option, and shows how image URLs are written.
 * `<img>`, `fetch()` and curl keep problem+json: their Accept does not name text/html.
 */
import { fullOptionName, knownOptionNames, splitSegment } from '../options/parse.js';
import { nearest } from '../options/suggest.js';
import { type ImageError, problemBody } from './problem.js';

/** A media range's quality in an Accept header (the most specific match), 0 when absent. */
function qualityOf(accept: string, type: string): number {
  let best = -1;
  let value = 0;
  for (const range of accept.toLowerCase().split(',')) {
    const [media = '', ...params] = range.trim().split(';');
    const [major, minor] = media.trim().split('/');
    const [wantMajor] = type.split('/');
    const specificity = media.trim() === type ? 2 : major === wantMajor && minor === '*' ? 1 : major === '*' && minor === '*' ? 0 : -1;
    if (specificity <= best) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    best = specificity;
    value = q === undefined ? 1 : Number(q);
  }
  return value;
}

/**
 * Whether the client wants a page rather than data: it names `text/html` itself, with a quality no lower than JSON's.
 * Browsers navigating send `text/html,…`; their `<img>`, `fetch()` and curl send `image/…`, `*\/*` or JSON.
 */
export function prefersHtml(accept: string | null | undefined): boolean {
  if (!accept || !/\btext\/html\b/i.test(accept)) return false;
  const html = qualityOf(accept, 'text/html');
  return html > 0 && html >= qualityOf(accept, 'application/json') && html >= qualityOf(accept, 'application/problem+json');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What the page knows of the request: its path, and where the image grammar is mounted. */
export interface ProblemContext {
  path: string;
  imagePrefix: string;
}

/** The option segment and the rest of an image URL's path, or undefined for a path under neither mount point. */
function imageParts(path: string, mounts: string[]): { mount: string; segment: string; rest: string } | undefined {
  for (const mount of mounts) {
    if (!path.startsWith(mount + '/')) continue;
    const after = path.slice(mount.length + 1);
    const slash = after.indexOf('/');
    let segment = slash === -1 ? after : after.slice(0, slash);
    try {
      segment = decodeURIComponent(segment);
    } catch {
      // Shown as written.
    }
    return { mount, segment, rest: slash === -1 ? '' : after.slice(slash + 1) };
  }
  return undefined;
}

/** Suggestions for the person who wrote this URL, as HTML list items. */
export function suggestionsFor(error: ImageError, context: ProblemContext): string[] {
  const hints: string[] = [];
  const parts = imageParts(context.path, ['/cdn-cgi/image', context.imagePrefix]);
  const example = (mount: string, key: string) => `${mount}/width=800,format=auto/${key}`;
  if (parts) {
    const elements = parts.segment === '' ? [] : splitSegment(parts.segment);
    const names = [...knownOptionNames(), 'preset', 'sig', 'exp'];
    for (const element of elements) {
      const equals = element.indexOf('=');
      const name = equals === -1 ? element : element.slice(0, equals);
      if (equals !== -1 && fullOptionName(name) === undefined && !['preset', 'sig', 'exp'].includes(name)) {
        const near = nearest(name, names);
        if (near) hints.push(`did you mean <code>${escapeHtml(near)}</code> instead of <code>${escapeHtml(name)}</code>?`);
      }
    }
    // A bad value of an enumerated option: the nearest allowed value.
    const value = /^option (\S+)(?: \(\S+\))? must be one of (.+), got "(.*)"$/.exec(error.detail);
    if (value) {
      const near = nearest(value[3]!, value[2]!.split(', '));
      if (near) hints.push(`did you mean <code>${escapeHtml(value[1]!)}=${escapeHtml(near)}</code>?`);
    }
    // No `=` anywhere in the first segment: it is most likely the start of the key, and the options are missing.
    const optionless = parts.segment === '' || (!parts.segment.includes('=') && (parts.rest === '' || /\.[a-z0-9]{2,5}$/i.test(parts.rest) || parts.segment.includes('.')));
    if (optionless && error.status === 400) {
      const key = [parts.segment, parts.rest].filter((s) => s !== '').join('/');
      const href = example(parts.mount, key || 'photos/cat.jpg');
      hints.push(`the options segment looks missing: the URL should look like <code>${escapeHtml(parts.mount)}/&lt;options&gt;/&lt;key&gt;</code>, e.g. <a href="${escapeHtml(href)}">${escapeHtml(href)}</a>`);
    }
  }
  return hints;
}

const GRAMMAR = `
<h2>How image URLs are written</h2>
<pre>/cdn-cgi/image/&lt;options&gt;/&lt;key&gt;
PREFIX/&lt;options&gt;/&lt;key&gt;</pre>
<p><code>&lt;options&gt;</code> is a comma-separated list of <code>name=value</code>; <code>&lt;key&gt;</code> is the master's key.</p>
<table>
<tr><th>option</th><th>values</th></tr>
<tr><td><code>width</code>, <code>w</code> / <code>height</code>, <code>h</code></td><td>pixels</td></tr>
<tr><td><code>fit</code></td><td><code>scale-down</code>, <code>contain</code>, <code>cover</code>, <code>crop</code>, <code>aspect-crop</code>, <code>pad</code>, <code>squeeze</code></td></tr>
<tr><td><code>gravity</code>, <code>g</code></td><td><code>auto</code>, <code>face</code>, <code>center</code>, <code>left</code>, <code>right</code>, <code>top</code>, <code>bottom</code>, <code>0.5x0.3</code></td></tr>
<tr><td><code>quality</code>, <code>q</code></td><td>1..100, <code>high</code>, <code>medium-high</code>, <code>medium-low</code>, <code>low</code></td></tr>
<tr><td><code>format</code>, <code>f</code></td><td><code>auto</code>, <code>avif</code>, <code>webp</code>, <code>jpeg</code>, <code>baseline-jpeg</code>, <code>png</code>, <code>json</code></td></tr>
<tr><td><code>dpr</code>, <code>background</code>, <code>rotate</code>, <code>flip</code>, <code>blur</code>, <code>sharpen</code>, <code>brightness</code>, <code>contrast</code>, <code>gamma</code>, <code>saturation</code>, <code>trim</code>, <code>zoom</code>, <code>slow-connection-quality</code>, <code>compression</code>, <code>metadata</code>, <code>anim</code>, <code>onerror</code></td><td>see the README's URL reference</td></tr>
</table>`;

/** The problem as a page; same status and headers as its problem+json, `Cache-Control: no-store`. */
export function htmlProblemResponse(error: ImageError, context: ProblemContext, init: { head?: boolean } = {}): Response {
  const body = problemBody(error);
  const hints = suggestionsFor(error, context);
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${body.status} ${escapeHtml(body.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{background:#f3f3f3;border-radius:3px;padding:0 .2em}pre{padding:.5em}td,th{text-align:left;padding:.2em .6em .2em 0;vertical-align:top}
.detail{font-size:1.1em}.hint{color:#064}</style></head>
<body><h1>${body.status} ${escapeHtml(body.title)}</h1>
<p class="detail">${escapeHtml(body.detail)}</p>
${hints.length ? `<ul>${hints.map((h) => `<li class="hint">${h}</li>`).join('')}</ul>` : ''}
<p><small>Problem type <code>${escapeHtml(body.type)}</code>, at <code>${escapeHtml(context.path)}</code>. Ask with
<code>Accept: application/json</code> for the same problem as JSON.</small></p>
${GRAMMAR.replace('PREFIX', escapeHtml(context.imagePrefix))}
<p><a href="/">Open the playground</a> to browse masters and build URLs.</p>
</body></html>
`;
  const headers = new Headers(error.headers);
  headers.set('Content-Type', 'text/html; charset=utf-8');
  headers.set('Cache-Control', 'no-store');
  headers.set('Vary', 'Accept');
  return new Response(init.head ? null : page, { status: error.status, headers });
}
