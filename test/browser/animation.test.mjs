// Animated output checked by an independent decoder: Chromium's WebCodecs ImageDecoder decodes the animated GIF/WebP
// master (as stored, from /originals/) and the animated WebP (or, for a client without WebP, the animated GIF) the
// worker makes of it, and the two must agree on frame count, loop (repetitionCount), every frame's duration, size and
// pixels (within lossy-encoding or palette tolerance).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { findChromium } from './run.mjs';
import { startWorker } from './server.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let worker;
let browser;
let page;

before(async () => {
  worker = await startWorker();
  for (const [key, file] of [['anim/disposal.gif', 'anim-disposal-48x32.gif'], ['anim/moving.webp', 'anim-moving-40x30.webp']]) {
    const response = await fetch(`${worker.origin}/masters/${key}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${worker.uploadToken}` },
      body: fs.readFileSync(path.join(repoRoot, 'test/fixtures', file)),
    });
    assert.equal(response.status, 201, `upload ${key}: ${await response.text()}`);
  }
  browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  page = await browser.newPage();
  await page.goto(`${worker.origin}/health`);
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** Every frame of the image at `url` as Chromium's ImageDecoder gives it: RGBA (not premultiplied), durations in µs. */
function decodeInPage(url, headers = {}) {
  return page.evaluate(async (url, headers) => {
    const response = await fetch(url, { headers });
    const type = response.headers.get('Content-Type');
    const decoder = new ImageDecoder({ data: await response.arrayBuffer(), type });
    await decoder.tracks.ready;
    const track = decoder.tracks.selectedTrack;
    const frames = [];
    for (let i = 0; i < track.frameCount; i++) {
      const { image } = await decoder.decode({ frameIndex: i });
      const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight);
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height, { colorSpace: 'srgb' }).data;
      frames.push({ width: canvas.width, height: canvas.height, duration: image.duration, rgba: Array.from(data) });
      image.close();
    }
    decoder.close();
    return { type, frameCount: track.frameCount, repetitionCount: track.repetitionCount, frames };
  }, url, headers);
}

/** Mean absolute difference of premultiplied RGB and of alpha, over all pixels. */
function meanDifference(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += Math.abs((a[i + c] * a[i + 3]) / 255 - (b[i + c] * b[i + 3]) / 255);
    sum += Math.abs(a[i + 3] - b[i + 3]);
  }
  return sum / a.length;
}

for (const key of ['anim/disposal.gif', 'anim/moving.webp', 'samples/gif/traffic-light.gif']) {
  test(`${key}: the animated WebP plays as the master does in Chromium (frames, loop, durations, pixels)`, async () => {
    const master = await decodeInPage(`/originals/${key}`);
    const ours = await decodeInPage(`/img/format=webp,quality=95/${key}`);
    assert.equal(ours.type, 'image/webp');
    assert.ok(master.frameCount > 1, `the master is animated (${master.frameCount} frames)`);
    assert.equal(ours.frameCount, master.frameCount, 'frame count');
    assert.equal(ours.repetitionCount, master.repetitionCount, 'repetitionCount (loop)');
    for (let i = 0; i < master.frameCount; i++) {
      const [m, o] = [master.frames[i], ours.frames[i]];
      assert.deepEqual([o.width, o.height], [m.width, m.height], `frame ${i} size`);
      // Chromium reports a GIF's stored delay; it shows ≤ 10 ms as 100 ms, which is what we write.
      const shown = m.duration <= 10_000 ? 100_000 : m.duration;
      assert.equal(o.duration, shown, `frame ${i} duration`);
      const difference = meanDifference(o.rgba, m.rgba);
      assert.ok(difference < 3, `frame ${i}: mean difference ${difference.toFixed(2)} of 255`);
    }
  });
}

for (const key of ['anim/disposal.gif', 'anim/moving.webp', 'samples/gif/traffic-light.gif']) {
  test(`${key}: without WebP in Accept, the animated GIF plays as the master does in Chromium`, async () => {
    const master = await decodeInPage(`/originals/${key}`);
    const ours = await decodeInPage(`/img/format=auto/${key}`, { Accept: 'image/png,image/*;q=0.8' });
    assert.equal(ours.type, 'image/gif');
    assert.equal(ours.frameCount, master.frameCount, 'frame count');
    assert.equal(ours.repetitionCount, master.repetitionCount, 'repetitionCount (loop)');
    for (let i = 0; i < master.frameCount; i++) {
      const [m, o] = [master.frames[i], ours.frames[i]];
      assert.deepEqual([o.width, o.height], [m.width, m.height], `frame ${i} size`);
      // As shown: ≤ 10 ms is 100 ms for a GIF master; a WebP master's ms are rounded to centiseconds, at least 2.
      const shownMs = key.endsWith('.gif') ? (m.duration <= 10_000 ? 100 : m.duration / 1000) : Math.max(20, Math.round(m.duration / 10_000) * 10);
      assert.equal(o.duration, shownMs * 1000, `frame ${i} duration`);
      // 256 colours a frame, no dithering: a GIF master comes back almost exactly, a WebP one within palette error.
      const difference = meanDifference(o.rgba, m.rgba);
      assert.ok(difference < (key.endsWith('.gif') ? 1 : 4), `frame ${i}: mean difference ${difference.toFixed(2)} of 255`);
    }
  });
}

test('anim/disposal.gif, width=24,format=auto with an <img> Accept (AVIF first): an animated WebP, every frame 24×16', async () => {
  const ours = await decodeInPage('/img/width=24,format=auto/anim/disposal.gif', { Accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8' });
  assert.equal(ours.type, 'image/webp');
  assert.equal(ours.frameCount, 4);
  for (const frame of ours.frames) assert.deepEqual([frame.width, frame.height], [24, 16]);
});
