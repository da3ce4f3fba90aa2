#!/usr/bin/env node
// Two large AVIFs that compress to a few kB, for test/routes/avif-masters.test.ts, encoded by Debian's avifenc 0.11.1
// (libaom), speed 10, quantizers 40..63, one job (reproducible). Needs avifenc (apt-get install libavif-bin).
//   test/fixtures/avif/alpha-ramp-d10-3264x2448.avif: 10-bit 4:2:0 with alpha, 3264×2448 (8.0 MP, above the 6 MP the
//     AVIF limit was while libaom decoded): four flat quadrants (red, green, blue, yellow-white) and a left-to-right
//     alpha ramp 40..255; served as a WebP.
//   test/fixtures/avif/alpha-ramp-d12-444-4000x3000.avif: the same pattern at 12-bit 4:4:4, 4000×3000 (12 MP, within
//     MAX_AVIF_INPUT_PIXELS): its colour and alpha pictures alone are 96 MB, so it runs out of the codec module's
//     memory: a 413 at upload.
//
//   node scripts/make-large-avif-fixture.mjs
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/avif');
const colours = [[220, 40, 30], [30, 180, 60], [40, 60, 210], [235, 225, 120]];
for (const [name, width, height, options] of [
  ['alpha-ramp-d10-3264x2448', 3264, 2448, ['-d', '10', '-y', '420']],
  ['alpha-ramp-d12-444-4000x3000', 4000, 3000, ['-d', '12', '-y', '444']],
]) {
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
  const out = path.join(dir, `${name}.avif`);
  execFileSync('avifenc', [...options, '-s', '10', '-j', '1', '--min', '40', '--max', '63', '--minalpha', '40', '--maxalpha', '63', png, out], { stdio: 'pipe' });
  fs.rmSync(tmp, { recursive: true });
  console.log(`${path.basename(out)}: ${fs.statSync(out).size} bytes`);
}
