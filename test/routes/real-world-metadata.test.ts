/**
 * `metadata=none|copyright|keep` through the worker, on a master whose EXIF holds Artist, Copyright, a description,
 * dates, Software, a UserComment and GPS: what each output format carries, read by an independent parser.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import exifJpeg from '../fixtures/exif-gps-48x32.jpg?bytes';
import exifPng from '../fixtures/exif-gps-32x32.png?bytes';
import exifWebp from '../fixtures/exif-gps-40x30.webp?bytes';
import orientation6 from '../fixtures/exif-orientation-6-48x32.jpg?bytes';
import { allTags, exifOf, latin1, partsOf } from '../helpers/exif.js';
import { decodeAny, magicOf, meanColour } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

const FORMATS = ['jpeg', 'baseline-jpeg', 'png', 'webp', 'avif'] as const;
/** Strings from the master's EXIF that must never appear in an output unless asked for. */
const PRIVATE = ['private note', 'make-fixtures', 'GPS'];
const ALL_TEXT = ['Ada Example', 'CC0 1.0, test fixture', 'Quadrants', '2024:05:06', ...PRIVATE];


async function output(key: string, options: string): Promise<Uint8Array> {
  const response = await get(`/cdn-cgi/image/${options}/${key}`);
  expect(response.status).toBe(200);
  return bodyBytes(response);
}

beforeAll(async () => {
  await putMaster('md/exif.jpg', exifJpeg);
  await putMaster('md/exif.png', exifPng);
  await putMaster('md/exif.webp', exifWebp);
  await putMaster('md/orientation6.jpg', orientation6);
});

describe('metadata=none (the default): our encoders write nothing but pixels', () => {
  it.each(FORMATS)('%s: no EXIF, XMP or ICC container, and none of the master’s text', async (format) => {
    for (const options of [`format=${format}`, `format=${format},metadata=none`]) {
      const bytes = await output('md/exif.jpg', options);
      const text = latin1(bytes);
      expect(exifOf(bytes)).toBeUndefined();
      expect(text).not.toMatch(/Exif\0\0|eXIf|EXIF|XMP|http:\/\/ns\.adobe\.com|ICC_PROFILE|iCCP|ICCP|colr(prof|rICC)/);
      for (const s of ALL_TEXT) expect(text).not.toContain(s);
      const types = partsOf(bytes).map((p) => p.type);
      if (magicOf(bytes) === 'jpeg') expect(types.filter((t) => /^FFE[1-9A-F]$/.test(t))).toEqual([]);
      if (magicOf(bytes) === 'png') expect(types.filter((t) => !['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND'].includes(t))).toEqual([]);
      if (magicOf(bytes) === 'webp') expect(types.filter((t) => !['VP8 ', 'VP8L', 'VP8X', 'ALPH'].includes(t))).toEqual([]);
    }
  });
});

describe('metadata=copyright and keep', () => {
  it.each(['jpeg', 'baseline-jpeg', 'png', 'webp'] as const)('%s: copyright carries exactly Artist and Copyright; the pixels are those of none', async (format) => {
    const bytes = await output('md/exif.jpg', `format=${format},metadata=copyright`);
    const tiff = exifOf(bytes)!;
    expect(allTags(tiff)).toEqual(['ifd0:013b', 'ifd0:8298']);
    expect(latin1(tiff)).toContain('Ada Example\0');
    expect(latin1(tiff)).toContain('CC0 1.0, test fixture\0');
    for (const s of PRIVATE) expect(latin1(bytes)).not.toContain(s);
    const plain = await decodeAny(await output('md/exif.jpg', `format=${format}`));
    const decoded = await decodeAny(bytes);
    expect(decoded.data).toEqual(plain.data);
  });

  it.each(['jpeg', 'png', 'webp'] as const)('%s: keep adds the description and dates, never GPS, orientation, Software or comments', async (format) => {
    const tiff = exifOf(await output('md/exif.jpg', `format=${format},metadata=keep`))!;
    expect(allTags(tiff)).toEqual(['ifd0:010e', 'ifd0:0132', 'ifd0:013b', 'ifd0:8298', 'ifd0:8769', '8769:9003']);
    for (const tag of ['0112', '8825', '0131', '9286']) expect(allTags(tiff).some((t) => t.endsWith(tag))).toBe(false);
  });

  it('reads the EXIF of PNG (eXIf) and WebP (EXIF) masters too', async () => {
    for (const key of ['md/exif.png', 'md/exif.webp']) {
      const tiff = exifOf(await output(key, 'format=jpeg,metadata=copyright'))!;
      expect(allTags(tiff), key).toEqual(['ifd0:013b', 'ifd0:8298']);
    }
  });

  it('AVIF outputs carry no EXIF in any mode (not implemented)', async () => {
    for (const mode of ['copyright', 'keep']) expect(latin1(await output('md/exif.jpg', `format=avif,metadata=${mode}`))).not.toMatch(/Exif|Ada Example/);
  });

  it('an orientation-6 master with keep: no EXIF at all (nothing safe to keep), and the pixels are already upright', async () => {
    const bytes = await output('md/orientation6.jpg', 'format=jpeg,metadata=keep');
    expect(exifOf(bytes)).toBeUndefined();
    const image = await decodeAny(bytes);
    expect([image.width, image.height]).toEqual([32, 48]);
    // Displayed top-left is blue (test/fixtures/README.md).
    const [r, g, b] = meanColour(image, 4, 4, 8, 8);
    expect(b).toBeGreaterThan(200);
    expect(r + g).toBeLessThan(40);
  });
});
