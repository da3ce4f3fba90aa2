/**
 * PNG chunks (PNG spec §5.3: length, type, data, CRC), walked leniently after the signature, for the readers that
 * look for metadata (`eXIf`, `iCCP`). CRCs are not checked. The strict walk of IHDR and the chunks before IDAT,
 * which must say why it stopped, is header.ts's.
 */
import { ascii, u32be } from './bytes.js';

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
    const length = u32be(b, at);
    yield { type: ascii(b, at + 4, 4), body: at + 8, end: at + 8 + length };
    at += 12 + length;
  }
}
