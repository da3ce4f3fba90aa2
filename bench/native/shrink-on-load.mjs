// Measures the shrink-on-load decoder against jSquash's full decode in plain Node: time and peak memory per scale.
// Each case runs in a fresh child process; peak memory is the WASM linear memory after the decode (it only grows)
// and the growth of the process's peak RSS (VmHWM, reset through /proc/self/clear_refs) over the loaded, idle state.
//
//   node bench/native/shrink-on-load.mjs [file.jpg] [runs]      default: ../shared/corpus/photos/phone-13mp.jpg, 5 timed runs
//   node bench/native/shrink-on-load.mjs quality [file.jpg]     PSNR/SSIM of shrink-on-load + resize against full decode + resize
//   node bench/native/shrink-on-load.mjs cmyk-grids             the sharp reference grids used by test/pipeline/codec/shrink-on-load.test.ts
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScaled, root } from './load-codec.mjs';

const self = fileURLToPath(import.meta.url);
const [mode = 'bench', ...rest] = process.argv.slice(2);
const MiB = 2 ** 20;

function vmHwm() {
  const line = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return Number(line[1]) * 1024;
}
function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    /* not permitted: the RSS column is then the process's lifetime peak */
  }
}
const cpuMs = ({ user, system }) => (user + system) / 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** jSquash's decoder (and resize), initialised from the files as codecs.ts does; returns its WASM memory too. */
async function loadJsquash() {
  globalThis.ImageData ??= class ImageData {
    constructor(data, width, height) {
      Object.assign(this, { data, width, height, colorSpace: 'srgb' });
    }
  };
  // jSquash instantiates with `new WebAssembly.Instance` (and wasm-bindgen with WebAssembly.instantiate): record the
  // memories of both, imported or exported.
  const memories = new Set();
  const record = (instance, imports) => {
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.add(value);
    for (const value of Object.values(imports ?? {}).flatMap((m) => Object.values(m ?? {}))) {
      if (value instanceof WebAssembly.Memory) memories.add(value);
    }
  };
  WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
    construct(target, args) {
      const instance = Reflect.construct(target, args);
      record(instance, args[1]);
      return instance;
    },
  });
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (...args) => {
    const result = await instantiate(...args);
    record(result.instance ?? result, args[1]);
    return result;
  };
  const nm = `${root}node_modules/@jsquash/`;
  const { default: decode, init } = await import(`${nm}jpeg/decode.js`);
  await init(await WebAssembly.compile(readFileSync(`${nm}jpeg/codec/dec/mozjpeg_dec.wasm`)));
  const { default: resize, initResize } = await import(`${nm}resize/index.js`);
  await initResize(await WebAssembly.compile(readFileSync(`${nm}resize/lib/resize/pkg/squoosh_resize_bg.wasm`)));
  return {
    decode: (bytes) => decode(bytes.slice().buffer, { preserveOrientation: false }),
    resize: (image, width, height) => resize(image, { width, height, method: 'lanczos3', fitMethod: 'stretch', premultiply: false, linearRGB: false }),
    wasmBytes: () => [...memories].reduce((sum, m) => sum + m.buffer.byteLength, 0),
  };
}

/** One case in this (child) process: `ours:<denom>`, `jsquash`, or `jsquash-resize:<denom>`. */
async function child(file, kind, runs) {
  const bytes = new Uint8Array(readFileSync(file));
  const [name, arg] = kind.split(':');
  const denom = Number(arg ?? 1);
  let once;
  let wasm;
  if (name === 'ours') {
    const scaled = await loadScaled();
    once = async () => {
      const image = scaled.decodeJpegScaled(bytes, denom, { maxOutputBytes: 2 ** 32 - 1, maxWorkBytes: 0 });
      wasm = image.stats.peakMemoryBytes;
      return image;
    };
  } else {
    const jsquash = await loadJsquash();
    once = async () => {
      let image = await jsquash.decode(bytes);
      if (name === 'jsquash-resize' && denom > 1) image = await jsquash.resize(image, Math.ceil(image.width / denom), Math.ceil(image.height / denom));
      wasm = jsquash.wasmBytes();
      return image;
    };
  }
  globalThis.gc?.();
  resetPeak();
  const idle = vmHwm();
  let start = performance.now();
  let cpu = process.cpuUsage();
  let image = await once();
  const first = performance.now() - start;
  const firstCpu = cpuMs(process.cpuUsage(cpu));
  const rss = vmHwm() - idle;
  const firstWasm = wasm;
  const times = [];
  const cpus = [];
  for (let i = 0; i < runs; i++) {
    image = null;
    start = performance.now();
    cpu = process.cpuUsage();
    image = await once();
    times.push(performance.now() - start);
    cpus.push(cpuMs(process.cpuUsage(cpu)));
  }
  return { kind, width: image.width, height: image.height, first, firstCpu, median: median(times), medianCpu: median(cpus), wasm: firstWasm, rss };
}

function runChild(file, kind, runs) {
  const out = execFileSync(process.execPath, ['--expose-gc', self, 'child', file, kind, String(runs)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop());
}

async function bench(file = `${root}../shared/corpus/photos/phone-13mp.jpg`, runs = '5') {
  const kinds = ['ours:1', 'ours:2', 'ours:4', 'ours:8', 'jsquash', 'jsquash-resize:2', 'jsquash-resize:4', 'jsquash-resize:8'];
  console.log(`${file} (${readFileSync(file).length} bytes), Node ${process.version}, ${runs} timed runs after the first`);
  console.log('| decoder | output | first call (wall / CPU) | median (wall / CPU) | WASM memory | peak RSS growth |');
  console.log('|---|---|---|---|---|---|');
  for (const kind of kinds) {
    const r = runChild(file, kind, Number(runs));
    const label = kind.replace('ours:', 'scaled 1/').replace('jsquash-resize:', 'jSquash decode + lanczos3 to 1/').replace(/^jsquash$/, 'jSquash decode');
    console.log(`| ${label} | ${r.width}×${r.height} | ${r.first.toFixed(0)} / ${r.firstCpu.toFixed(0)} ms | ${r.median.toFixed(0)} / ${r.medianCpu.toFixed(0)} ms | ${(r.wasm / MiB).toFixed(1)} MiB | ${(r.rss / MiB).toFixed(1)} MiB |`);
  }
}

/** Mean SSIM of luma over 8×8 windows (no Gaussian weighting), and PSNR over RGB. */
function compare(a, b, channels) {
  const { width, height } = a.info;
  const luma = (d, i) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  let se = 0;
  for (let i = 0; i < width * height * channels; i += channels) for (let c = 0; c < 3; c++) se += (a.data[i + c] - b.data[i + c]) ** 2;
  const [c1, c2] = [(0.01 * 255) ** 2, (0.03 * 255) ** 2];
  let ssim = 0;
  let windows = 0;
  for (let y = 0; y + 8 <= height; y += 4) {
    for (let x = 0; x + 8 <= width; x += 4) {
      let [sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0];
      for (let j = 0; j < 8; j++) {
        for (let i = 0; i < 8; i++) {
          const k = ((y + j) * width + x + i) * channels;
          const [p, q] = [luma(a.data, k), luma(b.data, k)];
          sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q;
        }
      }
      const [ma, mb] = [sa / 64, sb / 64];
      const [va, vb, cov] = [saa / 64 - ma * ma, sbb / 64 - mb * mb, sab / 64 - ma * mb];
      ssim += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      windows++;
    }
  }
  return { psnr: 10 * Math.log10((255 * 255) / (se / (width * height * 3))), ssim: ssim / windows };
}

async function quality(file = `${root}../shared/corpus/photos/phone-13mp.jpg`) {
  const sharp = (await import(`${root}node_modules/sharp/lib/index.js`)).default;
  const scaled = await loadScaled();
  const bytes = new Uint8Array(readFileSync(file));
  const full = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = full.info;
  console.log(`${file}: shrink-on-load + lanczos3 (sharp) vs full decode + lanczos3 (sharp)`);
  console.log('| output | margin | scale | PSNR | SSIM (luma, 8×8) |');
  console.log('|---|---|---|---|---|');
  for (const width of [1600, 1200, 800, 400, 200]) {
    const height = Math.round((h * width) / w);
    const reference = await sharp(full.data, { raw: full.info }).resize(width, height, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    for (const margin of [1, 2]) {
      const denom = scaled.jpegScaleFor(w, h, width, height, margin);
      const image = scaled.decodeJpegScaled(bytes, denom);
      const ours = await sharp(Buffer.from(image.data.buffer), { raw: { width: image.width, height: image.height, channels: 4 } })
        .resize(width, height, { kernel: 'lanczos3', fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const { psnr, ssim } = compare(ours, reference, 3);
      console.log(`| ${width}×${height} | ${margin} | 1/${denom} | ${psnr.toFixed(1)} dB | ${ssim.toFixed(4)} |`);
    }
  }
}

async function cmykGrids() {
  const sharp = (await import(`${root}node_modules/sharp/lib/index.js`)).default;
  for (const path of ['edge/cmyk-video-001.jpg', 'edge/cmyk-premature-end.jpg']) {
    const { data, info } = await sharp(readFileSync(`${root}../shared/corpus/${path}`), { failOn: 'none' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const out = [];
    for (let gy = 0; gy < 4; gy++) {
      for (let gx = 0; gx < 4; gx++) {
        const [x0, x1] = [Math.floor((gx * info.width) / 4), Math.floor(((gx + 1) * info.width) / 4)];
        const [y0, y1] = [Math.floor((gy * info.height) / 4), Math.floor(((gy + 1) * info.height) / 4)];
        const sum = [0, 0, 0];
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum[c] += data[(y * info.width + x) * 3 + c];
        out.push(...sum.map((s) => Math.round(s / ((x1 - x0) * (y1 - y0)))));
      }
    }
    console.log(`'${path}': ${JSON.stringify(out)},`);
  }
}

if (mode === 'child') console.log(JSON.stringify(await child(rest[0], rest[1], Number(rest[2]))));
else if (mode === 'quality') await quality(rest[0]);
else if (mode === 'cmyk-grids') await cmykGrids();
else await bench(mode === 'bench' ? rest[0] : mode, mode === 'bench' ? rest[1] : rest[0]);
