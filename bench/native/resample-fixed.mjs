// Times the module's int16 fixed-point resampler (native/src/resample-i16.c) against its float one
// (native/src/resample.c) in plain Node, streaming a JPEG (decoded at full size, resampled row by row as production
// does) or resampling a PNG (decoded by sharp, copied into the session), and reports how far apart their outputs are.
//
//   node bench/native/resample-fixed.mjs file.jpg|file.png [width] [runs]     default: 1600 px wide, 5 runs
//
// Prints medians of CPU time (process.cpuUsage; wall time on a loaded machine is mostly waiting): decoding alone (JPEG only), decode + float resample, decode + fixed resample, and the differences
// (max per channel, mean, share of samples that differ).
import sharp from 'sharp';
import { loadScaled, readFileSync } from './load-codec.mjs';

const [file, widthArg = '1600', runsArg = '5'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/native/resample-fixed.mjs file.jpg|file.png [width] [runs]');
  process.exit(2);
}
const width = Number(widthArg);
const runs = Number(runsArg);
const { CodecSession, streamJpegScaled, jpegScaleFor } = await loadScaled('', process.env.SCALED_WASM); // SCALED_WASM: another build
/** This process's CPU time in ms (user + system): on a shared machine, wall time is mostly waiting for a core. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bytes = readFileSync(file);
const isPng = bytes[0] === 0x89;

/** One run: ms and output pixels, for 'decode' (no resample), 'float' or 'fixed'. */
async function once(mode) {
  const session = CodecSession.open();
  if (isPng) {
    const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const decoded = { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
    const held = session.hold(decoded);
    const height = Math.round((decoded.height * width) / decoded.width);
    const t = cpuMs();
    const options = { premultiply: true, linear: true, arithmetic: mode };
    const out = session.resample(held, { x: 0, y: 0, width: decoded.width, height: decoded.height }, session.allocate(width, height), options);
    return [cpuMs() - t, out.data.slice()];
  }
  const t = cpuMs();
  const rows = streamJpegScaled(session, bytes, denom);
  if (mode === 'decode') {
    for (let y = 0; y < rows.height; y++) rows.row(y);
    rows.finish();
    return [cpuMs() - t, null];
  }
  const height = Math.round((rows.height * width) / rows.width);
  const crop = { x: 0, y: 0, width: rows.width, height: rows.height };
  const out = session.resample('jpeg-stream', crop, session.allocate(width, height), { premultiply: false, linear: true, arithmetic: mode });
  rows.finish();
  return [cpuMs() - t, out.data.slice()];
}

/** The JPEG's DCT scale as the decode plan picks it (src/options/decode-plan.ts): the smallest decode at least `width` wide. */
let denom = 1;
if (!isPng) {
  const probe = CodecSession.open();
  const rows = streamJpegScaled(probe, bytes, 1);
  denom = jpegScaleFor(rows.width, rows.height, width, Math.round((rows.height * width) / rows.width));
  rows.finish();
}

const times = { decode: [], float: [], fixed: [] };
let floatOut;
let fixedOut;
for (let i = 0; i < runs; i++) {
  for (const mode of isPng ? ['float', 'fixed'] : ['decode', 'float', 'fixed']) {
    const [ms, out] = await once(mode);
    times[mode].push(ms);
    if (mode === 'float') floatOut = out;
    if (mode === 'fixed') fixedOut = out;
  }
}
let max = 0;
let sum = 0;
let differ = 0;
for (let i = 0; i < floatOut.length; i++) {
  const d = Math.abs(floatOut[i] - fixedOut[i]);
  max = Math.max(max, d);
  sum += d;
  if (d) differ++;
}
const f = median(times.float);
const x = median(times.fixed);
console.log(`${file.split('/').pop()} → ${width} px wide (${isPng ? 'PNG decoded by sharp, resampled in the session, premultiplied' : `JPEG streamed at 1/${denom}`}, linear light), CPU ms, medians of ${runs}:`);
if (!isPng) console.log(`  decode only           ${median(times.decode).toFixed(1).padStart(7)} ms`);
console.log(`  ${isPng ? 'float resample' : 'decode + float'}        ${f.toFixed(1).padStart(7)} ms`);
console.log(`  ${isPng ? 'fixed resample' : 'decode + fixed'}        ${x.toFixed(1).padStart(7)} ms  (×${(x / f).toFixed(2)} of float)`);
if (!isPng) {
  const d = median(times.decode);
  console.log(`  resample alone: float ≈ ${(f - d).toFixed(1)} ms, fixed ≈ ${(x - d).toFixed(1)} ms (×${((x - d) / (f - d)).toFixed(2)})`);
}
console.log(`  fixed vs float: max ${max}, mean ${(sum / floatOut.length).toFixed(4)}, ${((100 * differ) / floatOut.length).toFixed(2)}% of samples differ`);
