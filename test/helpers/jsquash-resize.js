// jSquash's own Lanczos-3 resize, as a reference for ours (a .js file: its .wasm.d.ts breaks tsc; see
// src/pipeline/wasm-modules.js).
import resize, { initResize } from '@jsquash/resize';
import wasm from '@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm';

let ready;

export async function jsquashResize(image, width, height) {
  ready ??= initResize(wasm);
  await ready;
  const out = await resize(image, { width, height, method: 'lanczos3', fitMethod: 'stretch', premultiply: false, linearRGB: false });
  return { data: out.data, width: out.width, height: out.height };
}
