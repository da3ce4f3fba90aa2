#!/usr/bin/env node
// The AVIF decoder's fixtures (test/fixtures/avif/*.avif) and sharp's pixels for them (*.sharp.png, RGBA, oriented
// as libheif shows them: irot/imir applied; sharp's prebuilt libheif is 8-bit only, so 10/12-bit ones come from
// Debian's avifdec with dav1d instead, in stored orientation), so test/pipeline/codec/avif-stream.test.ts can compare our decoder
// (libavif 0.11.1 + libaom, native/src/avif-decode.c, plus the worker's orient step) with an independent one inside
// workerd, where sharp cannot run. sharp 0.34.5's libvips reads AVIF through libheif + libaom, and converts
// YUV to RGB with its own code; avif-sharp.json lists each fixture with how it was made and the tolerance
// (mean and max |Δ| per channel) the test holds our pixels to.
//
//   node scripts/avif-sharp-reference.mjs --make   remake the AVIFs (needs Debian's avifenc: apt-get install libavif-bin)
//   node scripts/avif-sharp-reference.mjs          rewrite the expected PNGs and avif-sharp.json from the committed AVIFs
//   node scripts/avif-sharp-reference.mjs --check  exit 1 unless sharp still gives the committed pixels
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/avif');

// Each source is made here, deterministically: `quadrants` (64×48, four distinct colours, each with a gradient, so
// a wrong rotation, mirror or chroma placement shows), `tiles` (128×128, four 64×64 tiles of distinct colours with a
// mark in each: a grid decoded in the wrong tile order fails), and alpha variants (a left-to-right alpha ramp).
function source(kind) {
  const w = kind === 'tiles' ? 128 : 64;
  const h = kind === 'tiles' ? 128 : 48;
  const data = Buffer.alloc(w * h * 4);
  const colours = [[220, 40, 30], [30, 180, 60], [40, 60, 210], [235, 225, 120]];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1);
      const [r, g, b] = colours[q];
      const shade = ((x % (w / 2)) + (y % (h / 2))) * (kind === 'tiles' ? 1 : 2);
      let px = [Math.max(0, r - shade), Math.max(0, g - shade / 2), Math.min(255, b + shade / 2)];
      // tiles: a dark 8×8 mark at a different place in each tile
      if (kind === 'tiles' && Math.floor((x % 64) / 8) === q + 1 && Math.floor((y % 64) / 8) === q + 2) px = [10, 10, 10];
      const i = (y * w + x) * 4;
      data[i] = px[0];
      data[i + 1] = px[1];
      data[i + 2] = px[2];
      data[i + 3] = kind === 'alpha' ? Math.round(40 + (215 * x) / (w - 1)) : 255;
    }
  }
  return { data, width: w, height: h };
}

// name, source, avifenc options, what the test should see (depth, yuv format, alpha, orientation as EXIF 1..8)
const fixtures = [
  ['d8-420', 'quadrants', ['-d', '8', '-y', '420']],
  ['d8-422', 'quadrants', ['-d', '8', '-y', '422']],
  ['d8-444', 'quadrants', ['-d', '8', '-y', '444']],
  ['d8-400', 'quadrants', ['-d', '8', '-y', '400']],
  ['d10-420-alpha', 'alpha', ['-d', '10', '-y', '420']],
  ['d12-444', 'quadrants', ['-d', '12', '-y', '444']],
  ['d12-420-alpha-premultiplied', 'alpha', ['-d', '12', '-y', '420', '--premultiply']],
  ['d10-422-limited-bt709', 'quadrants', ['-d', '10', '-y', '422', '-r', 'limited', '--cicp', '1/13/1']],
  ['d8-lossless-identity', 'quadrants', ['-l']],
  ['d8-420-grid-128x128', 'tiles', ['-d', '8', '-y', '420', '--grid', '2x2']],
  ['d8-420-irot1', 'quadrants', ['-d', '8', '-y', '420', '--irot', '1']],
  ['d8-420-imir0', 'quadrants', ['-d', '8', '-y', '420', '--imir', '0']],
  ['d8-444-irot3-imir1', 'quadrants', ['-d', '8', '-y', '444', '--irot', '3', '--imir', '1']],
];

async function make() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'avif-fixtures-'));
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, kind, options] of fixtures) {
    const { data, width, height } = source(kind);
    const png = path.join(tmp, `${kind}.png`);
    await sharp(data, { raw: { width, height, channels: 4 } }).png().toFile(png);
    const out = path.join(dir, `${name}.avif`);
    // Quantizers 0..8 (visually near-lossless; the files stay < 2 KB), speed 6, one job: reproducible.
    const quality = options.includes('-l') ? [] : ['--min', '0', '--max', '8', '--minalpha', '0', '--maxalpha', '8'];
    execFileSync('avifenc', ['-s', '6', '-j', '1', ...quality, ...options, png, out], { stdio: 'pipe' });
    console.log(`${name}.avif: ${fs.statSync(out).size} bytes`);
  }
  fs.rmSync(tmp, { recursive: true });
}

// Per channel, 0..255: the mean |Δ|, the largest |Δ|, and the share of samples more than 8 apart. Without chroma
// subsampling every reference agrees exactly (measured: max 0). With it, libavif upsamples chroma bilinearly and
// libheif (and libyuv, which Debian's avifdec uses for some depths) does not: the pixels beside a colour edge differ
// by up to ~100 (measured max 97), everywhere else by rounding (max 2 against avifdec's bilinear 8/10-bit output).
function tolerance(options) {
  const subsampled = !(options.includes('444') || options.includes('400') || options.includes('-l'));
  return subsampled ? { mean: 3, max: 128, over8: 0.08 } : { mean: 0.05, max: 2, over8: 0 };
}

async function expected() {
  const cases = [];
  const pngs = new Map();
  for (const [name, kind, options] of fixtures) {
    const file = path.join(dir, `${name}.avif`);
    let reference = `sharp ${sharp.versions.sharp} (libheif ${sharp.versions.heif} + libaom)`;
    let oriented = true;
    let decoded;
    try {
      decoded = await sharp(file).ensureAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    } catch (error) {
      // sharp's prebuilt libheif/libaom is 8-bit only ("Bitstream not supported by this decoder"): for 10/12-bit, Debian's
      // avifdec with dav1d (libavif 0.11.1's YUV to RGB, but another AV1 decoder), to 8-bit RGBA PNG, stored orientation.
      if (!/not supported/i.test(String(error))) throw error;
      const tmp = path.join(os.tmpdir(), `avif-reference-${process.pid}-${name}.png`);
      execFileSync('avifdec', ['-c', 'dav1d', '-d', '8', '-j', '1', file, tmp], { stdio: 'pipe' });
      decoded = await sharp(tmp).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      fs.rmSync(tmp);
      reference = 'avifdec 0.11.1 (Debian, dav1d)';
      oriented = false;
    }
    const { data, info } = decoded;
    const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } }).png({ compressionLevel: 9 }).toBuffer();
    pngs.set(name, png);
    cases.push({
      name,
      source: kind,
      avifenc: options.join(' '),
      reference,
      // whether the reference applied irot/imir (sharp does; avifdec writes stored orientation)
      oriented,
      size: [info.width, info.height],
      tolerance: tolerance(options),
    });
  }
  return { cases, pngs };
}

if (process.argv.includes('--make')) await make();
const { cases, pngs } = await expected();
const jsonPath = path.join(dir, 'avif-sharp.json');
const json = { note: `made by scripts/avif-sharp-reference.mjs with sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}, libheif ${sharp.versions.heif})`, cases };
if (process.argv.includes('--check')) {
  let same = true;
  for (const [name, png] of pngs) {
    const committed = path.join(dir, `${name}.sharp.png`);
    if (!fs.existsSync(committed)) { same = false; console.log(`${name}.sharp.png missing`); continue; }
    const a = await sharp(committed).raw().toBuffer();
    const b = await sharp(png).raw().toBuffer();
    if (!a.equals(b)) { same = false; console.log(`${name}: sharp's pixels differ from the committed ones`); }
  }
  console.log(same ? 'avif sharp references match' : 'avif sharp references differ');
  process.exit(same ? 0 : 1);
}
for (const [name, png] of pngs) fs.writeFileSync(path.join(dir, `${name}.sharp.png`), png);
fs.writeFileSync(jsonPath, JSON.stringify(json, null, 1) + '\n');
console.log(`wrote ${cases.length} expected PNGs and ${jsonPath}`);
