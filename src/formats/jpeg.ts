/**
 * JPEG marker segments (ITU T.81 B.1.1), read two ways: strictly to the frame header (readJpegHeader: the size and
 * coding of a master, and why a header cannot be read), and leniently from SOI to the first scan (jpegSegments: for
 * the readers that look for metadata, EXIF in APP1 and ICC in APP2, where anything malformed means "absent").
 */
import { codes, u16be as u16 } from './bytes.js';
import { type HeaderInfo, beyond, hex, plain, strict, unreadable } from './header-info.js';
import { readExifOrientation } from './tiff.js';

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
    const end = at + 2 + u16(b, at + 2);
    yield { marker, body: at + 4, end };
    if (end > b.length) return;
    at = end;
  }
}

// ── the frame header, strictly ──────────────────────────────────────────────────────────────────────────────────

const { u8, u16be, matches } = strict;

const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** Walks marker segments from SOI to the first SOFn (ITU T.81 B.1.1). */
export function readJpegHeader(b: Uint8Array): HeaderInfo {
  let at = 2;
  let orientation = 1;
  let exifSeen = false;
  let adobeTransform: number | undefined;
  for (;;) {
    // Tolerate stray bytes before a marker (as libjpeg does), then fill bytes 0xFF… before its code.
    while (u8(b, at) !== 0xff) at++;
    while (u8(b, at + 1) === 0xff) at++;
    const marker = u8(b, at + 1);
    at += 2;
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // no length
    if (marker === 0xd9) throw unreadable('the JPEG ends (EOI) before any frame header');
    if (marker === 0xda) throw unreadable('the JPEG starts a scan before any frame header');
    const length = u16be(b, at);
    if (length < 2) throw unreadable(`JPEG marker 0xFF${hex(marker)} has length ${length}`);
    const end = at + length;
    if (end > b.length) throw beyond(b, `JPEG segment 0xFF${hex(marker)}`);
    if (isSof(marker)) {
      if (length < 8) throw unreadable(`JPEG frame header 0xFF${hex(marker)} is ${length} bytes long`);
      const info = plain('jpeg', u16be(b, at + 5), u16be(b, at + 3));
      info.bitDepth = u8(b, at + 2);
      info.components = u8(b, at + 7);
      if (info.components === 0) throw unreadable('the JPEG frame header has no components');
      info.progressive = (marker & 0x03) === 0x02;
      info.arithmetic = marker >= 0xc9;
      info.orientation = orientation;
      info.sof = marker;
      if (adobeTransform !== undefined) info.adobeTransform = adobeTransform;
      return info;
    }
    if (marker === 0xe1 && !exifSeen && length >= 8 && matches(b, at + 2, [0x45, 0x78, 0x69, 0x66, 0, 0])) {
      exifSeen = true;
      orientation = readExifOrientation(b.subarray(at + 8, end));
    }
    if (marker === 0xee && length >= 14 && matches(b, at + 2, codes('Adobe'))) adobeTransform = u8(b, at + 13);
    at = end;
  }
}
