/**
 * A PNG's chunk structure, checked whole at upload: every chunk's length within the file, the CRC of every critical
 * chunk (IHDR, PLTE, IDAT, IEND), and an IEND at the end. Policy on checksums, as libpng's defaults: a CRC error in a
 * critical chunk is corruption (422), one in an ancillary chunk (text, time, colour hints …) is ignored, since the
 * pixels do not depend on it. The transform path does not re-check (the upload did; png-rs, jSquash's decoder, reads
 * no CRC at all). Pure; throws `ImageError` 422.
 */
import { ImageError } from '../http/problem.js';

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(b: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CRITICAL = ['IHDR', 'PLTE', 'IDAT', 'IEND'];

function corrupt(detail: string): ImageError {
  return new ImageError(422, 'undecodable', detail);
}

export function checkPngChunks(b: Uint8Array): void {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = 8; ; ) {
    if (at + 12 > b.length) throw corrupt(`the file ends at byte ${b.length}, before its IEND chunk`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > b.length) throw corrupt(`chunk '${type}' at byte ${at} claims ${length} bytes, past the end of the file`);
    if (CRITICAL.includes(type) && crc32(b, at + 4, at + 8 + length) !== view.getUint32(at + 8 + length)) {
      throw corrupt(`the CRC of its '${type}' chunk at byte ${at} does not match (a damaged critical chunk)`);
    }
    if (type === 'IEND') return;
    at = end;
  }
}
