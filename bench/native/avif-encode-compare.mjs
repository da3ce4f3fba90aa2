// Our AVIF encoder (encode_avif) in two builds of the module on the same RGBA, in one Node process, interleaved: are
// the outputs byte-identical, and how do the median encode times compare? Used to check that building libaom with
// its decoder and high bit depth (native/build/avif.sh) leaves 8-bit encoding alone.
//
//   node bench/native/avif-encode-compare.mjs A.wasm B.wasm [image] [size] [runs] [quality] [speed]
//     defaults: ../shared/corpus/photos/phone-13mp.jpg, 1600, 5, 60, 8;  ALPHA=1 adds a gradient alpha channel
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = fileURLToPath(new URL('../..', import.meta.url));
const [a, b, file = `${root}../shared/corpus/photos/phone-13mp.jpg`, sizeArg = '1600', runsArg = '5', qArg = '60', sArg = '8'] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: avif-encode-compare.mjs A.wasm B.wasm [image] [size] [runs] [quality] [speed]');
const [size, runs, quality, speed] = [sizeArg, runsArg, qArg, sArg].map(Number);
const alpha = process.env.ALPHA === '1';
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

const { data } = await sharp(file).rotate().resize(size, size, { fit: 'cover' }).removeAlpha().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
const rgba = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
if (alpha) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) rgba[(y * size + x) * 4 + 3] = (x * 255) / (size - 1);

function encoder(path) {
  const module = new WebAssembly.Module(readFileSync(path));
  return () => {
    let memory;
    const env = {
      scaled_fail: (code, msg, len) => {
        throw new Error(`code ${code}: ${new TextDecoder().decode(new Uint8Array(memory.buffer, msg, len))}`);
      },
      scaled_read: () => 0,
      scaled_skip: () => {},
    };
    const wasi = { fd_close: () => 8, fd_seek: () => 8, fd_write: () => 8, proc_exit: () => { throw new Error('exit'); } };
    const { exports } = new WebAssembly.Instance(module, { env, wasi_snapshot_preview1: wasi });
    memory = exports.memory;
    exports._initialize();
    const pointer = exports.alloc(rgba.length);
    new Uint8Array(memory.buffer, pointer, rgba.length).set(rgba);
    const t0 = performance.now();
    const result = exports.encode_avif(pointer, size, size, quality, speed, alpha ? 1 : 0, 1);
    const ms = performance.now() - t0;
    const view = new DataView(memory.buffer, result, 8);
    const out = new Uint8Array(memory.buffer, view.getUint32(4, true), view.getUint32(0, true)).slice();
    return { ms, out, memory: memory.buffer.byteLength };
  };
}

const encoders = [
  ['A', a, encoder(a)],
  ['B', b, encoder(b)],
];
const results = new Map(encoders.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++) for (const [name, , encode] of encoders) results.get(name).push(encode());
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);
console.log(`${file.split('/').pop()} -> ${size}x${size}, quality ${quality}, speed ${speed}, ${alpha ? 'alpha' : 'opaque'}, ${runs} runs each, interleaved`);
for (const [name, path] of encoders) {
  const r = results.get(name);
  console.log(`${name} ${path}: ${(readFileSync(path).length / 1e6).toFixed(2)} MB module, median ${median(r.map((x) => x.ms)).toFixed(0)} ms, ${r[0].out.length} B sha256 ${sha(r[0].out)}, memory ${(r[0].memory / 2 ** 20).toFixed(1)} MiB`);
}
const [ra, rb] = [results.get('A'), results.get('B')];
console.log(`outputs ${Buffer.compare(Buffer.from(ra[0].out), Buffer.from(rb[0].out)) === 0 ? 'byte-identical' : 'DIFFER'}; time ratio B/A ${(median(rb.map((x) => x.ms)) / median(ra.map((x) => x.ms))).toFixed(3)}`);
