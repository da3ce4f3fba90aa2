#!/usr/bin/env node
// test/fixtures/avif/alpha-ramp-d10-3264x2448.avif: a 10-bit 4:2:0 AVIF with alpha, 3264×2448 (8.0 MP, above the
// 6 MP the AVIF limit was while libaom decoded), for test/routes/avif-masters.test.ts. Four flat quadrants
// (red, green, blue, yellow-white) and a left-to-right alpha ramp 40..255, so it compresses to a few kB; encoded by
// Debian's avifenc 0.11.1 (libaom), speed 10, quantizers 40..63, one job (reproducible). Needs avifenc
// (apt-get install libavif-bin).
//
//   node scripts/make-large-avif-fixture.mjs
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const width = 3264;
const height = 2448;
const colours = [[220, 40, 30], [30, 180, 60], [40, 60, 210], [235, 225, 120]];
const data = Buffer.alloc(width * height * 4);
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) {
    const [r, g, b] = colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)];
    const i = (y * width + x) * 4;
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
    data[i + 3] = Math.round(40 + (215 * x) / (width - 1));
  }
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'avif-large-'));
const png = path.join(tmp, 'source.png');
await sharp(data, { raw: { width, height, channels: 4 } }).png().toFile(png);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/avif/alpha-ramp-d10-3264x2448.avif');
execFileSync('avifenc', ['-d', '10', '-y', '420', '-s', '10', '-j', '1', '--min', '40', '--max', '63', '--minalpha', '40', '--maxalpha', '63', png, out], { stdio: 'pipe' });
fs.rmSync(tmp, { recursive: true });
console.log(`${path.basename(out)}: ${fs.statSync(out).size} bytes`);
