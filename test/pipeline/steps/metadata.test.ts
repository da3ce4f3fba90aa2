/** The metadata step: choosing the master's EXIF fields, writing a minimal block, embedding it in JPEG, PNG and WebP outputs. */
import { describe, expect, it } from 'vitest';
import { encodeJpegScaled, encodePng, encodeWebpScaled } from '../../../src/pipeline/codec/index.js';
import { findExif } from '../../../src/formats/exif.js';
import { readExifFields } from '../../../src/formats/tiff.js';
import { embedExif, keptFields, metadata, writeExif } from '../../../src/pipeline/steps/metadata.js';
import exifJpeg from '../../fixtures/exif-gps-48x32.jpg?bytes';
import exifPng from '../../fixtures/exif-gps-32x32.png?bytes';
import orientation6 from '../../fixtures/exif-orientation-6-48x32.jpg?bytes';
import losslessAlpha from '../../fixtures/lossless-alpha-32x32.webp?bytes';
import { allTags, latin1 } from '../../helpers/exif.js';
import { decodeAny } from '../../helpers/images.js';
import { partialState } from '../../helpers/pipeline.js';

describe('choosing and writing', () => {
  const fields = readExifFields(findExif(exifJpeg, 'jpeg')!);

  it('copyright keeps Artist and Copyright; keep adds description and dates; none keeps nothing', () => {
    expect(keptFields(fields, 'none')).toEqual([]);
    expect(keptFields(fields, 'copyright').map((f) => f.tag)).toEqual([0x013b, 0x8298]);
    expect(keptFields(fields, 'keep').map((f) => f.tag)).toEqual([0x010e, 0x0132, 0x013b, 0x8298, 0x9003]);
  });

  it('writes a TIFF holding exactly those tags (DateTimeOriginal in an Exif IFD), which reads back the same', () => {
    const copyright = writeExif(keptFields(fields, 'copyright'));
    expect(allTags(copyright)).toEqual(['ifd0:013b', 'ifd0:8298']);
    const keep = writeExif(keptFields(fields, 'keep'));
    expect(allTags(keep)).toEqual(['ifd0:010e', 'ifd0:0132', 'ifd0:013b', 'ifd0:8298', 'ifd0:8769', '8769:9003']);
    expect(readExifFields(keep)).toEqual(keptFields(fields, 'keep'));
    // The orientation-6 fixture's EXIF has nothing we copy.
    expect(keptFields(readExifFields(findExif(orientation6, 'jpeg')!), 'keep')).toEqual([]);
  });
});

describe('embedding in outputs', () => {
  const tiff = writeExif(keptFields(readExifFields(findExif(exifJpeg, 'jpeg')!), 'copyright'));
  const image = { data: new Uint8ClampedArray(40 * 30 * 4).fill(200), width: 40, height: 30 };

  async function roundTrip(output: Uint8Array, format: 'jpeg' | 'png' | 'webp', container: string): Promise<Uint8Array> {
    const out = embedExif(output, format, tiff);
    expect(findExif(out, format)).toEqual(tiff);
    expect(latin1(out)).toContain(container);
    const decoded = await decodeAny(out);
    const original = await decodeAny(output);
    expect([decoded.width, decoded.height]).toEqual([original.width, original.height]);
    expect(decoded.data).toEqual(original.data);
    return out;
  }

  it('JPEG: an APP1 Exif segment after SOI (after JFIF APP0 when there is one)', async () => {
    const jpeg = encodeJpegScaled(image, { quality: 80, progressive: true });
    const out = await roundTrip(jpeg, 'jpeg', 'Exif\0\0');
    const app0End = 4 + ((jpeg[4]! << 8) | jpeg[5]!);
    expect([out[app0End], out[app0End + 1]]).toEqual([0xff, 0xe1]);
  });

  it('PNG: an eXIf chunk before IDAT, with a correct CRC', async () => {
    const png = new Uint8Array(await encodePng(image));
    const out = await roundTrip(png, 'png', 'eXIf');
    const at = latin1(out).indexOf('eXIf') - 4;
    expect(at).toBeLessThan(latin1(out).indexOf('IDAT'));
    const length = new DataView(out.buffer).getUint32(at);
    let c = 0xffffffff;
    for (const byte of out.subarray(at + 4, at + 8 + length)) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    expect(new DataView(out.buffer).getUint32(at + 8 + length)).toBe((c ^ 0xffffffff) >>> 0);
  });

  it.each([
    ['lossy VP8 (gains a VP8X header)', async () => encodeWebpScaled(image, 80)],
    ['lossless VP8L with alpha (gains a VP8X header with the alpha flag)', async () => losslessAlpha],
    ['lossy with alpha (already VP8X)', async () => encodeWebpScaled({ ...image, data: image.data.map((v, i) => (i % 4 === 3 ? 128 : v)) }, 80)],
  ])('WebP %s: an EXIF chunk, the VP8X EXIF flag, and RIFF/VP8X sizes that hold', async (_, make) => {
    const webp = await make();
    const out = await roundTrip(webp, 'webp', 'EXIF');
    const view = new DataView(out.buffer, out.byteOffset);
    expect(view.getUint32(4, true)).toBe(out.length - 8);
    expect(latin1(out.subarray(12, 16))).toBe('VP8X');
    expect(out[20]! & 0x08).toBe(0x08);
    expect(out[20]! & 0x10).toBe(latin1(webp).includes('ALPH') || (latin1(webp.subarray(12, 16)) === 'VP8L' && ((webp[24]! >> 4) & 1) === 1) ? 0x10 : 0);
  });

  it('AVIF comes back unchanged (EXIF in AVIF is not implemented)', () => {
    const avif = Uint8Array.from([0, 0, 0, 16, 0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69, 0x66, 0, 0, 0, 0]);
    expect(embedExif(avif, 'avif', tiff)).toBe(avif);
  });
});

describe('the metadata step', () => {
  function stateFor(master: Uint8Array, format: 'jpeg' | 'png' | 'webp', mode: 'none' | 'copyright' | 'keep', output: Uint8Array) {
    return partialState({ bytes: master.slice().buffer, info: { format }, options: { metadata: mode }, format: 'jpeg' }, { output: output.slice().buffer });
  }

  it('none leaves the encoded bytes as they are; copyright adds only Artist and Copyright', async () => {
    const jpeg = encodeJpegScaled({ data: new Uint8ClampedArray(64).fill(90), width: 4, height: 4 }, { quality: 80, progressive: false });
    const none = stateFor(exifPng, 'png', 'none', jpeg);
    metadata(none);
    expect(new Uint8Array(none.output!)).toEqual(jpeg);
    const copyright = stateFor(exifPng, 'png', 'copyright', jpeg);
    metadata(copyright);
    expect(allTags(findExif(new Uint8Array(copyright.output!), 'jpeg')!)).toEqual(['ifd0:013b', 'ifd0:8298']);
    // A master without the fields gives an output without EXIF.
    const bare = stateFor(orientation6, 'jpeg', 'keep', jpeg);
    metadata(bare);
    expect(new Uint8Array(bare.output!)).toEqual(jpeg);
  });
});
