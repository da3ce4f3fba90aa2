// Our JPEG encoder (encode_jpeg in src/pipeline/codec/scaled.wasm: native/src/jpeg-encode.c, libjpeg-turbo 2.1.5) against
// jSquash's mozjpeg (@jsquash/jpeg, as the worker used it before: a fresh instance per encode) on the same RGBA
// (a real photo resized by sharp), in one Node process: output bytes, median encode time, WASM memory after an encode
// in a fresh instance, and the quality of each output as sharp decodes it (luma PSNR and SSIM against the resized
// source, and PSNR over RGB so chroma counts). Then the lowest libjpeg-turbo quality whose luma PSNR (luma SSIM, RGB
// PSNR) reaches mozjpeg's, and its bytes. Needs
// node_modules (sharp, @jsquash/jpeg); native/README.md has the numbers.
//
//   node bench/native/jpeg-encode.mjs [width ...]          default widths 1600 800
//   PHOTOS=a.jpg,b.jpg  (default phone-13mp, Storm, Wood, flower-q85-420 from ../shared/corpus/photos)
//   RUNS=3  QUALITY=82 (mozjpeg's, and ours for the same-number row)  JPEG_WASM=/tmp/x.wasm (another build)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = fileURLToPath(new URL('../..', import.meta.url));
const corpus = `${root}../shared/corpus/photos/`;
const photos = (process.env.PHOTOS ?? 'phone-13mp.jpg,Storm.jpg,Wood.jpg,flower-q85-420.jpg').split(',');
const widths = process.argv.slice(2).map(Number);
if (!widths.length) widths.push(1600, 800);
const runs = Number(process.env.RUNS ?? 3);
const quality = Number(process.env.QUALITY ?? 82);
const wasmPath = process.env.JPEG_WASM ?? `${root}src/pipeline/codec/scaled.wasm`;
const MiB = 2 ** 20;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------- ours: a fresh instance per encode, as a codec session
const Instance = WebAssembly.Instance; // before jSquash's memories are recorded below
const ourModule = await WebAssembly.compile(readFileSync(wasmPath));
function encodeOurs(rgba, width, height, q, progressive, takeInput = 1) {
  let memory;
  const fail = (what) => () => {
    throw new Error(what);
  };
  const instance = new Instance(ourModule, {
    env: {
      scaled_fail: (code, msg, len) => {
        throw new Error(`encode_jpeg failed (${code}): ${new TextDecoder().decode(new Uint8Array(memory.buffer, msg, len))}`);
      },
      scaled_read: () => 0,
      scaled_skip: () => {},
    },
    wasi_snapshot_preview1: { fd_close: () => 8, fd_seek: () => 8, fd_write: () => 8, proc_exit: fail('proc_exit') },
  });
  const e = instance.exports;
  memory = e.memory;
  e._initialize();
  const initial = memory.buffer.byteLength;
  // The RGBA is already in the session in the pipeline (decoded and resized there): the copy is not timed.
  const input = e.alloc(rgba.byteLength);
  new Uint8Array(memory.buffer, input, rgba.byteLength).set(rgba);
  const t0 = performance.now();
  const result = e.encode_jpeg(input, width, height, q, progressive ? 1 : 0, takeInput);
  const ms = performance.now() - t0;
  const [size, data] = new Uint32Array(memory.buffer, result, 2);
  const out = new Uint8Array(memory.buffer, data, size).slice();
  return { out, ms, memory: memory.buffer.byteLength, initial };
}

// ---------------------------------------------------------------- jSquash mozjpeg, a fresh instance per encode
const memories = [];
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(target, args) {
    const instance = Reflect.construct(target, args);
    for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) memories.push(v);
    return instance;
  },
});
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (...args) => {
  const r = await instantiate(...args);
  for (const v of Object.values((r.instance ?? r).exports)) if (v instanceof WebAssembly.Memory) memories.push(v);
  return r;
};
const nm = `${root}node_modules/@jsquash/jpeg/`;
const { default: jsquashEncode, init } = await import(`${nm}encode.js`);
const mozModule = await WebAssembly.compile(readFileSync(`${nm}codec/enc/mozjpeg_enc.wasm`));
async function encodeMozjpeg(rgba, width, height, progressive = true) {
  await init(mozModule); // codecs.ts: `fresh.jpegEncode()` before every encode
  // jSquash takes an ImageData: the worker hands it a JS copy of the pixels (not timed here either).
  const data = new Uint8ClampedArray(rgba);
  const t0 = performance.now();
  const out = new Uint8Array(
    await jsquashEncode({ data, width, height }, { quality, progressive, baseline: !progressive, optimize_coding: true }),
  );
  const ms = performance.now() - t0;
  return { out, ms, memory: memories.at(-1).buffer.byteLength };
}

// ---------------------------------------------------------------- quality: luma PSNR and SSIM (Gaussian 11x11, σ 1.5)
function luma(rgbOrRgba, channels, n) {
  const y = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    y[i] = 0.299 * rgbOrRgba[j] + 0.587 * rgbOrRgba[j + 1] + 0.114 * rgbOrRgba[j + 2];
  }
  return y;
}

const KERNEL = (() => {
  const k = [];
  for (let i = -5; i <= 5; i++) k.push(Math.exp(-(i * i) / (2 * 1.5 * 1.5)));
  const sum = k.reduce((a, b) => a + b, 0);
  return Float32Array.from(k, (v) => v / sum);
})();

/** Separable Gaussian blur, edges clamped. */
function blur(src, w, h) {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -5; k <= 5; k++) s += KERNEL[k + 5] * src[row + Math.min(w - 1, Math.max(0, x + k))];
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -5; k <= 5; k++) s += KERNEL[k + 5] * tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}

function ssim(a, b, w, h) {
  const n = w * h;
  const aa = new Float32Array(n);
  const bb = new Float32Array(n);
  const ab = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    aa[i] = a[i] * a[i];
    bb[i] = b[i] * b[i];
    ab[i] = a[i] * b[i];
  }
  const [ma, mb, saa, sbb, sab] = [a, b, aa, bb, ab].map((x) => blur(x, w, h));
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const va = saa[i] - ma[i] * ma[i];
    const vb = sbb[i] - mb[i] * mb[i];
    const cov = sab[i] - ma[i] * mb[i];
    sum += ((2 * ma[i] * mb[i] + c1) * (2 * cov + c2)) / ((ma[i] * ma[i] + mb[i] * mb[i] + c1) * (va + vb + c2));
  }
  return sum / n;
}

function psnr(a, b) {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

/** PSNR over R, G and B together (so chroma counts too), against the source RGBA. */
function psnrRgb(rgba, rgb) {
  let se = 0;
  const n = rgb.length / 3;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    for (let c = 0; c < 3; c++) se += (rgba[j + c] - rgb[i * 3 + c]) ** 2;
  }
  return 10 * Math.log10((255 * 255) / (se / (3 * n)));
}

async function qualityOf(jpeg, ref, rgba, width, height) {
  const { data, info } = await sharp(Buffer.from(jpeg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) throw new Error(`decoded ${info.width}x${info.height}, not ${width}x${height}`);
  const y = luma(data, 3, width * height);
  return { psnr: psnr(ref, y), ssim: ssim(ref, y, width, height), psnrRgb: psnrRgb(rgba, data) };
}

// ---------------------------------------------------------------- the table
const rows = [];
console.log(`module ${wasmPath}; mozjpeg q${quality} progressive (jSquash defaults otherwise: trellis, quant_table 3, 4:2:0)`);
console.log(`ours: libjpeg-turbo 2.1.5 4:2:0 optimize_coding, progressive = jpeg_simple_progression; ${runs} runs, times median\n`);
for (const photo of photos) {
  for (const width of widths) {
    const { data: raw, info } = await sharp(`${corpus}${photo}`).rotate().resize({ width }).removeAlpha().ensureAlpha()
      .raw().toBuffer({ resolveWithObject: true });
    const rgba = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    const { height } = info;
    const ref = luma(rgba, 4, width * height);
    const label = `${photo} ${width}x${height}`;

    const moz = [];
    for (let i = 0; i < runs; i++) moz.push(await encodeMozjpeg(rgba, width, height));
    const ours = [];
    for (let i = 0; i < runs; i++) ours.push(encodeOurs(rgba, width, height, quality, true));
    const oursBaseline = encodeOurs(rgba, width, height, quality, false);
    const keep = encodeOurs(rgba, width, height, quality, true, 0); // take_input 0: the RGBA stays to the end
    const mq = await qualityOf(moz[0].out, ref, rgba, width, height);
    const oq = await qualityOf(ours[0].out, ref, rgba, width, height);

    // The lowest quality of ours whose luma PSNR (then SSIM) reaches mozjpeg's, by bisection over 1..100 (PSNR and
    // SSIM rise with libjpeg's quality, near enough: its tables are one table scaled).
    const cache = new Map();
    const at = async (q) => {
      if (!cache.has(q)) {
        const out = encodeOurs(rgba, width, height, q, true).out;
        cache.set(q, { q, bytes: out.length, ...(await qualityOf(out, ref, rgba, width, height)) });
      }
      return cache.get(q);
    };
    async function match(metric) {
      let lo = 1;
      let hi = 100;
      if ((await at(hi))[metric] < mq[metric]) return undefined;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((await at(mid))[metric] >= mq[metric]) hi = mid;
        else lo = mid + 1;
      }
      return at(lo);
    }
    const byPsnr = await match('psnr');
    const bySsim = await match('ssim');
    const byPsnrRgb = await match('psnrRgb');

    const row = {
      label,
      width,
      height,
      moz: { bytes: moz[0].out.length, ms: median(moz.map((r) => r.ms)), mem: moz[0].memory, ...mq },
      ours: { bytes: ours[0].out.length, ms: median(ours.map((r) => r.ms)), mem: ours[0].memory, initial: ours[0].initial, ...oq },
      oursBaseline: { bytes: oursBaseline.out.length, mem: oursBaseline.memory },
      keepMem: keep.memory,
      byPsnr,
      bySsim,
      byPsnrRgb,
    };
    rows.push(row);
    const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
    const mib = (b) => `${(b / MiB).toFixed(1)} MiB`;
    console.log(label);
    console.log(`  mozjpeg q${quality}   ${kb(row.moz.bytes).padStart(10)}  ${row.moz.ms.toFixed(0).padStart(4)} ms  heap ${mib(row.moz.mem)}  PSNR-Y ${mq.psnr.toFixed(2)} dB  SSIM-Y ${mq.ssim.toFixed(4)}  PSNR-RGB ${mq.psnrRgb.toFixed(2)} dB`);
    console.log(`  ours q${quality} prog ${kb(row.ours.bytes).padStart(10)}  ${row.ours.ms.toFixed(0).padStart(4)} ms  session ${mib(row.ours.mem)} (${mib(row.keepMem)} keeping the RGBA)  PSNR-Y ${oq.psnr.toFixed(2)} dB  SSIM-Y ${oq.ssim.toFixed(4)}  PSNR-RGB ${oq.psnrRgb.toFixed(2)} dB`);
    console.log(`  ours q${quality} base ${kb(row.oursBaseline.bytes).padStart(10)}`);
    for (const [name, m] of [['PSNR-Y', byPsnr], ['SSIM-Y', bySsim], ['PSNR-RGB', byPsnrRgb]]) {
      console.log(m ? `  ours at ${name}-matched q${m.q}: ${kb(m.bytes)} (${((m.bytes / row.moz.bytes - 1) * 100).toFixed(1)}% vs mozjpeg)  PSNR-Y ${m.psnr.toFixed(2)}  SSIM-Y ${m.ssim.toFixed(4)}  PSNR-RGB ${m.psnrRgb.toFixed(2)}` : `  ours never reaches mozjpeg's ${name}`);
    }
  }
}

// Markdown, for native/README.md.
console.log('\n| image | size | mozjpeg q%d: KiB / ms / heap MiB / PSNR-Y / SSIM-Y | ours q%d prog: KiB / ms / session MiB / PSNR-Y / SSIM-Y | ours q = mozjpeg PSNR-Y: q / KiB / Δ | ours q = mozjpeg SSIM-Y: q / KiB / Δ | ours q = mozjpeg PSNR-RGB: q / KiB / Δ |'.replaceAll('%d', quality));
console.log('|---|---|---|---|---|---|---|');
const f = (b) => (b / 1024).toFixed(1);
const pct = (m, base) => (m ? `q${m.q} / ${f(m.bytes)} / ${m.bytes >= base ? '+' : ''}${((m.bytes / base - 1) * 100).toFixed(0)}%` : 'n/a');
for (const r of rows) {
  console.log(
    `| ${r.label.split(' ')[0]} | ${r.width}×${r.height} | ${f(r.moz.bytes)} / ${r.moz.ms.toFixed(0)} / ${(r.moz.mem / MiB).toFixed(1)} / ${r.moz.psnr.toFixed(2)} / ${r.moz.ssim.toFixed(4)} ` +
      `| ${f(r.ours.bytes)} / ${r.ours.ms.toFixed(0)} / ${(r.ours.mem / MiB).toFixed(1)} / ${r.ours.psnr.toFixed(2)} / ${r.ours.ssim.toFixed(4)} ` +
      `| ${pct(r.byPsnr, r.moz.bytes)} | ${pct(r.bySsim, r.moz.bytes)} | ${pct(r.byPsnrRgb, r.moz.bytes)} |`,
  );
}
