// Times the colour conversion to sRGB by Little CMS in the module (native/src/icc.c, through iccToSrgb) against the
// TypeScript matrix/TRC path (src/pipeline/pixels/colour.ts) on the same 1600×1067 RGBA pixels (a photo decoded and
// cropped), in plain Node, and reports how far apart their outputs are on the matrix profiles both can convert.
// Profiles: the fixtures' Display P3 (libvips', v4 para) and Adobe RGB (v2 curv gamma), the LUT-based test profile
// (v4 mAB, lcms2 only) and the grey gamma-1.8 profile (lcms2 only).
//
// lcms2 is timed three ways: with a new profile (its set-up: profile read, pipeline optimised; what the first master
// with a profile costs), with the transform the module kept from the call before (the same profile again), and the
// set-up alone (a 1×1 image with a new profile).
//
//   node bench/native/icc.mjs [file.jpg] [runs]      default: samples/photos/storm.jpg, 7 timed runs (medians reported)
import { loadScaled, readFileSync, root } from './load-codec.mjs';

const [file = `${root}samples/photos/storm.jpg`, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 7);
const { CodecSession, decodeJpegScaled, parseIccProfile, srgbTransform, applyColourTransform, iccToSrgb, iccForget, iccBytesInUse, extractIccProfile } = await loadScaled(
  "export * from './src/pipeline/pixels/colour.ts'; export * from './src/pipeline/codec/icc.ts'; export { extractIccProfile } from './src/formats/icc.ts';",
);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const WIDTH = 1600;
const HEIGHT = 1067;
const decoded = decodeJpegScaled(new Uint8Array(readFileSync(file)), 1, {}, CodecSession.open());
if (decoded.width < WIDTH || decoded.height < HEIGHT) throw new Error(`${file} is smaller than ${WIDTH}×${HEIGHT}`);
const source = new Uint8ClampedArray(WIDTH * HEIGHT * 4);
for (let y = 0; y < HEIGHT; y++) source.set(decoded.data.subarray(y * decoded.width * 4, (y * decoded.width + WIDTH) * 4), y * WIDTH * 4);
// A grey copy (r = g = b), as a grey master decodes.
const grey = source.slice();
for (let i = 0; i < grey.length; i += 4) grey[i] = grey[i + 1] = grey[i + 2] = (grey[i] * 77 + grey[i + 1] * 150 + grey[i + 2] * 29) >> 8;

const fixture = (name) => new Uint8Array(readFileSync(`${root}test/fixtures/${name}`));
const profiles = [
  ['Display P3 (matrix, v4 para)', await extractIccProfile(fixture('p3-quadrants-64x48.jpg'), 'jpeg'), source],
  ['Adobe RGB (matrix, v2 curv)', await extractIccProfile(fixture('adobergb-quadrants-64x48.jpg'), 'jpeg'), source],
  ['LUT Display P3 (v4 mAB)', fixture('lut-p3-v4.icc'), source],
  ['grey gamma 1.8', fixture('grey-gamma18.icc'), grey],
];

console.log(`${WIDTH}×${HEIGHT} RGBA from ${file.replace(root, '')}, medians of ${runs} runs (after one warm-up), Node ${process.version}`);
console.log('| profile | TypeScript matrix path ms | lcms2, new profile ms | lcms2, kept transform ms | lcms2 (kept) / TS | lcms2 set-up alone (1×1) ms | max / mean |Δ| per channel | channels differing |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, icc, pixels] of profiles) {
  const reading = parseIccProfile(icc);
  const ts = [];
  let tsOut;
  if (reading.ok) {
    for (let i = 0; i <= runs; i++) {
      const image = { data: pixels.slice(), width: WIDTH, height: HEIGHT };
      const t = performance.now();
      applyColourTransform(image, srgbTransform(parseIccProfile(icc).profile));
      if (i) ts.push(performance.now() - t);
      tsOut = image.data;
    }
  }
  const native = [];
  const fresh = [];
  const setup = [];
  let nativeOut;
  const session = CodecSession.open();
  const target = session.allocate(WIDTH, HEIGHT);
  const one = session.allocate(1, 1);
  for (let i = 0; i <= runs; i++) {
    for (const [times, forget, image] of [[fresh, true, target], [native, false, target], [setup, true, one]]) {
      if (image === target) target.data.set(pixels);
      else one.data.set(pixels.subarray(0, 4));
      if (forget) iccForget(session);
      const t = performance.now();
      const { refused } = iccToSrgb(session, icc, image);
      if (i) times.push(performance.now() - t);
      if (refused) throw new Error(`${name}: ${refused}`);
      if (image === target) nativeOut = target.data.slice();
    }
  }
  iccForget(session);
  if (iccBytesInUse(session) !== 0) throw new Error(`${name}: lcms2 still holds ${iccBytesInUse(session)} bytes`);
  let max = 0;
  let sum = 0;
  let differing = 0;
  let count = 0;
  if (tsOut) {
    for (let i = 0; i < tsOut.length; i++) {
      if ((i & 3) === 3) continue;
      const d = Math.abs(tsOut[i] - nativeOut[i]);
      max = Math.max(max, d);
      sum += d;
      differing += d ? 1 : 0;
      count++;
    }
  }
  const tsMs = ts.length ? median(ts) : undefined;
  const nativeMs = median(native);
  console.log(
    `| ${name} | ${tsMs?.toFixed(1) ?? '— (not a matrix profile)'} | ${median(fresh).toFixed(1)} | ${nativeMs.toFixed(1)} | ${tsMs ? (nativeMs / tsMs).toFixed(2) : '—'} | ${median(setup).toFixed(1)} | ${tsOut ? `${max} / ${(sum / count).toFixed(3)}` : '—'} | ${tsOut ? `${((100 * differing) / count).toFixed(1)}%` : '—'} |`,
  );
}
