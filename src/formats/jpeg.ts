/**
 * JPEG marker segments (ITU T.81 B.1.1), walked leniently: from SOI to the first scan, for the readers that look
 * for metadata (EXIF in APP1, ICC in APP2). The strict walk to the frame header, which must say why it stopped, is
 * header.ts's.
 */
import { u16be } from './bytes.js';

/** Most segments a walk visits: real files have a few dozen. */
const MAX_SEGMENTS = 4096;

export interface JpegSegment {
  /** The marker's second byte (0xE1 for APP1 …); -1 where a marker was due and something else stood (the walk ends). */
  marker: number;
  /** Where the payload starts (after the marker and its 2-byte length). */
  body: number;
  /** One past the payload's last byte; may lie past the bytes given (a truncated file): callers check. */
  end: number;
}

/**
 * The segments before the first scan (SOS) or the end (EOI). Fill bytes (0xFF 0xFF) between segments are skipped.
 * The walk ends after a segment whose length runs past the bytes given, or after a marker -1 where a byte that is
 * not a marker stood: both are yielded, so that a caller can tell a malformed file from one without the segment.
 */
export function* jpegSegments(b: Uint8Array): Generator<JpegSegment> {
  let at = 2;
  for (let n = 0; n < MAX_SEGMENTS && at + 4 <= b.length; n++) {
    if (b[at] !== 0xff) {
      yield { marker: -1, body: at, end: at };
      return;
    }
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return;
    const end = at + 2 + u16be(b, at + 2);
    yield { marker, body: at + 4, end };
    if (end > b.length) return;
    at = end;
  }
}
