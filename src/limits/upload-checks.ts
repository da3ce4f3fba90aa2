/**
 * What an upload must be before anything is stored: an image we take by its magic bytes (not its name or its
 * Content-Type), with a readable header and a pixel count a transform can afford. Pure: bytes in, header or ImageError out.
 */
import { ImageError } from '../http/problem.js';
import { type InputLimits, checkSourceSize } from '../options/decode-plan.js';
import type { InputFormat } from '../options/types.js';
import { type HeaderInfo, readImageHeader, sniffFormat } from '../formats/header.js';

/** Content-Types that agree with each sniffed format. */
const declaredTypes: Record<InputFormat, readonly string[]> = {
  jpeg: ['image/jpeg', 'image/jpg', 'image/pjpeg'],
  png: ['image/png', 'image/apng'],
  webp: ['image/webp'],
  avif: ['image/avif'],
  gif: ['image/gif'],
};

/** Content-Types that claim nothing in particular. */
const neutralTypes = ['', 'application/octet-stream', 'binary/octet-stream'];

/** How far browsers' content sniffers look (WHATWG MIME Sniffing, "resource header": 1445 bytes). */
const SNIFF_WINDOW = 1445;

/** Markup that would make a sniffing client take the file as a document or script (an image/HTML polyglot). */
const MARKUP = /<(!doctype|html|head|body|script|iframe|object|embed|svg|\?php)[\s/>]/i;

function unsupported(detail: string): ImageError {
  return new ImageError(415, 'unsupported-format', detail);
}

/** The Content-Type must be absent, neutral, or name the format the bytes are. */
function checkDeclaredType(contentType: string | undefined, format: InputFormat): void {
  const declared = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (neutralTypes.includes(declared) || declaredTypes[format].includes(declared)) return;
  throw unsupported(`the body is ${format.toUpperCase()} by its magic bytes but was sent as Content-Type: ${declared.slice(0, 100)}`);
}

/**
 * Checks an upload and reads its header: empty, unknown or markup-laden bytes and a contradicting Content-Type
 * → 415, an unreadable header or absurd dimensions → 422, more pixels than its format's limit → 413.
 *
 * @example inspectUpload(bytes, 'image/jpeg', inputLimits(config)) // { format: 'jpeg', width: 1680, height: 1050, … }
 */
export function inspectUpload(bytes: Uint8Array, contentType: string | undefined, limits: InputLimits): HeaderInfo {
  if (bytes.byteLength === 0) throw unsupported('the body is empty');
  const format = sniffFormat(bytes);
  if (format === null) {
    throw unsupported('the body is not a JPEG, PNG, WebP, AVIF or GIF image by its magic bytes (SVG, HTML and other types are not taken)');
  }
  checkDeclaredType(contentType, format);
  const head = String.fromCharCode(...bytes.subarray(0, SNIFF_WINDOW));
  if (MARKUP.test(head)) throw unsupported(`the ${format.toUpperCase()} carries HTML/SVG/script markup in its first bytes (a polyglot)`);
  const info = readImageHeader(bytes);
  // The same per-format limit the transform path applies, so nothing is stored that could never be served.
  checkSourceSize(info, limits);
  return info;
}
