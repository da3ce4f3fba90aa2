/** Chooses the output format from what the URL asked for, the client's Accept header and what the image needs. */

import type { OutputFormat, RequestedFormat } from './types';

/** Longest Accept header we read; browsers send under 200 characters. */
export const MAX_ACCEPT_LENGTH = 4096;
/** Most media ranges we read from one Accept header. */
export const MAX_ACCEPT_ENTRIES = 64;

const MEDIA_RANGE = /^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/;
// RFC 9110 §12.4.2 qvalue: 0..1 with at most three decimals.
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

const contentTypes: Record<OutputFormat, string> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  'baseline-jpeg': 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
};

/**
 * Reads an Accept header into media range (lowercased, parameters dropped) → q. Entries with a malformed
 * media range or q are skipped; when a range repeats, the first one counts. Bounded: the header is cut
 * at 4096 characters and at most 64 entries are read.
 *
 * @example
 * parseAccept('image/avif,image/webp;q=0.8') // → Map { 'image/avif' => 1, 'image/webp' => 0.8 }
 */
export function parseAccept(header: string | null): Map<string, number> {
  const ranges = new Map<string, number>();
  if (header === null) return ranges;
  let read = 0;
  for (const entry of header.slice(0, MAX_ACCEPT_LENGTH).split(',')) {
    if (entry.trim() === '') continue;
    if (read++ >= MAX_ACCEPT_ENTRIES) break;
    const [range = '', ...parameters] = entry.split(';').map((part) => part.trim());
    const mediaRange = range.toLowerCase();
    if (!MEDIA_RANGE.test(mediaRange)) continue;
    let q = 1;
    for (const parameter of parameters) {
      const equals = parameter.indexOf('=');
      if (equals === -1) continue;
      if (parameter.slice(0, equals).trim().toLowerCase() !== 'q') continue;
      const value = parameter.slice(equals + 1).trim();
      q = QVALUE.test(value) ? Number(value) : NaN;
    }
    if (Number.isNaN(q) || ranges.has(mediaRange)) continue;
    ranges.set(mediaRange, q);
  }
  return ranges;
}

function accepts(ranges: Map<string, number>, mediaType: string): boolean {
  // Only an explicit listing counts: `image/*` and `*/*` are sent by clients that cannot decode AVIF or WebP.
  return (ranges.get(mediaType) ?? 0) > 0;
}

/**
 * The format to encode. An explicit `format=` is obeyed whatever Accept says, except that an AVIF larger than
 * `avifLimitPixels` (what the AVIF encoder may hold in memory) is served as WebP, best effort as Cloudflare does.
 * For `auto`: AVIF when the client lists `image/avif` and the output is within `avifMaxPixels`; else WebP when it
 * lists `image/webp`; else PNG when the image has alpha; else JPEG. `json` is not an image format: the caller
 * answers it before negotiating, so passing it here is a programming error.
 */
export function negotiateFormat(input: {
  requested: RequestedFormat;
  accept: string | null;
  hasAlpha: boolean;
  outputPixels: number;
  avifMaxPixels: number;
  avifLimitPixels: number;
}): OutputFormat {
  const { requested } = input;
  if (requested === 'json') throw new Error('negotiateFormat: format=json has no image format to negotiate');
  if (requested === 'avif' && input.outputPixels > input.avifLimitPixels) return 'webp';
  if (requested !== 'auto') return requested;
  const ranges = parseAccept(input.accept);
  const avifPixels = Math.min(input.avifMaxPixels, input.avifLimitPixels);
  if (accepts(ranges, 'image/avif') && input.outputPixels <= avifPixels) return 'avif';
  if (accepts(ranges, 'image/webp')) return 'webp';
  return input.hasAlpha ? 'png' : 'jpeg';
}

/** The `Content-Type` of an output format. */
export function contentTypeOf(format: OutputFormat): string {
  return contentTypes[format];
}
