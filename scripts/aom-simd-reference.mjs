#!/usr/bin/env node
// Writes test/pipeline/codec/aom-simd-exact.json: the AVIF files libaom's generic C makes from the inputs of
// test/helpers/aom-simd-inputs.ts (a build of the module without libaom's SIMD kernels: AOM_SIMD=0), each checked
// with sharp (libheif + libaom, an independent decoder): its size, SHA-256, decoded dimensions, and the mean |Δ| and
// luma SSIM of sharp's decode against the input. test/pipeline/codec/aom-simd-exact.test.ts holds the committed
// module (with the SIMD kernels) to the same bytes.
//
//   AOM_SIMD=0 OUT=/tmp/scaled-aom-c.wasm BUILD_DIR=… native/build/build.sh
//   node scripts/aom-simd-reference.mjs /tmp/scaled-aom-c.wasm            writes the JSON
//   node scripts/aom-simd-reference.mjs /tmp/scaled-aom-c.wasm --check    only compares the committed module with it
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { encodeAvifFresh as encode, loadScaled, root } from '../bench/native/load-codec.mjs';

const [cPath, mode] = process.argv.slice(2);
if (!cPath) throw new Error('usage: node scripts/aom-simd-reference.mjs <AOM_SIMD=0 module> [--check]');
const out = join(root, 'test/pipeline/codec/aom-simd-exact.json');
const hash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 32);
const extra = "export * from './test/helpers/aom-simd-inputs.ts'; export { ssimY8 } from './test/helpers/ssim8.ts';";
const c = await loadScaled(extra, resolve(cPath));
const committed = await loadScaled(extra);

/** [name, RGBA] of every input, decoded by module m. */
function inputs(m) {
  const list = [['synthetic', m.aomSimdTexture()]];
  for (const [path, denom] of m.AOM_SIMD_PHOTOS) {
    const session = m.CodecSession.open();
    const image = m.decodeJpegScaled(new Uint8Array(readFileSync(join(root, path))), denom, { maxOutputBytes: 2 ** 26, maxWorkBytes: 2 ** 26 }, session);
    list.push([`${path} 1/${denom}`, { width: image.width, height: image.height, data: image.data.slice() }]);
    session.recycle();
  }
  return list;
}

const outputs = {};
let differ = 0;
const ours = inputs(committed);
for (const [i, [name, image]] of inputs(c).entries()) {
  if (hash(image.data) !== hash(ours[i][1].data)) throw new Error(`${name}: the two modules decode it differently`);
  for (const options of c.AOM_SIMD_ENCODES) {
    const key = `${name} q${options.quality} s${options.speed}${options.alpha ? ' alpha' : ''}`;
    const avif = encode(c, image, options);
    const simd = encode(committed, image, options);
    const same = hash(avif) === hash(simd);
    if (!same) differ++;
    // sharp keeps the alpha plane, as the input's (the photos' is 255).
    const { data, info } = await sharp(Buffer.from(avif)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    // Mean |Δ| over RGB, and alpha when it is encoded (else the file is opaque whatever the input's alpha).
    let [abs, n] = [0, 0];
    for (let k = 0; k < data.length; k++) if (options.alpha || k % 4 !== 3) abs += Math.abs(data[k] - image.data[k]), n++;
    const entry = {
      bytes: avif.length,
      sha256: hash(avif),
      width: info.width,
      height: info.height,
      sharpMeanAbs: Number((abs / n).toFixed(3)),
      sharpSsimY: Number(c.ssimY8(image.data, data, info.width, info.height).toFixed(5)),
    };
    if (info.width !== image.width || info.height !== image.height) throw new Error(`${key}: sharp decodes ${info.width}×${info.height}`);
    outputs[key] = entry;
    console.log(`${same ? 'same   ' : 'DIFFERS'} ${key}: ${avif.length} B${same ? '' : ` (committed module: ${simd.length} B)`}, sharp: mean |Δ| ${entry.sharpMeanAbs}, SSIM-Y ${entry.sharpSsimY}`);
  }
}
console.log(`${Object.keys(outputs).length} encodes, ${differ} differ between the C build and the committed module`);
if (mode !== '--check') {
  const made = 'node scripts/aom-simd-reference.mjs <AOM_SIMD=0 module>: libaom 3.14.1 generic C, checked with sharp 0.34.5';
  writeFileSync(out, `${JSON.stringify({ made, outputs }, null, 1)}\n`);
  console.log(`wrote ${out}`);
}
process.exitCode = differ ? 1 : 0;
