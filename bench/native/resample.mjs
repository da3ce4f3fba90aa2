// Times the module's Lanczos-3 resampler (native/src/resample.c, through CodecSession.resample) against the TypeScript
// one (src/pipeline/pixels/resample.ts) in plain Node, on the same pixels, and reports how far apart their outputs are.
// The source is a photo (samples/photos/dune.jpg, or the file given) decoded and tiled to each size, in memory.
//
//   node bench/native/resample.mjs [file.jpg] [runs]      default: dune.jpg, 5 timed runs (medians reported)
//   node bench/native/resample.mjs stream file.jpg [width] [runs]
//       the JPEG streamed at full size and resampled to `width` (default 1600) as it decodes: decoding alone (every
//       row read), decode + C resample from the stream in the module, decode + TS resample of the stream's rows
import { loadScaled, readFileSync, root } from './load-codec.mjs';

const streamMode = process.argv[2] === 'stream';
const [file = `${root}samples/photos/dune.jpg`, ...rest] = process.argv.slice(streamMode ? 3 : 2);
const runs = Number(rest[streamMode ? 1 : 0] ?? 5);

const { CodecSession, decodeJpegScaled, resample, streamJpegScaled } = await loadScaled("export { resample } from './src/pipeline/pixels/resample.ts';");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (streamMode) {
  const bytes = readFileSync(file);
  const width = Number(rest[0] ?? 1600);
  const time = (body) => {
    const session = CodecSession.open();
    const t = performance.now();
    const out = body(session);
    return [performance.now() - t, out];
  };
  const options = { premultiply: false, linear: false };
  const decodeOnly = [];
  const native = [];
  const ts = [];
  let size;
  let nativeOut;
  let tsOut;
  for (let i = 0; i < runs; i++) {
    decodeOnly.push(
      time((session) => {
        const rows = streamJpegScaled(session, bytes, 1);
        for (let y = 0; y < rows.height; y++) rows.row(y);
        rows.finish();
        size = rows;
      })[0],
    );
    const height = Math.round((size.height * width) / size.width);
    const crop = { x: 0, y: 0, width: size.width, height: size.height };
    let ms;
    [ms, nativeOut] = time((session) => {
      const rows = streamJpegScaled(session, bytes, 1);
      const target = session.resample('jpeg-stream', crop, session.allocate(width, height), options);
      rows.finish();
      return target.data.slice();
    });
    native.push(ms);
    [ms, tsOut] = time((session) => {
      const rows = streamJpegScaled(session, bytes, 1);
      const out = resample(rows, crop, width, height, options);
      rows.finish();
      return out.data;
    });
    ts.push(ms);
  }
  const { max, mean } = diff(nativeOut, tsOut);
  const d = median(decodeOnly);
  console.log(`${file.split('/').pop()} ${size.width}×${size.height} → ${width} px wide, streamed, medians of ${runs}:`);
  console.log(`  decode only          ${d.toFixed(1).padStart(7)} ms`);
  console.log(`  decode + C resample  ${median(native).toFixed(1).padStart(7)} ms  (resample ≈ ${(median(native) - d).toFixed(1)} ms)`);
  console.log(`  decode + TS resample ${median(ts).toFixed(1).padStart(7)} ms  (resample ≈ ${(median(ts) - d).toFixed(1)} ms)`);
  console.log(`  C vs TS output: max ${max}, mean ${mean.toExponential(2)}`);
  process.exit(0);
}

const photo = decodeJpegScaled(readFileSync(file), 1);
const base = { data: photo.data.slice(), width: photo.width, height: photo.height };

/** The photo tiled (mirrored at the seams, so there are no hard edges) to width × height. */
function tiled(width, height) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const ty = Math.floor(y / base.height) % 2 ? base.height - 1 - (y % base.height) : y % base.height;
    for (let x = 0; x < width; x++) {
      const tx = Math.floor(x / base.width) % 2 ? base.width - 1 - (x % base.width) : x % base.width;
      const s = (ty * base.width + tx) * 4;
      data.set(base.data.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

function diff(a, b) {
  let max = 0;
  let sum = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    if (d) differing++;
    sum += d;
  }
  return { max, mean: sum / a.length, differing };
}

const cases = [
  [3120, 4208, 1600, 2158],
  [2016, 1512, 1600, 1200],
];
const modes = [
  { premultiply: false, linear: false },
  { premultiply: true, linear: false },
  { premultiply: false, linear: true },
];
for (const [sw, sh, dw, dh] of cases) {
  const image = tiled(sw, sh);
  const session = CodecSession.open();
  const source = session.hold(image);
  const target = session.allocate(dw, dh);
  const crop = { x: 0, y: 0, width: sw, height: sh };
  for (const options of modes) {
    const c = [];
    const ts = [];
    let tsOut;
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      session.resample(source, crop, target, options);
      c.push(performance.now() - t);
      t = performance.now();
      tsOut = resample(image, crop, dw, dh, options);
      ts.push(performance.now() - t);
    }
    const { max, mean, differing } = diff(target.data, tsOut.data);
    const flags = [options.premultiply && 'premultiply', options.linear && 'linear'].filter(Boolean).join('+') || 'plain';
    console.log(
      `${sw}×${sh} → ${dw}×${dh} ${flags.padEnd(11)} C ${median(c).toFixed(1).padStart(6)} ms  TS ${median(ts).toFixed(1).padStart(6)} ms  ` +
        `×${(median(ts) / median(c)).toFixed(1)}  diff max ${max} mean ${mean.toExponential(2)} (${differing} of ${target.data.length} samples)`,
    );
  }
}
