/**
 * PNG chunks (PNG spec §5.3: length, type, data, CRC), read two ways: strictly for IHDR and the hints before IDAT
 * (readPngHeader), and leniently after the signature (pngChunks: for the readers that look for metadata, `eXIf` and
 * `iCCP`). CRCs are not checked.
 */
import { ascii, u32be as u32 } from './bytes.js';
import { type HeaderInfo, plain, strict, unreadable } from './header-info.js';
import { readExifOrientation } from './tiff.js';

const MAX_CHUNKS = 4096;

export interface PngChunk {
  type: string;
  /** Where the data starts. */
  body: number;
  /** One past the data's last byte (the CRC follows); may lie past the bytes given: callers check. */
  end: number;
}

/** Every chunk whose header (and CRC position) lies within the bytes given, in order. */
export function* pngChunks(b: Uint8Array): Generator<PngChunk> {
  for (let at = 8, n = 0; at + 12 <= b.length && n < MAX_CHUNKS; n++) {
    const length = u32(b, at);
    yield { type: ascii(b, at + 4, 4), body: at + 8, end: at + 8 + length };
    at += 12 + length;
  }
}

// ── the header, strictly ────────────────────────────────────────────────────────────────────────────────────────

const { u8, u32be, fourcc } = strict;

/** Allowed bit depths by colour type (PNG spec, table 11.1). */
const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** IHDR, then the chunks before the first IDAT (as far as the given bytes go) for tRNS, acTL and eXIf. */
export function readPngHeader(b: Uint8Array): HeaderInfo {
  if (u32be(b, 8) !== 13 || fourcc(b, 12) !== 'IHDR') throw unreadable('the PNG does not start with an IHDR chunk');
  const info = plain('png', u32be(b, 16), u32be(b, 20));
  const depth = u8(b, 24);
  const colourType = u8(b, 25);
  if (!PNG_DEPTHS[colourType]?.includes(depth)) {
    throw unreadable(`the PNG has colour type ${colourType} with bit depth ${depth}`);
  }
  info.bitDepth = depth;
  info.components = colourType === 0 || colourType === 4 ? 1 : 3;
  info.hasAlpha = colourType === 4 || colourType === 6;
  info.progressive = u8(b, 28) === 1;
  // Past IHDR everything is a hint: a walk that reaches the end of the given bytes keeps what it found.
  for (let at = 33; at + 8 <= b.length; ) {
    const length = u32be(b, at);
    const type = fourcc(b, at + 4);
    if (type === 'IDAT' || type === 'IEND') break;
    if (length > 0x7fffffff) throw unreadable(`PNG chunk '${type}' claims ${length} bytes`);
    const data = at + 8;
    if (type === 'tRNS') info.hasAlpha = true;
    if (type === 'acTL') info.animated = true;
    if (type === 'eXIf' && data + length <= b.length) {
      info.orientation = readExifOrientation(b.subarray(data, data + length));
    }
    at = data + length + 4;
  }
  return info;
}
