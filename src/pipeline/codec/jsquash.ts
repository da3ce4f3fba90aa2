/**
 * What the jSquash codecs we still use (png.ts: PNG decode and encode; avif.ts: AVIF decode, when the codec session cannot fit it) share: their
 * initialisation with our statically imported WebAssembly, and conversion of their images to and from Pixels.
 */
import type encodePng from '@jsquash/png/encode.js';
import type { Pixels } from '../pixels/rgba.js';

// The jSquash .d.ts files declare `init(overrides)`, but the code takes `init(module, overrides)`.
export type InitWithModule = (module: WebAssembly.Module, overrides?: object) => Promise<unknown>;

export function once(start: () => Promise<unknown>): () => Promise<unknown> {
  let ready: Promise<unknown> | undefined;
  return () => {
    ready ??= start().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}

export function pixels(image: { data: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }; width: number; height: number }): Pixels {
  const data =
    image.data instanceof Uint8ClampedArray
      ? image.data
      : new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { data, width: image.width, height: image.height };
}

/** The DOM ImageData that jSquash's types name; workerd has no such global, and jSquash only reads these fields. */
type JsquashImage = Parameters<typeof encodePng>[0];

/** Some jSquash encoders read `data.buffer` whole: a view into a larger buffer (the codec session's memory) is compacted first. */
export function asImageData(image: Pixels): JsquashImage {
  const whole = image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength;
  const data = whole ? image.data : image.data.slice();
  return { data, width: image.width, height: image.height, colorSpace: 'srgb' } as JsquashImage;
}
