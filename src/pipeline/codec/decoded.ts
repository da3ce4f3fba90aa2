/** What the session's decoders share: their options, what a decode reports, and the pixels it leaves in the session. */
import type { CodecSession, DecodeReport, SessionPixels } from './session.js';

export interface DecodeOptions {
  /** Refuse (before allocating) an output whose width × height × 4 exceeds this. Default 64 MiB (16.7 MP). */
  maxOutputBytes?: number;
  /**
   * JPEG only: libjpeg's budget for its own working memory (`max_memory_to_use`), which is mostly the whole-image
   * coefficient buffers of progressive files (about 2 bytes per pixel per component, whatever the scale).
   * Default 96 MiB, which is also the most the module itself can ever grow to.
   */
  maxWorkBytes?: number;
  /** JPEG only: treat libjpeg's warnings (corrupt data, premature end of file) as errors. Default true. */
  strict?: boolean;
}

export interface DecodeStats {
  /** The instance's linear memory after the decode. WASM memory only grows, so this is the decode's peak. */
  peakMemoryBytes: number;
  /** Input held in linear memory at once: a 64 KiB window for JPEG (read from JS in pieces), the whole file for WebP. */
  inputBytesInHeap: number;
  /** The file's own dimensions, from its header. */
  sourceWidth: number;
  sourceHeight: number;
  /** JPEG: progressive (multi-scan), so its coefficients were buffered whole. */
  progressive: boolean;
}

/** RGBA pixels in stored orientation (EXIF orientation is not applied), in a session's memory, with what the decode cost. */
export type DecodedPixels = SessionPixels & { stats: DecodeStats };

export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_WORK_BYTES = 96 * 1024 * 1024;
const UINT32_MAX = 0xffff_ffff;

export function statsOf(session: CodecSession, report: DecodeReport): DecodeStats {
  return {
    peakMemoryBytes: session.memoryBytes,
    inputBytesInHeap: report.inputBytesInHeap,
    sourceWidth: report.sourceWidth,
    sourceHeight: report.sourceHeight,
    progressive: report.progressive,
  };
}

/** Decoded pixels in `session`, with what the decode cost. */
export function decoded(session: CodecSession, report: DecodeReport): SessionPixels & { stats: DecodeStats } {
  return Object.assign(session.adopt(report.pointer, report.width, report.height), { stats: statsOf(session, report) });
}

export function byteLimit(value: number | undefined, fallback: number, name: string): number {
  const limit = value ?? fallback;
  if (!Number.isInteger(limit) || limit < 0 || limit > UINT32_MAX) throw new RangeError(`${name} must be an integer in 0..2^32-1`);
  return limit;
}
