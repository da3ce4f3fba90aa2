// native/src/jsimd-wasm.c must be bit-exact against libjpeg-turbo's C. This script decodes every input of
// test/helpers/jsimd-inputs.ts at every scale and encodes the synthetic ones, with a module, and hashes the outputs
// (SHA-256 of the RGBA, or of the JPEG bytes).
//
//   SIMD=0 OUT=/tmp/scaled-c.wasm BUILD_DIR=… native/build/build.sh    the C path's module (no SIMD kernels)
//   node bench/native/jsimd-exact.mjs write /tmp/scaled-c.wasm          hashes of the C path → test/pipeline/codec/jsimd-exact.json
//   node bench/native/jsimd-exact.mjs check [module.wasm]               a module (default: the committed one) against that file
//   node bench/native/jsimd-exact.mjs compare /tmp/scaled-c.wasm [module.wasm] [--all] [--time] [--testimages=DIR]
//       both modules on the same inputs; --all adds every JPEG of the corpus (the 13–18 MP ones too), --time the
//       median of 5 decodes (and encodes) of each, C ÷ SIMD; --testimages adds libjpeg-turbo's own test images
//       (DIR: testimages/ of its source, e.g. $BUILD_DIR/src/libjpeg-turbo-2.1.5/testimages): its JPEGs decoded at
//       every scale, testorig.ppm and its 24-bit BMPs encoded with every setting of JSIMD_ENCODES
//
// The test (test/pipeline/codec/jsimd-exact.test.ts) runs the committed module against the JSON in the Workers runtime;
// the corpus entries are checked only where the corpus is present.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScaled, root } from './load-codec.mjs';

const [mode = 'check', ...rest] = process.argv.slice(2);
const flags = new Set(rest.filter((a) => a.startsWith('--')));
const paths = rest.filter((a) => !a.startsWith('--'));
const corpus = process.env.BENCH_CORPUS ?? join(root, '..', 'shared', 'corpus');
const TABLE = join(root, 'test/pipeline/codec/jsimd-exact.json');
const hash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 32);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function load(wasm) {
  return loadScaled("export * from './test/helpers/jsimd-inputs.ts';", wasm && resolve(wasm));
}

/** { name → { bytes } } for every input, in a fixed order. */
function inputs(m, all) {
  const list = [...m.JSIMD_FILES.map((p) => [p, join(root, p)])];
  if (existsSync(corpus)) {
    const extra = all ? readdirSync(join(corpus, 'photos')).filter((f) => /\.jpe?g$/i.test(f)).map((f) => `photos/${f}`) : [];
    for (const p of new Set([...m.JSIMD_CORPUS, ...extra])) list.push([`corpus:${p}`, join(corpus, p)]);
  } else {
    console.error(`(no corpus at ${corpus}: its entries are left out)`);
  }
  return list;
}

/** A binary PPM (P6) or an uncompressed 24-bit BMP as RGBA, or undefined for anything else. */
function raster(b) {
  let width, height, at;
  if (b[0] === 0x50 && b[1] === 0x36) {
    const fields = new TextDecoder().decode(b.subarray(0, 64)).split(/\s+/);
    [width, height] = [Number(fields[1]), Number(fields[2])];
    const start = b.length - width * height * 3;
    at = (x, y, c) => b[start + (y * width + x) * 3 + c];
  } else if (b[0] === 0x42 && b[1] === 0x4d) {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (view.getUint16(28, true) !== 24 || view.getUint32(30, true) !== 0) return undefined;
    const [start, rows] = [view.getUint32(10, true), view.getInt32(22, true)];
    [width, height] = [view.getInt32(18, true), Math.abs(rows)];
    const stride = (width * 3 + 3) & ~3;
    at = (x, y, c) => b[start + (rows > 0 ? height - 1 - y : y) * stride + x * 3 + (2 - c)];
  } else {
    return undefined;
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      [data[i], data[i + 1], data[i + 2], data[i + 3]] = [at(x, y, 0), at(x, y, 1), at(x, y, 2), 255];
    }
  }
  return { data, width, height };
}

/** Hashes of every output of one module; with `time`, also the median ms of each. */
async function run(m, all, time, testimages) {
  const out = {};
  const ms = {};
  const timed = (key, f) => {
    const result = f();
    if (time) {
      const runs = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        f();
        runs.push(performance.now() - t);
      }
      ms[key] = median(runs);
    }
    return result;
  };
  const decodeAll = (name, bytes) => {
    for (const d of m.JSIMD_SCALES) {
      const key = `${name} 1/${d}`;
      try {
        const image = timed(key, () => {
          const session = m.CodecSession.open();
          const decoded = m.decodeJpegScaled(bytes, d, { maxOutputBytes: 256 * 2 ** 20, maxWorkBytes: 256 * 2 ** 20 }, session);
          const copy = { width: decoded.width, height: decoded.height, data: decoded.data.slice() };
          session.recycle();
          return copy;
        });
        out[key] = `${image.width}x${image.height} ${hash(image.data)}`;
      } catch (error) {
        out[key] = `error ${error.code ?? error.message}`;
      }
    }
  };
  for (const [name, path] of inputs(m, all)) decodeAll(name, readFileSync(path));
  const sources = m.JSIMD_SYNTHETIC.map(([w, h]) => [`synthetic ${w}x${h}`, m.jsimdPixels(w, h)]);
  if (testimages) {
    for (const f of readdirSync(testimages).sort()) {
      const bytes = readFileSync(join(testimages, f));
      if (/\.jpg$/.test(f)) decodeAll(`testimages:${f}`, bytes);
      const pixels = /\.(ppm|bmp)$/.test(f) ? raster(new Uint8Array(bytes)) : undefined;
      if (pixels) sources.push([`testimages:${f}`, pixels]);
    }
  }
  for (const [name, pixels] of sources) {
    for (const o of m.JSIMD_ENCODES) {
      const key = `${name} q${o.quality}${o.progressive ? ' progressive' : ''}`;
      const jpeg = timed(`${key} encode`, () => {
        const session = m.CodecSession.open();
        const bytes = m.encodeJpegScaled(pixels, o, session).slice();
        session.recycle();
        return bytes;
      });
      out[`${key} encode`] = hash(jpeg);
      decodeAll(key, jpeg);
    }
  }
  return { out, ms };
}

if (mode === 'write') {
  if (!paths[0]) throw new Error('write needs the C path module (SIMD=0 build)');
  const { out } = await run(await load(paths[0]), false, false);
  writeFileSync(TABLE, `${JSON.stringify({ made: 'node bench/native/jsimd-exact.mjs write <SIMD=0 module>: libjpeg-turbo 2.1.5, C only', outputs: out }, null, 1)}\n`);
  console.log(`wrote ${Object.keys(out).length} hashes to ${TABLE}`);
} else if (mode === 'check') {
  const table = JSON.parse(readFileSync(TABLE, 'utf8')).outputs;
  const { out } = await run(await load(paths[0]), false, false);
  let bad = 0;
  let checked = 0;
  for (const [key, value] of Object.entries(table)) {
    if (!(key in out)) continue;
    checked++;
    if (out[key] !== value) console.log(`DIFFERS ${key}: ${out[key]} (C: ${value})`), bad++;
  }
  console.log(`${checked} outputs checked, ${bad} differ`);
  process.exitCode = bad ? 1 : 0;
} else if (mode === 'compare') {
  const all = flags.has('--all');
  const time = flags.has('--time');
  const testimages = rest.find((a) => a.startsWith('--testimages='))?.slice('--testimages='.length);
  const c = await run(await load(paths[0]), all, time, testimages);
  const simd = await run(await load(paths[1]), all, time, testimages);
  let bad = 0;
  for (const [key, value] of Object.entries(c.out)) {
    const same = simd.out[key] === value;
    if (!same) bad++;
    const speed = time ? `  C ${c.ms[key].toFixed(1)} ms, SIMD ${simd.ms[key].toFixed(1)} ms, ×${(c.ms[key] / simd.ms[key]).toFixed(2)}` : '';
    if (!same || time) console.log(`${same ? 'same   ' : 'DIFFERS'} ${key}${speed}`);
  }
  const errors = Object.entries(c.out).filter(([, v]) => v.startsWith('error'));
  console.log(`${Object.keys(c.out).length} outputs compared, ${bad} differ; ${errors.length} are errors (on the C path: ${errors.map(([k, v]) => `${k}: ${v}`).join('; ') || 'none'})`);
  process.exitCode = bad ? 1 : 0;
} else {
  throw new Error(`unknown mode ${mode}`);
}
