/**
 * `compression=fast`: Cloudflare "selects a quickest-to-compress file format, at a cost of increased file size and
 * lower image quality; it will usually override the format option and choose JPEG over WebP or AVIF". Here:
 * - with `format=auto`, an opaque output is a baseline JPEG (one scan: no progressive passes over the whole
 *   coefficient buffer), and one with transparency a WebP when the client takes it (method 0), else PNG;
 * - whatever the format, its encoder runs at its fastest: WebP method 0 (of libwebp's 0–6; we default to 4), AVIF
 *   speed 10 (of libavif's 0–10; `AVIF_SPEED` defaults to 8), JPEG baseline instead of progressive. An explicit
 *   `format=` is kept: a URL that names a format gets it.
 * Measured in workerd (samples/photos/storm.jpg, 1920×1280, to 800×533; encode time, best of 3, bytes): JPEG
 * progressive 15 ms / 20.2 kB → baseline 8 ms / 19.8 kB; WebP method 4 42 ms / 7.3 kB → method 0 9 ms / 9.5 kB;
 * AVIF speed 8 122 ms / 5.8 kB → speed 10 58 ms / 8.1 kB.
 * Not faster: JPEG keeps optimised Huffman tables and PNG keeps jSquash's zlib settings, since neither codec module
 * takes a switch for them (that would need the native module rebuilt). Pure.
 */
import { negotiateFormat } from './negotiate.js';
import type { OutputFormat } from './types.js';

/** libwebp's fastest method. */
export const FAST_WEBP_METHOD = 0;
/** libavif's fastest speed. */
export const FAST_AVIF_SPEED = 10;

/**
 * The format for `format=auto,compression=fast`: baseline JPEG when opaque; with transparency, WebP if `Accept`
 * lists it, else PNG.
 *
 * @example
 * fastFormat({ accept: 'image/avif,image/webp', hasAlpha: false }) // → 'baseline-jpeg'
 */
export function fastFormat(input: { accept: string | null; hasAlpha: boolean }): OutputFormat {
  if (!input.hasAlpha) return 'baseline-jpeg';
  // Negotiating with AVIF out of reach leaves exactly WebP-if-listed, else PNG.
  return negotiateFormat({ requested: 'auto', accept: input.accept, hasAlpha: true, outputPixels: 1, avifMaxPixels: 0, avifLimitPixels: 0 });
}
