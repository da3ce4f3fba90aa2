// jSquash's own JPEG (mozjpeg) decoder and encoder, WebP and AVIF decoders and Lanczos-3 resize: independent references for our
// decoders, encoders and resampler, and an encoder of test JPEGs (mozjpeg options: chroma_subsample 1 is 4:4:4). A .js file because their .wasm.d.ts files break tsc (see src/pipeline/wasm-modules.js).
import decodeJpeg, { init as initJpegDecode } from '@jsquash/jpeg/decode.js';
import jpegWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';
import encodeJpeg, { init as initJpegEncode } from '@jsquash/jpeg/encode.js';
import jpegEncodeWasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm';
import resize, { initResize } from '@jsquash/resize';
import decodeWebp, { init as initWebpDecode } from '@jsquash/webp/decode.js';
import webpWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';
import resizeWasm from '@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm';
import decodeAvif, { init as initAvifDecode } from '@jsquash/avif/decode.js';
import avifWasm from '@jsquash/avif/codec/dec/avif_dec.wasm';

let resizeReady;
let jpegReady;

export async function jsquashResize(image, width, height) {
  resizeReady ??= initResize(resizeWasm);
  await resizeReady;
  const out = await resize(image, { width, height, method: 'lanczos3', fitMethod: 'stretch', premultiply: false, linearRGB: false });
  return { data: out.data, width: out.width, height: out.height };
}

export async function jsquashDecodeJpeg(bytes) {
  jpegReady ??= initJpegDecode(jpegWasm);
  await jpegReady;
  const image = await decodeJpeg(bytes.slice().buffer, { preserveOrientation: false });
  return { data: image.data, width: image.width, height: image.height };
}

let webpReady;

export async function jsquashDecodeWebp(bytes) {
  webpReady ??= initWebpDecode(webpWasm);
  await webpReady;
  const image = await decodeWebp(bytes.slice().buffer);
  return { data: image.data, width: image.width, height: image.height };
}

let jpegEncodeReady;

export async function jsquashEncodeJpeg(image, options) {
  jpegEncodeReady ??= initJpegEncode(jpegEncodeWasm);
  await jpegEncodeReady;
  const { quality, progressive = false, ...rest } = options;
  const data = image.data instanceof Uint8ClampedArray ? image.data : new Uint8ClampedArray(image.data);
  return new Uint8Array(await encodeJpeg({ data, width: image.width, height: image.height, colorSpace: 'srgb' }, { quality, progressive, baseline: !progressive, optimize_coding: true, ...rest }));
}

let avifReady;

// jSquash's AVIF decoder (libavif + dav1d): independent of our libaom-based decoder and encoder. A fresh instance per
// call, as the worker's old path did (its heap never shrinks).
export async function jsquashDecodeAvif(bytes) {
  avifReady = initAvifDecode(avifWasm);
  await avifReady;
  const image = await decodeAvif(bytes.slice().buffer);
  if (!image) throw new Error('jSquash AVIF decoder returned nothing');
  return { data: image.data, width: image.width, height: image.height };
}
