// libaom's x86 intrinsics kernels compiled to WebAssembly SIMD (native/build/aom-simd.sh) against libaom's generic C:
// two builds of the module encode the same RGBA to AVIF, and their files are compared byte for byte (and, where they
// differ, by size and by the SSIM of sharp's decodes of both against the input). With --time, each encode is also
// timed: the process's CPU time (user + system) around each call, the two modules interleaved, median of --runs.
//
//   AOM_SIMD=0 OUT=/tmp/scaled-aom-c.wasm BUILD_DIR=… native/build/build.sh    the generic C build
//   node bench/native/aom-simd-exact.mjs /tmp/scaled-aom-c.wasm [module.wasm] [--time] [--runs=5] [--speeds=8] [--quick]
//
// Inputs: the photos below from the corpus (../shared/corpus or $BENCH_CORPUS), resized by sharp to 800 and 1600 px
// wide (--quick: 800 only), opaque and with alpha (the alpha PNG's own), and the synthetic texture of the test
// (test/pipeline/codec/aom-simd-exact.test.ts). Settings: the worker's (q60; speed 8 unless --speeds).
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import sharp from 'sharp';
import { encodeAvifFresh as encode, loadScaled, root } from './load-codec.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const paths = args.filter((a) => !a.startsWith('--'));
const time = args.includes('--time');
const quick = args.includes('--quick');
const runs = Number(flag('runs', '5'));
const speeds = flag('speeds', '8').split(',').map(Number);
if (!paths[0] || !existsSync(paths[0])) throw new Error('needs the generic C module (AOM_SIMD=0 OUT=… native/build/build.sh)');
const corpus = process.env.BENCH_CORPUS ?? join(root, '..', 'shared', 'corpus');
const hash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 32);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
sharp.concurrency(1);
sharp.cache(false);

const extra = "export * from './test/helpers/aom-simd-inputs.ts'; export { ssimY8 } from './test/helpers/ssim8.ts';";
const c = await loadScaled(extra, resolve(paths[0]));
const simd = await loadScaled(extra, paths[1] ? resolve(paths[1]) : undefined);

/** [name, { data, width, height }, alpha] for every input. */
async function inputs() {
  const list = [];
  const t = simd.AOM_SIMD_TEXTURE;
  list.push([`synthetic ${t.width}x${t.height}`, simd.aomSimdTexture(), false]);
  const photos = ['photos/phone-13mp.jpg', 'photos/Storm.jpg', 'photos/Wood.jpg', 'photos/flower-q85-420.jpg'];
  const alpha = ['alpha/flower_alpha.png'];
  if (!existsSync(corpus)) {
    console.error(`(no corpus at ${corpus}: synthetic input only)`);
    return list;
  }
  for (const width of quick ? [800] : [800, 1600]) {
    for (const p of [...photos, ...alpha]) {
      const hasAlpha = alpha.includes(p);
      const { data, info } = await sharp(join(corpus, p)).rotate().resize(width).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      list.push([`${p} → ${width}`, { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height }, hasAlpha]);
    }
  }
  return list;
}

function cpuMs(f) {
  const before = process.cpuUsage();
  const result = f();
  const d = process.cpuUsage(before);
  return [result, (d.user + d.system) / 1000];
}

const decode = async (avif) => new Uint8Array((await sharp(Buffer.from(avif)).ensureAlpha().raw().toBuffer()).buffer);

console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
let differ = 0;
const ratios = [];
for (const [name, image, alpha] of await inputs()) {
  for (const speed of speeds) {
    const options = { quality: 60, speed, alpha };
    const key = `${name}${alpha ? ' alpha' : ''} s${speed}`;
    const a = encode(c, image, options);
    const b = encode(simd, image, options);
    let line = `${hash(a) === hash(b) ? 'same   ' : 'DIFFERS'} ${key}: ${a.length} B${a.length === b.length ? '' : ` vs ${b.length} B (${(((b.length - a.length) / a.length) * 100).toFixed(2)} %)`}`;
    if (hash(a) !== hash(b)) {
      differ++;
      const [da, db] = [await decode(a), await decode(b)];
      line += `, SSIM-Y vs input C ${c.ssimY8(image.data, da, image.width, image.height).toFixed(5)} SIMD ${c.ssimY8(image.data, db, image.width, image.height).toFixed(5)}`;
    }
    if (time) {
      const [tc, ts] = [[], []];
      for (let i = 0; i < runs; i++) {
        tc.push(cpuMs(() => encode(c, image, options))[1]);
        ts.push(cpuMs(() => encode(simd, image, options))[1]);
      }
      const [mc, ms] = [median(tc), median(ts)];
      ratios.push(ms / mc);
      line += `; CPU ms C ${mc.toFixed(0)}, SIMD ${ms.toFixed(0)}: SIMD ÷ C ×${(ms / mc).toFixed(2)}`;
    }
    console.log(line);
  }
}
if (time) console.log(`SIMD ÷ C: ×${Math.min(...ratios).toFixed(2)}–×${Math.max(...ratios).toFixed(2)} (median ×${median(ratios).toFixed(2)})`);
console.log(`${differ} differ; load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exitCode = differ ? 1 : 0;
