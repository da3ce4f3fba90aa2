/**
 * Where a master keeps its EXIF: JPEG APP1, PNG eXIf, WebP EXIF (found with each container's lenient walker). What
 * the payload says is tiff.ts's. Pure; a malformed container reads as "no EXIF", never throws.
 */
import { ascii } from './bytes.js';
import { jpegSegments } from './jpeg.js';
import { pngChunks } from './png.js';
import { hasVp8xFlag, riffChunks, riffEnd } from './riff.js';

/** The master's EXIF as a TIFF structure (without JPEG's `Exif\0\0`): JPEG APP1, PNG eXIf, WebP EXIF. */
export function findExif(b: Uint8Array, format: string): Uint8Array | undefined {
  let payload: Uint8Array | undefined;
  if (format === 'jpeg') {
    for (const { marker, body, end } of jpegSegments(b)) {
      if (marker === 0xe1 && end <= b.length && ascii(b, body, 6) === 'Exif\0\0') {
        payload = b.subarray(body + 6, end);
        break;
      }
    }
  } else if (format === 'png') {
    for (const { type, body, end } of pngChunks(b)) {
      if (type === 'eXIf' && end <= b.length) payload = b.subarray(body, end);
      if (payload || type === 'IEND') break;
    }
  } else if (format === 'webp' && hasVp8xFlag(b, 0x08)) {
    const limit = riffEnd(b);
    for (const { type, body, end } of riffChunks(b, 12, limit)) {
      if (type === 'EXIF' && end <= limit) {
        payload = b.subarray(body, end);
        break;
      }
    }
  }
  // Some WebP writers copy JPEG's prefix into the chunk.
  if (payload && ascii(payload, 0, 6) === 'Exif\0\0') payload = payload.subarray(6);
  return payload;
}
