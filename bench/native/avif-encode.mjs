// Our AVIF encoder (encode_avif in src/pipeline/codec/scaled.wasm: native/src/avif.c, libavif 0.11.1 + libaom 3.6.0)
// against jSquash's (@jsquash/avif) on the same RGBA, in the same Node process: WASM linear memory after an encode,
// median encode time, output size, and a sharp decode of each output (dimensions and mean absolute difference against
// the input). Needs node_modules (sharp, @jsquash/avif); native/README.md has the numbers.
//
//   node bench/native/avif-encode.mjs [image] [size] [runs] [quality] [speed]
//     defaults: ../shared/corpus/photos/phone-13mp.jpg, 1600 (resized to size x size, fill), 3, 60, 8
//   ALPHA=1 ...   gives the RGBA a gradient alpha channel and encodes it (both encoders)
//   AVIF_WASM=/tmp/x.wasm ...   another build of the module (build.sh with OUT=), default the committed one
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = fileURLToPath(new URL('../..', import.meta.url));
const [file = `${root}../shared/corpus/photos/phone-13mp.jpg`, sizeArg = '1600', runsArg = '3', qArg = '60', sArg = '8'] =
  process.argv.slice(2);
const [size, runs, quality, speed] = [sizeArg, runsArg, qArg, sArg].map(Number);
const alpha = process.env.ALPHA === '1';
const wasmPath = process.env.AVIF_WASM ?? `${root}src/pipeline/codec/scaled.wasm`;
const MiB = 2 ** 20;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The input: a real photo resized to size x size RGBA (straight alpha).
let pipeline = sharp(file).rotate().resize(size, size, { fit: 'cover' }).removeAlpha().ensureAlpha();
const { data: rgbaBuffer } = await pipeline.raw().toBuffer({ resolveWithObject: true });
const rgba = new Uint8Array(rgbaBuffer.buffer, rgbaBuffer.byteOffset, rgbaBuffer.byteLength);
if (alpha) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) rgba[(y * size + x) * 4 + 3] = (x * 255) / (size - 1);

// ---------------------------------------------------------------- ours: a fresh instance per encode, as a codec session
class ScaledFailure extends Error {}
const Instance = WebAssembly.Instance; // before jSquash's memories are recorded below
const wasmModule = await WebAssembly.compile(readFileSync(wasmPath));
function encodeOurs() {
  let memory;
  const text = (ptr, len) => new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));
  const enosys = () => 52;
  const imports = {
    env: {
      scaled_fail: (code, msg, len) => {
        throw new ScaledFailure(`code ${code}: ${text(msg, len)}`);
      },
      scaled_read: () => 0,
      scaled_skip: () => {},
    },
    wasi_snapshot_preview1: new Proxy(
      {
        fd_close: enosys,
        fd_seek: enosys,
        fd_write: enosys,
        proc_exit: (code) => {
          throw new ScaledFailure(`proc_exit(${code})`);
        },
      },
      // Anything else the module imports (should be nothing beyond the four above): fail loudly when called.
      { get: (target, name) => target[name] ?? (() => { throw new ScaledFailure(`unexpected WASI call ${String(name)}`); }) },
    ),
  };
  const instance = new Instance(wasmModule, imports);
  const e = instance.exports;
  memory = e.memory;
  e._initialize();
  const t0 = performance.now();
  const input = e.alloc(rgba.byteLength);
  new Uint8Array(memory.buffer, input, rgba.byteLength).set(rgba);
  const t1 = performance.now();
  const result = e.encode_avif(input, size, size, quality, speed, alpha ? 1 : 0, 1);
  const t2 = performance.now();
  const [outSize, outPtr] = new Uint32Array(memory.buffer, result, 2);
  const out = new Uint8Array(memory.buffer, outPtr, outSize).slice();
  return { out, memory: memory.buffer.byteLength, encodeMs: t2 - t1, totalMs: performance.now() - t0 };
}

// ---------------------------------------------------------------- jSquash, initialised from its files as codecs.ts does
const memories = new Set();
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(target, args) {
    const instance = Reflect.construct(target, args);
    for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) memories.add(v);
    return instance;
  },
});
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (...args) => {
  const r = await instantiate(...args);
  for (const v of Object.values((r.instance ?? r).exports)) if (v instanceof WebAssembly.Memory) memories.add(v);
  return r;
};
const nm = `${root}node_modules/@jsquash/avif/`;
const { default: jsquashEncode, init } = await import(`${nm}encode.js`);
await init(await WebAssembly.compile(readFileSync(`${nm}codec/enc/avif_enc.wasm`)));
const jsquashMemory = () => [...memories].reduce((sum, m) => sum + m.buffer.byteLength, 0);
async function encodeJsquash() {
  const t0 = performance.now();
  // jSquash takes an ImageData; the worker hands it a copy of the pixels (our RGBA lives in another heap).
  const data = new Uint8ClampedArray(rgba);
  const out = new Uint8Array(await jsquashEncode({ data, width: size, height: size }, { quality, speed }));
  return { out, memory: jsquashMemory(), totalMs: performance.now() - t0 };
}

// ---------------------------------------------------------------- check an output with sharp
async function check(out) {
  const magic = new TextDecoder().decode(out.subarray(4, 12));
  const { data, info } = await sharp(Buffer.from(out)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  let sumAlpha = 0;
  for (let i = 0; i < data.length; i += 4) {
    sum += Math.abs(data[i] - rgba[i]) + Math.abs(data[i + 1] - rgba[i + 1]) + Math.abs(data[i + 2] - rgba[i + 2]);
    sumAlpha += Math.abs(data[i + 3] - rgba[i + 3]);
  }
  const n = data.length / 4;
  return { magic, width: info.width, height: info.height, mad: sum / (3 * n), madAlpha: sumAlpha / n };
}

async function measure(name, encode) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await encode());
  const first = results[0];
  const c = await check(first.out);
  const ok = c.magic === 'ftypavif' && c.width === size && c.height === size;
  console.log(
    `${name.padEnd(8)} memory ${(first.memory / MiB).toFixed(1)} MiB` +
      (results.at(-1).memory !== first.memory ? ` (${(results.at(-1).memory / MiB).toFixed(1)} after ${runs})` : '') +
      `  time ${median(results.map((r) => r.totalMs)).toFixed(0)} ms` +
      (first.encodeMs === undefined ? '' : ` (encode_avif ${median(results.map((r) => r.encodeMs)).toFixed(0)} ms)`) +
      `  out ${first.out.byteLength} B (${(first.out.byteLength / 1024).toFixed(1)} KiB)` +
      `  decoded ${c.width}x${c.height} ${c.magic} MAD ${c.mad.toFixed(2)}` +
      (alpha ? ` alpha MAD ${c.madAlpha.toFixed(2)}` : '') +
      `  ${ok ? 'ok' : 'FAILED'}`,
  );
  return ok;
}

console.log(
  `${file.split('/').pop()} -> ${size}x${size} RGBA (${((size * size * 4) / MiB).toFixed(1)} MiB)` +
    `, quality ${quality}, speed ${speed}, ${alpha ? 'alpha' : 'opaque'}, ${runs} runs; module ${wasmPath}`,
);
const okOurs = await measure('ours', () => encodeOurs());
const okJsquash = await measure('jsquash', encodeJsquash);
process.exitCode = okOurs && okJsquash ? 0 : 1;
