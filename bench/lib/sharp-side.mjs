// @ts-check
/**
 * The other side of the transform bench: sharp (libvips) on one thread, at the settings that match ours, and
 * the references that SSIM compares both against.
 */
import sharp from 'sharp';
import { luma } from './ssim.mjs';

sharp.concurrency(1);
// libvips' operation cache would serve repeated runs of one pipeline from memory.
sharp.cache(false);

/**
 * The encoder settings that match our pipeline's (src/pipeline/steps/encode.ts): WebP method 4 with lossless alpha;
 * AVIF 4:2:0, libaom cpu-used = 9 − effort, so effort 9 − speed; JPEG as libjpeg-turbo writes it for us: the
 * standard (Annex K) tables, progressive, optimised Huffman, 4:2:0, no trellis (mozjpeg's extras off).
 * @param {sharp.Sharp} pipeline
 * @param {import('./ours.mjs').TransformCase} c
 */
function encodeLikeOurs(pipeline, c) {
  switch (c.format) {
    case 'webp':
      return pipeline.webp({ quality: c.quality, effort: 4, alphaQuality: 100 });
    case 'avif':
      return pipeline.avif({ quality: c.quality, effort: Math.max(0, Math.min(9, 9 - c.speed)), chromaSubsampling: '4:2:0' });
    case 'jpeg':
      // Our pipeline flattens alpha onto white for JPEG; libvips would flatten onto black.
      return pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: c.quality, progressive: true, optimiseCoding: true, chromaSubsampling: '4:2:0' });
  }
}

/**
 * One transform with sharp, timed from the master's bytes to the encoded output. sharp keeps its default
 * shrink-on-load (libjpeg and libwebp decode at 1/2, 1/4, 1/8 scale when the target is that much smaller):
 * that is what a sharp user gets.
 * @param {import('./ours.mjs').TransformCase} c
 * @returns {Promise<import('./ours.mjs').TransformOutput & { cpuMs: number }>}
 */
export async function sharpTransform(c) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const pipeline = sharp(c.master.bytes).rotate().resize({ width: c.width, withoutEnlargement: true, kernel: 'lanczos3' });
  const { data, info } = await encodeLikeOurs(pipeline, c).toBuffer({ resolveWithObject: true });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, bytes: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/**
 * The reference for SSIM: the master downscaled by libvips with Lanczos-3 from full resolution (no
 * shrink-on-load), flattened onto white, as luma.
 * @param {import('./masters.mjs').Master} master
 * @param {number} width
 * @param {number} height
 */
export async function referenceLuma(master, width, height) {
  const { data, info } = await sharp(master.bytes)
    .rotate()
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3', fastShrinkOnLoad: false })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return luma(new Uint8Array(data.buffer, data.byteOffset, data.length), info.channels);
}

/**
 * An encoded output decoded by libvips, flattened onto white, as luma.
 * @param {Uint8Array} encoded
 */
export async function decodedLuma(encoded) {
  const { data, info } = await sharp(encoded).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { luma: luma(new Uint8Array(data.buffer, data.byteOffset, data.length), info.channels), width: info.width, height: info.height };
}
