/** EXIF, read: finding the master's EXIF in each container and its text fields, never throwing on damage. */
import { describe, expect, it } from 'vitest';
import { findExif } from '../../src/formats/exif.js';
import { type ExifField, readExifFields } from '../../src/formats/tiff.js';
import { writeExif } from '../../src/pipeline/steps/metadata.js';
import exifJpeg from '../fixtures/exif-gps-48x32.jpg?bytes';
import exifPng from '../fixtures/exif-gps-32x32.png?bytes';
import exifWebp from '../fixtures/exif-gps-40x30.webp?bytes';
import plainJpeg from '../fixtures/quadrants-64x48.jpg?bytes';
import { allTags, latin1 } from '../helpers/exif.js';

const text = (field: ExifField | undefined) => field && latin1(field.value);

const masters = [
  { name: 'JPEG APP1', bytes: exifJpeg, format: 'jpeg' },
  { name: 'PNG eXIf', bytes: exifPng, format: 'png' },
  { name: 'WebP EXIF', bytes: exifWebp, format: 'webp' },
];
describe('reading the master', () => {
  it.each(masters)('$name: the text fields, and nothing from GPS', ({ bytes, format }) => {
    const tiff = findExif(bytes, format)!;
    expect(allTags(tiff)).toContain('8825:0002'); // the fixture really has a GPS latitude
    const fields = readExifFields(tiff);
    const byTag = (tag: number) => text(fields.find((f) => f.tag === tag));
    expect(byTag(0x013b)).toBe('Ada Example\0');
    expect(byTag(0x8298)).toBe('CC0 1.0, test fixture\0');
    expect(byTag(0x010e)).toBe('Quadrants\0');
    expect(byTag(0x0132)).toBe('2024:05:06 07:08:09\0');
    expect(byTag(0x9003)).toBe('2024:05:06 07:08:09\0');
    expect(fields.map((f) => f.tag).sort()).toEqual([0x010e, 0x0132, 0x013b, 0x8298, 0x9003].sort());
  });

  it('finds nothing where there is nothing, and never throws on damaged EXIF', () => {
    expect(findExif(plainJpeg, 'jpeg')).toBeUndefined();
    expect(findExif(exifJpeg, 'avif')).toBeUndefined();
    const tiff = findExif(exifJpeg, 'jpeg')!;
    for (let cut = 0; cut < tiff.length; cut += 5) expect(() => readExifFields(tiff.subarray(0, cut))).not.toThrow();
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (let round = 0; round < 500; round++) {
      const damaged = tiff.slice();
      for (let k = 0; k < 6; k++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      expect(() => readExifFields(damaged)).not.toThrow();
    }
  });

  it('reads big-endian TIFF, keeps NUL-separated copyright parts, and drops over-long values', () => {
    const field = (tag: number, value: string): ExifField => ({ tag, type: 2, value: Uint8Array.from(value, (c) => c.charCodeAt(0)) });
    const little = writeExif([field(0x013b, 'A\0'), field(0x8298, 'Photographer\0Editor\0'), field(0x010e, `${'x'.repeat(5000)}\0`)]);
    const fields = readExifFields(little);
    expect(fields.map(text)).toEqual(['A\0', 'Photographer\0Editor\0']);
    // The same structure, byte-swapped by hand: MM, 42, IFD0 at 8, two ASCII entries.
    const big = Uint8Array.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x3b, 0, 2, 0, 0, 0, 3, 0x48, 0x69, 0, 0, 0, 0, 0, 0]);
    expect(readExifFields(big).map(text)).toEqual(['Hi\0']);
  });
});
