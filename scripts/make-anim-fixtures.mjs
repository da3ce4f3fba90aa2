#!/usr/bin/env node
// Writes the animation fixtures (ours, CC0 1.0; see test/fixtures/README.md) and what an independent decoder, sharp
// 0.34.5 (libvips, whose GIF loader is libnsgif), says of them, for test/pipeline/animate.test.ts:
//   test/fixtures/anim-disposal-48x32.gif  written byte by byte here: 4 frames exercising disposal 1/2/3,
//                                           transparency, a 0 delay (shown as 100 ms) and a NETSCAPE2.0 loop count 3
//   test/fixtures/anim-moving-40x30.webp   3 frames of a square moving over a gradient, made by sharp (lossy,
//                                           q90, sub-frames and blending chosen by libwebp), delays 70/120/200, loop 2
//   test/fixtures/anim-sharp.json          per fixture: pages, delays, loop, and the RGBA of every composited frame,
//                                           full size and resized by sharp to 24 px wide (base64)
// Usage: node scripts/make-anim-fixtures.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'test/fixtures');
sharp.concurrency(1);
sharp.cache(false);

// ── a GIF, byte by byte ─────────────────────────────────────────────────────────────────────────────────────────
// Palette (2 bits, 4 entries): 0 blue, 1 red, 2 green, 3 yellow. LZW min code size 2 (clear 4, end 5): each code is
// 3 bits, and a clear code every 2 literals keeps the table from growing (the decoder would widen codes at 8).
const PALETTE = [[0, 0, 255], [255, 0, 0], [0, 255, 0], [255, 255, 0]];

function lzw(indices) {
  const bytes = [];
  let acc = 0;
  let bits = 0;
  const put = (code) => {
    acc |= code << bits;
    bits += 3;
    while (bits >= 8) {
      bytes.push(acc & 0xff);
      acc >>= 8;
      bits -= 8;
    }
  };
  for (let i = 0; i < indices.length; i++) {
    if (i % 2 === 0) put(4);
    put(indices[i]);
  }
  put(5);
  if (bits > 0) bytes.push(acc & 0xff);
  const blocks = [2];
  for (let i = 0; i < bytes.length; i += 255) {
    const chunk = bytes.slice(i, i + 255);
    blocks.push(chunk.length, ...chunk);
  }
  blocks.push(0);
  return blocks;
}

const u16 = (v) => [v & 0xff, v >> 8];

function frame({ x, y, w, h, delay, disposal, transparent, pixel }) {
  const packed = (disposal << 2) | (transparent === undefined ? 0 : 1);
  const gce = [0x21, 0xf9, 4, packed, ...u16(delay), transparent ?? 0, 0];
  const descriptor = [0x2c, ...u16(x), ...u16(y), ...u16(w), ...u16(h), 0];
  const indices = [];
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) indices.push(pixel(i, j));
  return [...gce, ...descriptor, ...lzw(indices)];
}

function disposalGif() {
  const W = 48;
  const H = 32;
  const header = [...Buffer.from('GIF89a'), ...u16(W), ...u16(H), 0x80 | 0x01, 0, 0, ...PALETTE.flat()];
  const netscape = [0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0'), 3, 1, ...u16(3), 0];
  const frames = [
    // 0: the whole screen blue, kept (disposal 1); delay 0 → shown 100 ms.
    frame({ x: 0, y: 0, w: W, h: H, delay: 0, disposal: 1, pixel: () => 0 }),
    // 1: a red 16×16 square at (8, 8), 50 ms, then cleared to transparent (disposal 2).
    frame({ x: 8, y: 8, w: 16, h: 16, delay: 5, disposal: 2, pixel: () => 1 }),
    // 2: a 16×16 square at (24, 8): left half transparent (index 3), right half green; 120 ms; then the screen under
    //    it is restored (disposal 3).
    frame({ x: 24, y: 8, w: 16, h: 16, delay: 12, disposal: 3, transparent: 3, pixel: (i) => (i < 8 ? 3 : 2) }),
    // 3: a yellow 8×8 square at (0, 24), 200 ms.
    frame({ x: 0, y: 24, w: 8, h: 8, delay: 20, disposal: 0, pixel: () => 3 }),
  ];
  return Buffer.from([...header, ...netscape, ...frames.flat(), 0x3b]);
}

// ── an animated WebP, by sharp ──────────────────────────────────────────────────────────────────────────────────
async function movingWebp() {
  const W = 40;
  const H = 30;
  const pages = 3;
  const raw = Buffer.alloc(W * H * pages * 4);
  for (let p = 0; p < pages; p++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = ((p * H + y) * W + x) * 4;
        const inSquare = x >= 4 + p * 10 && x < 16 + p * 10 && y >= 9 && y < 21;
        raw.set(inSquare ? [255, 255, 255, 255] : [x * 6, y * 8, 128, 255], o);
      }
    }
  }
  return sharp(raw, { raw: { width: W, height: H * pages, channels: 4, pageHeight: H } })
    .webp({ quality: 90, delay: [70, 120, 200], loop: 2 })
    .toBuffer();
}

async function expected(bytes) {
  const meta = await sharp(bytes, { animated: true }).metadata();
  const full = await sharp(bytes, { animated: true }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const small = await sharp(bytes, { animated: true }).resize({ width: 24 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const split = ({ data, info }) => {
    const pageHeight = info.pageHeight ?? info.height / meta.pages;
    const size = info.width * pageHeight * 4;
    return { width: info.width, height: pageHeight, frames: Array.from({ length: meta.pages }, (_, i) => data.subarray(i * size, (i + 1) * size).toString('base64')) };
  };
  return { pages: meta.pages, delay: meta.delay, loop: meta.loop, width: meta.width, height: meta.pageHeight, full: split(full), resized: split(small) };
}

const gif = disposalGif();
const webp = await movingWebp();
fs.writeFileSync(path.join(out, 'anim-disposal-48x32.gif'), gif);
fs.writeFileSync(path.join(out, 'anim-moving-40x30.webp'), webp);
const reference = {
  generator: `scripts/make-anim-fixtures.mjs, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
  'anim-disposal-48x32.gif': await expected(gif),
  'anim-moving-40x30.webp': await expected(webp),
};
fs.writeFileSync(path.join(out, 'anim-sharp.json'), JSON.stringify(reference, null, 1) + '\n');
for (const name of ['anim-disposal-48x32.gif', 'anim-moving-40x30.webp']) {
  const r = reference[name];
  console.log(`${name}: ${r.width}×${r.height}, ${r.pages} pages, delays ${r.delay}, loop ${r.loop}`);
}
