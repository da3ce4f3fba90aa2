/**
 * How to decode a master so that memory follows the output, not the upload (shrink-on-load, as libvips does):
 * JPEG at the largest DCT reduction that still leaves the pixels the output needs, streamed a strip of rows at a
 * time into the resizer (so its decoded size costs time, not memory, and is bounded by the output limits: at most
 * 4× the output); WebP straight to the size the output needs; PNG and AVIF streamed a strip of rows at a time;
 * everything else whole. If a WebP decode would still
 * not fit `maxDecodedPixels`, it trades a little sharpness for memory (a smaller decode, then a slight upscale)
 * rather than failing.
 */
import { ImageError } from '../http/problem.js';
import type { MasterInfo, Rect, Size } from './types.js';

/** The reductions libjpeg can do in the DCT domain. */
export type JpegScale = 1 | 2 | 4 | 8;

export type DecodePlan =
  | { kind: 'jpeg'; denom: JpegScale; width: number; height: number }
  | { kind: 'webp'; width: number; height: number }
  /**
   * A PNG: streamed a strip of rows at a time when not interlaced; an interlaced one is decoded whole, and so must fit
   * `maxDecodedPixels` (the decode step checks, as only the file's IHDR says which it is).
   */
  | { kind: 'png'; width: number; height: number; maxDecodedPixels: number }
  /**
   * An AVIF: decoded to YUV in the codec session and converted to RGBA a strip of rows at a time, up to `maxPixels`;
   * one whose pictures do not fit the session's memory is a 413.
   */
  | { kind: 'avif'; width: number; height: number; maxPixels: number }
  /** Decoded whole; `maxWorkPixels` bounds what a GIF's LZW decoder may spend. */
  | { kind: 'full'; width: number; height: number; maxWorkPixels: number };

export interface InputLimits {
  /** Largest image held decoded at once: GIF and interlaced PNG masters, and what a WebP decodes to (JPEG, PNG and AVIF are streamed). */
  maxDecodedPixels: number;
  /** Largest JPEG master (it is decoded scaled and streamed: this bounds the work, not the memory). */
  maxJpegPixels: number;
  /** Largest WebP master (lossless WebP keeps a full-size buffer while it decodes, so this stays lower). */
  maxWebpPixels: number;
  /** Largest PNG master (streamed, so this bounds the work; an interlaced one must also fit maxDecodedPixels). */
  maxPngPixels: number;
  /** Largest AVIF master (its YUV planes are held whole in the codec session; RGBA is made a strip at a time). */
  maxAvifPixels: number;
}

/** The largest master of this format we take, in pixels (from its header, before anything is read). */
export function sourcePixelLimit(format: MasterInfo['format'], limits: InputLimits): number {
  if (format === 'jpeg') return limits.maxJpegPixels;
  if (format === 'webp') return limits.maxWebpPixels;
  if (format === 'png') return limits.maxPngPixels;
  if (format === 'avif') return limits.maxAvifPixels;
  return limits.maxDecodedPixels;
}

function tooLarge(info: MasterInfo, pixels: number, limit: number): ImageError {
  return new ImageError(413, 'input-too-large', `the ${info.format} master is ${info.width}×${info.height} (${(pixels / 1e6).toFixed(1)} MP), over the ${(limit / 1e6).toFixed(1)} MP limit for ${info.format}`);
}

/** Refuses a master over its format's limit; called before anything is read. */
export function checkSourceSize(info: MasterInfo, limits: InputLimits): void {
  const pixels = info.width * info.height;
  const limit = sourcePixelLimit(info.format, limits);
  if (pixels > limit) throw tooLarge(info, pixels, limit);
}

/** `crop` and `resize` are the plan's, in stored coordinates. */
export function planDecode(info: MasterInfo, crop: Rect, resize: Size, limits: InputLimits): DecodePlan {
  const { width, height } = info;
  if (info.format === 'jpeg') {
    const denom = jpegScaleFor(crop.width, crop.height, resize.width, resize.height);
    return { kind: 'jpeg', denom, width: Math.ceil(width / denom), height: Math.ceil(height / denom) };
  }
  if (info.format === 'webp' && !info.animated) {
    // Only shrink on load; an enlargement is decoded whole and resampled.
    let scale = Math.min(1, Math.max(resize.width / crop.width, resize.height / crop.height));
    if (width * height * scale * scale > limits.maxDecodedPixels) scale = Math.sqrt(limits.maxDecodedPixels / (width * height));
    return { kind: 'webp', width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
  }
  if (info.format === 'png') return { kind: 'png', width, height, maxDecodedPixels: limits.maxDecodedPixels };
  if (info.format === 'avif') {
    if (width * height > limits.maxAvifPixels) throw tooLarge(info, width * height, limits.maxAvifPixels);
    return { kind: 'avif', width, height, maxPixels: limits.maxAvifPixels };
  }
  if (width * height > limits.maxDecodedPixels) throw tooLarge(info, width * height, limits.maxDecodedPixels);
  return { kind: 'full', width, height, maxWorkPixels: limits.maxDecodedPixels };
}

/** The stored-coordinate crop, moved onto an image decoded at `decoded` size. */
export function cropOnDecoded(crop: Rect, source: Size, decoded: Size): Rect {
  if (decoded.width === source.width && decoded.height === source.height) return crop;
  const sx = decoded.width / source.width;
  const sy = decoded.height / source.height;
  const x = Math.min(decoded.width - 1, Math.floor(crop.x * sx));
  const y = Math.min(decoded.height - 1, Math.floor(crop.y * sy));
  return {
    x,
    y,
    width: Math.max(1, Math.min(decoded.width - x, Math.round(crop.width * sx))),
    height: Math.max(1, Math.min(decoded.height - y, Math.round(crop.height * sy))),
  };
}

/**
 * The largest JPEG reduction that still leaves at least `needWidth` × `needHeight` pixels (libjpeg rounds up, so
 * a 1/d decode is ceil(src / d)). `margin` > 1 keeps that much more resolution for the final resize, as libvips's
 * thumbnail does (it leaves a factor of 2; sharp's default `fastShrinkOnLoad` leaves none).
 */
export function jpegScaleFor(srcWidth: number, srcHeight: number, needWidth: number, needHeight: number, margin = 1): JpegScale {
  for (const denom of [8, 4, 2] as const) {
    if (Math.ceil(srcWidth / denom) >= needWidth * margin && Math.ceil(srcHeight / denom) >= needHeight * margin) return denom;
  }
  return 1;
}
