#!/usr/bin/env node
// Writes test/fixtures/tone-sharp.json: sharp's answers for the tone options on 16 swatches (one row of raw RGB), so
// test/pipeline/pixels/tone.test.ts can compare src/pipeline/pixels/tone.ts with libvips inside workerd, where sharp
// cannot run. What each case asks sharp, and why it is the same operation:
//   brightness b, saturation s → modulate({ brightness: b, saturation: s }): libvips LCh, L·b and C·s, as tone.ts.
//   contrast c                 → linear(c, 127.5·(1 − c)): (v − 127.5)·c + 127.5 on 8-bit values, as tone.ts.
// gamma has no sharp counterpart (sharp's gamma() is a gamma-aware resize, not a curve): it is checked only against
// the formula. Every case agrees within 1 (of 255) per channel, the tolerance written with it: libvips' LCh round
// trip works in floats from its own sRGB tables, ours through 8-bit tables.
//
// Usage: node scripts/tone-sharp-reference.mjs [--check]   (sharp 0.34.5 / libvips 8.17 made the committed file)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/tone-sharp.json');

const swatches = [
  [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255], [255, 0, 255],
  [0, 0, 0], [255, 255, 255], [128, 128, 128], [30, 30, 30], [224, 172, 105], [135, 206, 235],
  [20, 60, 10], [250, 240, 230], [90, 40, 120], [200, 100, 50],
];
const input = swatches.flat();

const cases = [
  [{ brightness: 0.5 }, (s) => s.modulate({ brightness: 0.5 })],
  [{ brightness: 1.5 }, (s) => s.modulate({ brightness: 1.5 })],
  [{ saturation: 0 }, (s) => s.modulate({ saturation: 0 })],
  [{ saturation: 0.5 }, (s) => s.modulate({ saturation: 0.5 })],
  [{ saturation: 2 }, (s) => s.modulate({ saturation: 2 })],
  [{ brightness: 0.8, saturation: 1.3 }, (s) => s.modulate({ brightness: 0.8, saturation: 1.3 })],
  [{ contrast: 0.5 }, (s) => s.linear(0.5, 127.5 * 0.5)],
  [{ contrast: 2 }, (s) => s.linear(2, 127.5 * -1)],
];

const results = [];
for (const [adjustments, apply] of cases) {
  const image = sharp(Buffer.from(input), { raw: { width: swatches.length, height: 1, channels: 3 } });
  const { data } = await apply(image).raw().toBuffer({ resolveWithObject: true });
  results.push({ adjustments, output: Array.from(data) });
}

const previous = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : { cases: [] };
const tolerance = () => 1;
const json = {
  note: 'made by scripts/tone-sharp-reference.mjs with sharp ' + sharp.versions.sharp + ' (libvips ' + sharp.versions.vips + ')',
  input,
  cases: results.map((r) => ({ ...r, tolerance: tolerance(r.adjustments) })),
};
if (process.argv.includes('--check')) {
  const same = JSON.stringify(json.cases.map((c) => c.output)) === JSON.stringify(previous.cases.map((c) => c.output));
  console.log(same ? 'tone-sharp.json matches' : 'tone-sharp.json differs');
  process.exit(same ? 0 : 1);
}
fs.writeFileSync(out, JSON.stringify(json) + '\n');
console.log(`wrote ${out}`);
