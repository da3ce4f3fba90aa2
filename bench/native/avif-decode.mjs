// Our AVIF decoder (src/pipeline/codec/avif-stream.ts: libavif 0.11.1 + dav1d 1.0.0 in the codec session, YUV to
// RGBA a strip at a time) against jSquash's (@jsquash/avif: libavif + dav1d, the whole RGBA), on the same file in the
// same Node process, interleaved: median time to every RGBA row, and the WebAssembly memory each needed. jSquash gets
// a fresh instance per decode, as the worker's old path did. Needs node_modules (@jsquash/avif, esbuild).
//
//   node bench/native/avif-decode.mjs file.avif [runs]      (default 5 runs; JSQUASH=0 skips jSquash)
//   OLD=/tmp/old.wasm node bench/native/avif-decode.mjs ...  also another build of the module (e.g. main's), interleaved
//                                                            with ours; a decode it cannot fit is reported, not fatal
//   AVIF_WASM=/tmp/x.wasm ...   "ours" from another build of the module (build.sh with OUT=), default the committed one
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadScaled, root } from './load-codec.mjs';

const [file, runsArg = '5'] = process.argv.slice(2);
if (!file) throw new Error('usage: avif-decode.mjs file.avif [runs]');
const runs = Number(runsArg);
const bytes = new Uint8Array(readFileSync(file));
const MiB = 2 ** 20;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const memories = new Set();
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (...args) => {
  const r = await instantiate(...args);
  for (const v of Object.values((r.instance ?? r).exports)) if (v instanceof WebAssembly.Memory) memories.add(v);
  return r;
};
const codec = await loadScaled("export * from './src/pipeline/codec/avif-stream.ts';", process.env.AVIF_WASM && resolve(process.env.AVIF_WASM));
const oldCodec = process.env.OLD ? await loadScaled("export * from './src/pipeline/codec/avif-stream.ts';", process.env.OLD) : null;
const nm = `${root}node_modules/@jsquash/avif/`;
const { default: jsquashDecode, init } = await import(`${nm}decode.js`);
const jsquashModule = await WebAssembly.compile(readFileSync(`${nm}codec/dec/avif_dec.wasm`));

function ours(c = codec) {
  const session = c.CodecSession.open();
  const t0 = performance.now();
  const rows = c.streamAvifRows(session, bytes, { maxPixels: 100_000_000 });
  let checksum = 0;
  for (let y = 0; y < rows.height; y++) checksum += rows.row(y)[0];
  rows.finish();
  return { ms: performance.now() - t0, memory: session.memoryBytes, size: `${rows.width}×${rows.height}`, info: rows.avif, checksum };
}

async function jsquash() {
  memories.clear();
  await init(jsquashModule);
  const t0 = performance.now();
  const image = await jsquashDecode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const ms = performance.now() - t0;
  const memory = [...memories].reduce((sum, m) => sum + m.buffer.byteLength, 0);
  return { ms, memory, size: `${image.width}×${image.height}` };
}

const results = { ours: [], old: [], jsquash: [] };
let oldFailure = '';
for (let i = 0; i < runs; i++) {
  results.ours.push(ours());
  if (oldCodec && !oldFailure) {
    try {
      results.old.push(ours(oldCodec));
    } catch (error) {
      oldFailure = error instanceof Error ? error.message : String(error);
    }
  }
  if (process.env.JSQUASH !== '0') {
    try {
      results.jsquash.push(await jsquash());
    } catch (error) {
      if (i === 0) console.log(`jsquash failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
const o = results.ours;
console.log(`${file.split('/').pop()} (${(bytes.length / MiB).toFixed(2)} MiB): ${o[0].size}, ${o[0].info.depth}-bit, format ${o[0].info.yuvFormat}, alpha ${o[0].info.hasAlpha}; ${runs} runs, interleaved`);
console.log(`ours     median ${median(o.map((r) => r.ms)).toFixed(0)} ms, session memory ${(o[0].memory / MiB).toFixed(1)} MiB`);
if (oldCodec) {
  const d = results.old;
  if (!d.length) console.log(`old      failed: ${oldFailure}`);
  else {
    console.log(`old      median ${median(d.map((r) => r.ms)).toFixed(0)} ms, session memory ${(d[0].memory / MiB).toFixed(1)} MiB (${process.env.OLD})`);
    console.log(`time ratio ours/old ${(median(o.map((r) => r.ms)) / median(d.map((r) => r.ms))).toFixed(2)}; same rows: ${d[0].checksum === o[0].checksum ? 'checksum equal' : 'checksum differs'}`);
  }
}
if (results.jsquash.length) {
  const j = results.jsquash;
  console.log(`jsquash  median ${median(j.map((r) => r.ms)).toFixed(0)} ms, WebAssembly memory ${(j[0].memory / MiB).toFixed(1)} MiB (+ the RGBA copied out: ${((o[0].size.split('×').reduce((a, b) => a * b, 1) * 4) / MiB).toFixed(1)} MiB)`);
  console.log(`time ratio ours/jsquash ${(median(o.map((r) => r.ms)) / median(j.map((r) => r.ms))).toFixed(2)}`);
}
