// Writes test/pipeline/codec/avif-yuv-exact.json: the AVIF files a module whose RGBA to YUV conversion is libavif's
// own avifImageRGBToYUV makes from the inputs of test/helpers/avif-yuv-inputs.ts, and compares the committed module
// (native/src/avif-yuv.c) with them.
//
// The reference module has the committed one's libaom and libavif's own conversion: native/src/avif.c with
// `int converted = 0;` in place of the call to avif_rgba_to_yuv420 (a scratch copy of the tree), built elsewhere.
// (With libaom 3.6.0 it was the committed module from before avif-yuv.c:
// `git show 473f890:src/pipeline/codec/scaled.wasm`.)
//
//   OUT=/tmp/scaled-libavif-yuv.wasm BUILD_DIR=… native/build/build.sh     in that copy
//   node scripts/avif-yuv-reference.mjs /tmp/scaled-libavif-yuv.wasm
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeAvifFresh as encode, loadScaled, root } from '../bench/native/load-codec.mjs';

const [referencePath] = process.argv.slice(2);
if (!referencePath) throw new Error('usage: node scripts/avif-yuv-reference.mjs <module before avif-yuv.c>');
const extra = "export * from './test/helpers/avif-yuv-inputs.ts';";
const reference = await loadScaled(extra, resolve(referencePath));
const committed = await loadScaled(extra);
const hash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 32);

const outputs = {};
let differ = 0;
for (const [width, height] of reference.AVIF_YUV_SIZES) {
  const image = reference.avifYuvTexture(width, height);
  for (const options of reference.AVIF_YUV_ENCODES) {
    const key = `${width}x${height} q${options.quality} s${options.speed}${options.alpha ? ' alpha' : ''}`;
    outputs[key] = hash(encode(reference, image, options));
    if (hash(encode(committed, image, options)) !== outputs[key]) {
      differ++;
      console.log(`differs: ${key}`);
    }
  }
}
const made = "node scripts/avif-yuv-reference.mjs <a module with libavif's own conversion>: libavif 0.11.1's avifImageRGBToYUV, libaom 3.14.1";
writeFileSync(join(root, 'test/pipeline/codec/avif-yuv-exact.json'), `${JSON.stringify({ made, outputs }, null, 1)}\n`);
console.log(`wrote ${Object.keys(outputs).length} hashes; the committed module differs on ${differ}`);
