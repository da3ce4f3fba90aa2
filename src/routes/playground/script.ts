/**
 * GET /playground.js: the playground's progressive JavaScript (plain ES, no build step). It measures each variant
 * from its own request (Resource Timing: bytes, content type, Server-Timing; the image: dimensions), fills the
 * `<picture>` snippet from /srcset/, wires the copy buttons, and uploads with the token typed into the page.
 */
import type { Context } from 'hono';

export const PLAYGROUND_JS = `
const kib = (n) => (n < 1024 ? n + ' B' : (n / 1024).toFixed(1) + ' KiB');

function describe(img) {
  const out = document.querySelector('output[data-for="' + img.id + '"]');
  if (!out) return;
  const entry = performance.getEntriesByName(img.currentSrc || img.src).pop();
  const parts = [img.naturalWidth + '×' + img.naturalHeight];
  if (entry) {
    if (entry.encodedBodySize) parts.push(kib(entry.encodedBodySize));
    if (entry.contentType) parts.push(entry.contentType);
    const timing = (entry.serverTiming || []).map((t) => t.name + ' ' + t.duration.toFixed(1) + ' ms' + (t.description ? ' (' + t.description + ')' : ''));
    if (timing.length) parts.push('Server-Timing: ' + timing.join(', '));
  }
  out.textContent = parts.join(' · ');
  out.dataset.bytes = entry ? String(entry.encodedBodySize) : '';
}

for (const img of document.querySelectorAll('img[data-measure]')) {
  if (img.complete && img.naturalWidth) describe(img);
  else img.addEventListener('load', () => describe(img));
  img.addEventListener('error', () => {
    const out = document.querySelector('output[data-for="' + img.id + '"]');
    if (out) out.textContent = 'failed: open the image URL to see why';
  });
}

const picture = document.getElementById('picture');
if (picture) {
  fetch(picture.dataset.srcset, { headers: { Accept: 'text/html' } })
    .then((r) => r.text().then((text) => { picture.value = r.ok ? text : 'HTTP ' + r.status + ': ' + text; }))
    .catch((e) => { picture.value = String(e); });
}

for (const button of document.querySelectorAll('button[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const source = document.getElementById(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(source.value);
      button.textContent = 'Copied';
    } catch {
      source.select();
    }
  });
}

const upload = document.getElementById('upload');
if (upload) {
  document.getElementById('upload-fields').disabled = false;
  upload.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(upload);
    const key = String(form.get('key')).replace(/^\\/+/, '');
    const file = form.get('file');
    const result = document.getElementById('upload-result');
    result.textContent = 'uploading…';
    try {
      const response = await fetch('/masters/' + key.split('/').map(encodeURIComponent).join('/'), {
        method: 'PUT',
        headers: { Authorization: 'Bearer ' + form.get('token'), 'Content-Type': file.type || 'application/octet-stream' },
        body: file,
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        const folder = key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '';
        result.innerHTML = '';
        const link = document.createElement('a');
        link.href = '/?' + new URLSearchParams({ prefix: folder, key });
        link.textContent = (response.status === 201 ? 'Uploaded ' : 'Replaced ') + key + ' (' + body.width + '×' + body.height + ' ' + body.format + '): open it';
        result.append(link);
      } else {
        result.textContent = response.status + ' ' + (body.detail || response.statusText);
      }
    } catch (e) {
      result.textContent = String(e);
    }
  });
}
`;

export function servePlaygroundScript(c: Context): Response {
  return c.body(PLAYGROUND_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' });
}
