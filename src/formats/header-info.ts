/**
 * What every format's strict header reader shares (jpeg.ts, png.ts, riff.ts, isobmff.ts, gif.ts): the HeaderInfo it
 * returns, its errors (422 `unreadable-header`, with HeaderBeyondBytesError when the header runs past the bytes
 * given), and the checked byte readers, which throw that error rather than read past the end.
 */
import { ImageError } from '../http/problem.js';
import type { InputFormat, MasterInfo } from '../options/types.js';
import { checkedReaders } from './bytes.js';

/**
 * The 422 thrown when the header continues past the bytes given: the file may be fine, and a caller that can afford
 * it may retry with more of it. Its problem body is that of any other `unreadable-header`.
 */
export class HeaderBeyondBytesError extends ImageError {
  constructor(
    detail: string,
    /** How many bytes were given. */
    readonly given: number,
  ) {
    super(422, 'unreadable-header', detail);
  }
}

/** Largest width or height we believe from any header. */
export const MAX_HEADER_SIDE = 100_000;

/** A master's header, with the coding details later steps need (CMYK, 12-bit, arithmetic-coded JPEGs …). */
export interface HeaderInfo extends MasterInfo {
  /** Bits per sample: JPEG precision (8, 12 …), PNG bit depth (1–16), AVIF `pixi` depth; 8 otherwise. */
  bitDepth: number;
  /** Colour channels, alpha excluded: 1 grey, 3 colour, 4 CMYK/YCCK JPEG. */
  components: number;
  /** A progressive JPEG (SOF2/6/10/14) or an interlaced PNG. */
  progressive: boolean;
  /** A JPEG with arithmetic entropy coding (SOF9–11, SOF13–15). */
  arithmetic: boolean;
  /** JPEG only: the SOFn marker byte (0xC0–0xCF) that gave the frame header. */
  sof?: number;
  /** JPEG only: the transform byte of an Adobe APP14 segment (0 none/CMYK, 1 YCbCr, 2 YCCK). */
  adobeTransform?: number;
}

/** A header with every coding detail at its most common value; each reader fills in what its format says. */
export function plain(format: InputFormat, width: number, height: number): HeaderInfo {
  return {
    format, width, height, hasAlpha: false, animated: false, orientation: 1,
    bitDepth: 8, components: 3, progressive: false, arithmetic: false,
  };
}

export function unreadable(detail: string): ImageError {
  return new ImageError(422, 'unreadable-header', detail);
}

export function beyond(b: Uint8Array, what: string): ImageError {
  return new HeaderBeyondBytesError(`${what} continues past the first ${b.length} bytes`, b.length);
}

/** The checked readers: a read past the end of the bytes given throws a HeaderBeyondBytesError. */
export const strict = checkedReaders((b) => beyond(b, 'the header'));

export const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
