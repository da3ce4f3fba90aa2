// The per-codec floor: our WASM codecs against libvips' native (SIMD) ones through sharp, on one thread, in one process,
// interleaved round by round (median of N rounds). Times are the process's CPU time (user + system, every thread:
// sharp works on a libuv thread) around each call, not wall time: on a shared, oversubscribed machine wall time is
// mostly waiting for a core. Two builds of our module side by side: the committed one and
// another (by default the C path without the jsimd-wasm.c kernels: SIMD=0 native/build/build.sh, see jsimd-exact.mjs).
//
//   node bench/native/floor.mjs [c-path.wasm] [rounds]       default: /tmp/scaled-c.wasm, 7 rounds
//
// Rows (phone-13mp.jpg, 3120×4208 4:2:2 baseline, from the corpus): JPEG decode at 1/1 and 1/2 (libvips: its
// shrink-on-load, to the same size), JPEG encode (1600×2158, q82 progressive, optimised Huffman, 4:2:0, standard
// tables), WebP encode (1600×2158, q80, method 4), AVIF encode (1600×2158, q60 4:2:0, libaom speed 8; sharp effort 1).
// The other build's AVIF row is libaom's generic C only if it was built with AOM_SIMD=0 (native/build/aom-simd.sh).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import sharp from 'sharp';
import { loadScaled, root } from './load-codec.mjs';

const [cPath = '/tmp/scaled-c.wasm', roundsArg = '7'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const corpus = process.env.BENCH_CORPUS ?? join(root, '..', 'shared', 'corpus');
const file = join(corpus, 'photos/phone-13mp.jpg');
if (!existsSync(file)) throw new Error(`needs the corpus (${file})`);
if (!existsSync(cPath)) throw new Error(`needs the C-path module at ${cPath} (SIMD=0 OUT=${cPath} native/build/build.sh)`);
sharp.concurrency(1);
sharp.cache(false);

const jpeg = new Uint8Array(readFileSync(file));
const simd = await loadScaled();
const plain = await loadScaled('', resolve(cPath));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The pixels to encode: sharp's Lanczos-3 of the master to 1600 px wide, RGB and RGBA.
const { data: rgb, info } = await sharp(jpeg).resize(1600).raw().toBuffer({ resolveWithObject: true });
const { width, height } = info;
const rgba = new Uint8ClampedArray(width * height * 4);
for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
  rgba[j] = rgb[i];
  rgba[j + 1] = rgb[i + 1];
  rgba[j + 2] = rgb[i + 2];
  rgba[j + 3] = 255;
}
const pixels = { data: rgba, width, height };

// One session per side, kept across calls as the worker keeps its idle session: a fresh instance's first touch of
// ~50 MB of new linear memory (page faults) would otherwise cost more than the 1/1 decode itself.
const ours = (m) => {
  const session = m.CodecSession.open();
  return {
    decode: (d) => session.release(m.decodeJpegScaled(jpeg, d, { maxOutputBytes: 64 * 2 ** 20, maxWorkBytes: 64 * 2 ** 20 }, session)),
    jpeg: () => m.encodeJpegScaled(pixels, { quality: 82, progressive: true }, session),
    webp: () => m.encodeWebpScaled(pixels, 80, session),
    avif: () => session.encodeAvif(session.hold(pixels), { quality: 60, speed: 8, alpha: false }),
  };
};
const rawInput = { raw: { width, height, channels: 3 } };
const native = {
  // Only the last row is output, so libvips decodes the whole image in its small, reused strips (as our session reuses
  // its memory) and the time is the decode's rather than the making of a fresh 40 MB buffer.
  decode: (d) => {
    const [w, h] = [Math.ceil(3120 / d), Math.ceil(4208 / d)];
    const image = d === 1 ? sharp(jpeg) : sharp(jpeg).resize(w, h);
    return image.extract({ left: 0, top: h - 1, width: w, height: 1 }).raw().toBuffer();
  },
  jpeg: () => sharp(rgb, rawInput).jpeg({ quality: 82, progressive: true, optimiseCoding: true, chromaSubsampling: '4:2:0' }).toBuffer(),
  webp: () => sharp(rgb, rawInput).webp({ quality: 80, effort: 4 }).toBuffer(),
  // The bench's matched setting: libaom cpu-used 8 = sharp effort 9 − 8.
  avif: () => sharp(rgb, rawInput).avif({ quality: 60, effort: 1, chromaSubsampling: '4:2:0' }).toBuffer(),
};
const cases = [
  ['JPEG decode 1/1 (3120×4208)', (s) => s.decode(1)],
  ['JPEG decode 1/2 (1560×2104)', (s) => s.decode(2)],
  [`JPEG encode ${width}×${height} q82 progressive`, (s) => s.jpeg()],
  [`WebP encode ${width}×${height} q80 m4`, (s) => s.webp()],
  [`AVIF encode ${width}×${height} q60 speed 8`, (s) => s.avif()],
];
const sides = { 'ours, C path': ours(plain), 'ours, SIMD': ours(simd), 'libvips (native SIMD)': native };
const times = new Map();
const load = loadavg()[0];
for (const [name, run] of cases) for (const side of Object.values(sides)) await run(side); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of cases) {
    for (const [label, side] of Object.entries(sides)) {
      const t = process.cpuUsage();
      await run(side);
      const { user, system } = process.cpuUsage(t);
      const key = `${name}|${label}`;
      times.set(key, [...(times.get(key) ?? []), (user + system) / 1000]);
    }
  }
}
console.log(`CPU ms, median of ${rounds} rounds, interleaved; load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}\n`);
console.log('| step | ours, C path ms | ours, SIMD ms | libvips ms | C ÷ SIMD | SIMD ÷ libvips (floor) | C ÷ libvips |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [name] of cases) {
  const [c, s, n] = Object.keys(sides).map((label) => median(times.get(`${name}|${label}`)));
  console.log(`| ${name} | ${c.toFixed(0)} | ${s.toFixed(0)} | ${n.toFixed(0)} | ×${(c / s).toFixed(2)} | ×${(s / n).toFixed(2)} | ×${(c / n).toFixed(2)} |`);
}
