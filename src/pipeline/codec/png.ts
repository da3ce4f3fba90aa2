/** PNG through jSquash (libpng via wasm-bindgen): decoded whole, and encoded. */
import decodePngBytes, { init as initPngDecode } from '@jsquash/png/decode.js';
import encodePngImage from '@jsquash/png/encode.js';
import type { Pixels } from '../pixels/rgba.js';
import { asImageData, type InitWithModule, once, pixels } from './jsquash.js';
import { wasm } from './wasm-modules.js';

// wasm-bindgen's glue cannot be instantiated twice: the PNG codec keeps one instance (its heap is reused).
const ready = once(() => (initPngDecode as unknown as InitWithModule)(wasm.png));

export async function decodePng(bytes: ArrayBuffer): Promise<Pixels> {
  await ready();
  return pixels(await decodePngBytes(bytes));
}

export async function encodePng(image: Pixels): Promise<ArrayBuffer> {
  await ready();
  return encodePngImage(asImageData(image));
}
