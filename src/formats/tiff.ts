/**
 * EXIF payloads, which are TIFF structures: the orientation (and AVIF's irot/imir on the same 1..8 scale), and the
 * text fields the `metadata` option may copy. Pure; malformed input reads as absent, never throws. Where a master
 * keeps its EXIF is exif.ts's.
 */

const ORIENTATION_TAG = 0x0112;
/** TIFF field types whose first value is read as the orientation: BYTE, SHORT, LONG, SSHORT, SLONG (bytes wide). */
const INTEGER_TYPES: Record<number, 1 | 2 | 4> = { 1: 1, 3: 2, 4: 4, 8: 2, 9: 4 };

/**
 * The EXIF orientation (1..8) in a TIFF-structured EXIF payload: byte order `II`/`MM`, magic 42, IFD0 tag 0x0112.
 * Returns 1 when the tag is absent or anything is malformed; never throws. A leading `Exif\0\0` (as JPEG's APP1
 * carries it, and some WebP writers wrongly copy it) is skipped.
 *
 * @example readExifOrientation(app1.subarray(6)) // 6 for a phone photo taken in portrait
 */
export function readExifOrientation(tiff: Uint8Array): number {
  const p = hasExifPrefix(tiff) ? tiff.subarray(6) : tiff;
  if (p.length < 8) return 1;
  const little = p[0] === 0x49 && p[1] === 0x49;
  if (!little && !(p[0] === 0x4d && p[1] === 0x4d)) return 1;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  // Out-of-range reads answer -1, so every bound check is a comparison below.
  const u16 = (at: number): number => (at >= 0 && at + 2 <= p.length ? view.getUint16(at, little) : -1);
  const u32 = (at: number): number => (at >= 0 && at + 4 <= p.length ? view.getUint32(at, little) : -1);

  if (u16(2) !== 42) return 1;
  const ifd0 = u32(4);
  if (ifd0 < 8) return 1;
  const count = u16(ifd0);
  if (count < 0) return 1;
  // The claimed entry count is only trusted as far as the payload actually holds entries.
  const entries = Math.min(count, Math.floor((p.length - ifd0 - 2) / 12));
  for (let i = 0; i < entries; i++) {
    const entry = ifd0 + 2 + 12 * i;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    // SHORT per the spec, but real files carry LONG or SLONG too (libexif reads them); the value sits
    // left-justified in the entry's 4-byte value field.
    const width = INTEGER_TYPES[u16(entry + 2)];
    const value = width === 1 ? (p[entry + 8] ?? 0) : width === 2 ? u16(entry + 8) : width === 4 ? u32(entry + 8) : 0;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

function hasExifPrefix(b: Uint8Array): boolean {
  return b.length >= 6 && b[0] === 0x45 && b[1] === 0x78 && b[2] === 0x69 && b[3] === 0x66 && b[4] === 0 && b[5] === 0;
}

/**
 * The EXIF orientation equivalent to HEIF's `irot` (anticlockwise quarter turns, applied first) and `imir`
 * (axis 0: top and bottom exchanged; axis 1: left and right exchanged), per ISO/IEC 23008-12:2022 6.5.10/6.5.12
 * and MIAF's order (rotation before mirror). `undefined` means the box is absent.
 */
export function orientationFromIrotImir(angle: number | undefined, axis: number | undefined): number {
  const turns = (angle ?? 0) & 3;
  // Rows: irot quarter turns 0..3; columns: no imir, imir axis 0, imir axis 1.
  const table: readonly (readonly [number, number, number])[] = [
    [1, 4, 2],
    [8, 5, 7],
    [3, 2, 4],
    [6, 7, 5],
  ];
  const row = table[turns] ?? table[0]!;
  return axis === undefined ? row[0] : (axis & 1) === 0 ? row[1] : row[2];
}

/** One TIFF field we may copy: its tag, its type (ASCII 2, or UTF-8 129 per Exif 3.0) and its bytes (NUL-ended). */
export interface ExifField {
  tag: number;
  type: number;
  value: Uint8Array;
}

export const ARTIST = 0x013b;
export const COPYRIGHT = 0x8298;
export const DESCRIPTION = 0x010e;
export const DATE_TIME = 0x0132;
export const EXIF_IFD = 0x8769;
export const DATE_TIME_ORIGINAL = 0x9003;

/** Longer text fields are dropped rather than cut. */
const MAX_VALUE_BYTES = 4096;

/** The text fields we know of, from IFD0 and the Exif IFD; anything malformed is skipped, never thrown. */
export function readExifFields(tiff: Uint8Array): ExifField[] {
  if (tiff.length < 8) return [];
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return [];
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const u16 = (at: number) => (at >= 0 && at + 2 <= tiff.length ? view.getUint16(at, little) : -1);
  const u32 = (at: number) => (at >= 0 && at + 4 <= tiff.length ? view.getUint32(at, little) : -1);
  if (u16(2) !== 42) return [];

  const fields: ExifField[] = [];
  const readIfd = (offset: number, wanted: readonly number[]): number => {
    let exifIfd = -1;
    const count = u16(offset);
    const entries = Math.min(Math.max(0, count), Math.floor((tiff.length - offset - 2) / 12));
    for (let i = 0; i < entries; i++) {
      const entry = offset + 2 + 12 * i;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const length = u32(entry + 4);
      if (tag === EXIF_IFD && (type === 4 || type === 13)) exifIfd = u32(entry + 8);
      if (!wanted.includes(tag) || (type !== 2 && type !== 129) || length < 1 || length > MAX_VALUE_BYTES) continue;
      const at = length <= 4 ? entry + 8 : u32(entry + 8);
      if (at < 8 || at + length > tiff.length) continue;
      const value = textValue(tiff.subarray(at, at + length));
      if (value) fields.push({ tag, type, value });
    }
    return exifIfd;
  };
  const exifIfd = readIfd(u32(4), [ARTIST, COPYRIGHT, DESCRIPTION, DATE_TIME]);
  if (exifIfd >= 8) readIfd(exifIfd, [DATE_TIME_ORIGINAL]);
  return fields;
}

/** A copy of a text value ending in exactly one NUL; undefined when it holds nothing but NULs and spaces. */
function textValue(raw: Uint8Array): Uint8Array | undefined {
  let end = raw.length;
  while (end > 0 && raw[end - 1] === 0) end--;
  if (raw.subarray(0, end).every((c) => c === 0x20 || c === 0)) return undefined;
  const value = new Uint8Array(end + 1);
  value.set(raw.subarray(0, end));
  return value;
}
