// Chromium (the system's, through puppeteer-core) against `wrangler dev`: the playground and a <picture> page
// load without console errors, Chromium's own Accept gets AVIF, <picture> falls back to the sources it can use,
// and the HTML error page renders. Screenshots go to a temporary directory, or to docs/ with UPDATE_SCREENSHOTS=1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import sharp from 'sharp';
import { findChromium } from './run.mjs';
import { startWorker } from './server.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(repoRoot, 'docs') : fs.mkdtempSync(path.join(os.tmpdir(), 'edge-image-shots-'));
const KEY = 'samples/photos/dune.jpg';

let worker;
let browser;

before(async () => {
  worker = await startWorker();
  browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    // Root in a container has no user namespace for the sandbox; the pages are our own, on loopback.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  if (process.env.UPDATE_SCREENSHOTS !== '1') fs.rmSync(shots, { recursive: true, force: true });
});

/** A page that records console errors, failed requests and every image response (with the Accept it was sent with). */
async function openPage() {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 820, deviceScaleFactor: 1 });
  const problems = [];
  const images = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.request().resourceType() === 'image') {
      images.push({ url: response.url(), status: response.status(), type: response.headers()['content-type'], accept: response.request().headers().accept });
    }
  });
  return { page, problems, images };
}

/** A screenshot made small enough to commit: at most 900 px wide, a 128-colour palette PNG. */
async function screenshot(page, name) {
  const png = await page.screenshot({ type: 'png' });
  await sharp(png).resize({ width: 900, withoutEnlargement: true }).png({ palette: true, colours: 128, compressionLevel: 9 }).toFile(path.join(shots, name));
}

test('the playground: browse, pick a master, see its variants measured, no console errors', async () => {
  const { page, problems, images } = await openPage();
  await page.goto(`${worker.origin}/?prefix=samples/photos/&key=${KEY}&w=480&f=auto`, { waitUntil: 'networkidle0', timeout: 120_000 });
  // The script measures every variant from its own Resource Timing entry.
  await page.waitForFunction(() => [...document.querySelectorAll('output[data-for]')].every((o) => o.textContent.includes('×')), { timeout: 60_000 });
  const captions = await page.$$eval('output[data-for]', (outputs) => Object.fromEntries(outputs.map((o) => [o.dataset.for, o.textContent])));
  assert.match(captions.variant, /^480×300 · [\d.]+ KiB · image\/avif · Server-Timing: .*total/);
  for (const [id, type] of [['variant-avif', 'image/avif'], ['variant-webp', 'image/webp'], ['variant-jpeg', 'image/jpeg']]) {
    assert.match(captions[id], new RegExp(`^480×300 · [\\d.]+ KiB · ${type.replace('/', '\\/')}`), `${id}: ${captions[id]}`);
  }
  // Chromium's own Accept for <img> names AVIF, and format=auto answered it with AVIF.
  const variant = images.find((image) => image.url.endsWith(`/img/width=480,format=auto/${KEY}`));
  assert.ok(variant, 'the variant was requested');
  assert.match(variant.accept, /image\/avif/);
  assert.equal(variant.type, 'image/avif');
  assert.equal(variant.status, 200);
  // The <picture> snippet came from /srcset/ and names AVIF first.
  await page.waitForFunction(() => document.getElementById('picture').value.startsWith('<picture>'), { timeout: 60_000 });
  assert.ok(images.every((image) => image.status === 200), JSON.stringify(images.filter((i) => i.status !== 200)));
  // The favicon is asked for and served; nothing logged an error.
  assert.deepEqual(problems, []);
  await screenshot(page, 'playground.png');
  await page.close();
});

test('a <picture> page: AVIF through Chromium\'s Accept, and the fallbacks it can use', async () => {
  const { page, problems, images } = await openPage();
  // /srcset/ answers a navigation (Accept: text/html) with the <picture> itself.
  await page.goto(`${worker.origin}/srcset/${KEY}?widths=320,640&sizes=320px&alt=Dunes`, { waitUntil: 'networkidle0', timeout: 120_000 });
  // The markup says loading="lazy": wait for the browser to decide and decode.
  const loaded = () => [...document.images].every((img) => img.complete && img.naturalWidth > 0);
  await page.waitForFunction(loaded, { timeout: 60_000 });
  const chosen = await page.$eval('img', (img) => ({ src: img.currentSrc, width: img.naturalWidth }));
  assert.match(chosen.src, /format=avif/);
  assert.ok(chosen.width > 0);
  assert.ok(images.some((image) => image.url === chosen.src && image.type === 'image/avif'));

  // A source type the browser cannot show is skipped for the next; with none usable, <img> itself.
  const html = await (await fetch(`${worker.origin}/srcset/${KEY}?widths=320&sizes=320px&alt=Dunes&formats=avif,webp,jpeg`, { headers: { Accept: 'text/html' } })).text();
  const unsupportedAvif = html.replace('type="image/avif"', 'type="image/x-not-a-format"');
  const onlyImg = html.replace(/<source [^>]*>/g, '');
  // A fresh page: the /srcset/ document is sandboxed (CSP), so it runs no script, setContent's included.
  await page.close();
  const second = await openPage();
  await second.page.setContent(`<!doctype html><meta charset="utf-8"><title>fallbacks</title><div id="a">${unsupportedAvif}</div><div id="b">${onlyImg}</div>`, { waitUntil: 'networkidle0' });
  await second.page.waitForFunction(loaded, { timeout: 60_000 });
  const fallbacks = await second.page.$$eval('img', (imgs) => imgs.map((img) => ({ src: img.currentSrc, width: img.naturalWidth })));
  assert.match(fallbacks[0].src, /format=webp/);
  assert.match(fallbacks[1].src, /format=jpeg/);
  assert.ok(fallbacks.every((f) => f.width > 0), JSON.stringify(fallbacks));
  assert.ok(second.images.some((image) => image.url === fallbacks[0].src && image.type === 'image/webp'));
  assert.ok(second.images.some((image) => image.url === fallbacks[1].src && image.type === 'image/jpeg'));
  assert.deepEqual(problems, []);
  assert.deepEqual(second.problems, []);
  await second.page.close();
});

test('a bad URL opened in the browser is a page that suggests the fix; the same URL in <img> stays problem+json', async () => {
  const { page } = await openPage();
  const response = await page.goto(`${worker.origin}/img/widht=300/${KEY}`);
  assert.equal(response.status(), 400);
  assert.match(response.headers()['content-type'], /^text\/html/);
  assert.match(await page.$eval('body', (b) => b.innerText), /did you mean width/);
  await screenshot(page, 'html-error.png');
  const inImg = await page.evaluate(async (url) => (await fetch(url, { headers: { Accept: 'image/avif,image/webp,*/*;q=0.8' } })).headers.get('content-type'), `/img/widht=300/${KEY}`);
  assert.equal(inImg, 'application/problem+json');
  await page.close();
});

test('the upload form: the token typed into the page becomes the bearer token of PUT /masters/<key>', async () => {
  const { page, problems } = await openPage();
  const puts = [];
  page.on('request', (request) => {
    if (request.method() === 'PUT') puts.push({ url: request.url(), authorization: request.headers().authorization });
  });
  await page.goto(`${worker.origin}/`, { waitUntil: 'networkidle0', timeout: 120_000 });
  await page.$eval('input[name=key]', (input) => { input.value = 'uploads/storm-copy.jpg'; });
  await page.type('input[name=token]', worker.uploadToken);
  const file = await page.$('input[type=file]');
  await file.uploadFile(path.join(repoRoot, 'samples/photos/storm.jpg'));
  await page.click('#upload button[type=submit]');
  await page.waitForFunction(() => !['', 'uploading…'].includes(document.getElementById('upload-result').textContent), { timeout: 60_000 });
  assert.match(await page.$eval('#upload-result', (o) => o.textContent), /^Uploaded uploads\/storm-copy\.jpg \(1920×1280 jpeg\)/);
  assert.deepEqual(puts, [{ url: `${worker.origin}/masters/uploads/storm-copy.jpg`, authorization: `Bearer ${worker.uploadToken}` }]);
  // Nothing keeps it: no cookie, no storage.
  assert.equal(await page.evaluate(() => document.cookie + localStorage.length + sessionStorage.length), '00');
  assert.deepEqual(problems, []);
  await page.close();
});

test('wrangler dev and /cdn-cgi/: 403 for a foreign Origin, while IMAGE_PREFIX URLs answer any origin', async () => {
  const foreign = { Origin: 'http://192.168.1.5:3000' };
  assert.equal((await fetch(`${worker.origin}/cdn-cgi/image/width=64/${KEY}`, { headers: foreign })).status, 403);
  assert.equal((await fetch(`${worker.origin}/img/width=64/${KEY}`, { headers: foreign })).status, 200);
  assert.equal((await fetch(`${worker.origin}/cdn-cgi/image/width=64/${KEY}`)).status, 200);
});
