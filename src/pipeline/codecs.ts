/**
 * The jSquash codecs we still use (AVIF and PNG decoding, PNG encoding; JPEG/WebP decoding and WebP/AVIF/JPEG
 * encoding are ours, src/pipeline/scaled) behind one small interface, plus our own decoder of GIF's first frame (gif-decode.ts).
 */
import decodeAvif, { init as initAvifDecode } from '@jsquash/avif/decode.js';
import decodePng, { init as initPngDecode } from '@jsquash/png/decode.js';
import encodePng from '@jsquash/png/encode.js';
import { type GifDecodeOptions, decodeGifFirstFrame } from './gif-decode.js';
import { wasm } from './wasm-modules.js';

/** 8-bit RGBA pixels, row-major, no padding: what every step passes along. */
export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

// The jSquash .d.ts files declare `init(overrides)`, but the code takes `init(module, overrides)`.
type InitWithModule = (module: WebAssembly.Module, overrides?: object) => Promise<unknown>;

function once(start: () => Promise<unknown>): () => Promise<unknown> {
  let ready: Promise<unknown> | undefined;
  return () => {
    ready ??= start().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}

/**
 * Codec heaps hold a whole image in linear memory, which never shrinks: each emscripten codec gets a fresh
 * instance per call (jSquash's init replaces its module-level one), so the old memory is garbage once the result
 * is out, and an isolate's memory returns to its floor between transforms. Instantiating an already compiled
 * module is cheap next to any encode.
 */
const fresh = {
  avifDecode: () => (initAvifDecode as unknown as InitWithModule)(wasm.avifDecode),
};

// wasm-bindgen's glue cannot be instantiated twice: the PNG codec keeps one instance (its heap is reused).
const ready = {
  png: once(() => (initPngDecode as unknown as InitWithModule)(wasm.png)),
};

function pixels(image: { data: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }; width: number; height: number }): Pixels {
  const data =
    image.data instanceof Uint8ClampedArray
      ? image.data
      : new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { data, width: image.width, height: image.height };
}

/** The DOM ImageData that jSquash's types name; workerd has no such global, and jSquash only reads these fields. */
type JsquashImage = Parameters<typeof encodePng>[0];

/** Some jSquash encoders read `data.buffer` whole: a view into a larger buffer (our scaled decoder's memory) is compacted first. */
function asImageData(image: Pixels): JsquashImage {
  const whole = image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength;
  const data = whole ? image.data : image.data.slice();
  return { data, width: image.width, height: image.height, colorSpace: 'srgb' } as JsquashImage;
}

export const codecs = {
  async decodePng(bytes: ArrayBuffer): Promise<Pixels> {
    await ready.png();
    return pixels(await decodePng(bytes));
  },
  async decodeAvif(bytes: ArrayBuffer): Promise<Pixels> {
    await fresh.avifDecode();
    const image = await decodeAvif(bytes);
    if (!image) throw new Error('AVIF decoder returned nothing');
    return pixels(image);
  },
  /** The first frame of a GIF, composited onto a transparent logical screen (clipped to it, its work bounded). */
  decodeGifFirstFrame(bytes: ArrayBuffer, options?: GifDecodeOptions): Pixels {
    return decodeGifFirstFrame(new Uint8Array(bytes), options);
  },

  async encodePng(image: Pixels): Promise<ArrayBuffer> {
    await ready.png();
    return encodePng(asImageData(image));
  },
};
