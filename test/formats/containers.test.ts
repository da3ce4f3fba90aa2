/** The lenient container walkers (JPEG segments, PNG chunks, RIFF chunks, ISOBMFF boxes) on real files and damaged ones. */
import { describe, expect, it } from 'vitest';
import { boxes, findBox } from '../../src/formats/isobmff.js';
import { jpegSegments } from '../../src/formats/jpeg.js';
import { pngChunks } from '../../src/formats/png.js';
import { hasVp8xFlag, riffChunks, riffEnd } from '../../src/formats/riff.js';
import exifJpeg from '../fixtures/exif-gps-48x32.jpg?bytes';
import exifWebp from '../fixtures/exif-gps-40x30.webp?bytes';
import p3Avif from '../fixtures/p3-srgb-quadrants-24x16.avif?bytes';
import png from '../fixtures/quadrants-64x48.png?bytes';

describe('jpegSegments', () => {
  it('walks from SOI to the first scan', () => {
    const markers = [...jpegSegments(exifJpeg)].map((s) => s.marker);
    expect(markers).toContain(0xe1);
    expect(markers).toContain(0xdb);
    expect(markers).not.toContain(0xda);
  });

  it('yields the segment that runs past the bytes, or a -1 where a marker was due, and stops', () => {
    const cut = [...jpegSegments(exifJpeg.subarray(0, 30))];
    expect(cut.at(-1)!.end).toBeGreaterThan(30);
    const damaged = exifJpeg.slice();
    const first = [...jpegSegments(damaged)][0]!;
    damaged[first.end] = 0x00;
    expect([...jpegSegments(damaged)].map((s) => s.marker)).toEqual([first.marker, -1]);
  });

  it('skips fill bytes between segments', () => {
    const first = [...jpegSegments(exifJpeg)][0]!;
    const filled = new Uint8Array([...exifJpeg.subarray(0, first.end), 0xff, 0xff, ...exifJpeg.subarray(first.end)]);
    expect([...jpegSegments(filled)].map((s) => s.marker)).toEqual([...jpegSegments(exifJpeg)].map((s) => s.marker));
  });
});

describe('pngChunks', () => {
  it('every chunk after the signature, in order', () => {
    expect([...pngChunks(png)].map((c) => c.type)).toEqual(['IHDR', 'pHYs', 'IDAT', 'IEND']);
    const ihdr = [...pngChunks(png)][0]!;
    expect(ihdr.end - ihdr.body).toBe(13);
  });
});

describe('riffChunks', () => {
  it("walks a WebP's chunks (padded to even sizes) within the RIFF", () => {
    expect(hasVp8xFlag(exifWebp, 0x08)).toBe(true);
    const types = [...riffChunks(exifWebp, 12, riffEnd(exifWebp))].map((c) => c.type);
    expect(types[0]).toBe('VP8X');
    expect(types).toContain('EXIF');
    expect(types).toContain('VP8L');
  });

  it('stops after a chunk that claims more than the bytes hold', () => {
    const chunks = [...riffChunks(exifWebp, 12, 40)];
    expect(chunks.at(-1)!.end).toBeGreaterThan(40);
  });
});

describe('boxes', () => {
  it('top-level boxes, and children found by type', () => {
    expect(boxes(p3Avif, 0, p3Avif.length).map((b) => b.type)).toEqual(expect.arrayContaining(['ftyp', 'meta', 'mdat']));
    const meta = findBox(p3Avif, 0, p3Avif.length, 'meta')!;
    expect(findBox(p3Avif, meta.body + 4, meta.end, 'iprp')).toBeDefined();
  });

  it('a box that claims more than its parent holds ends the list', () => {
    expect(boxes(p3Avif, 0, 20).length).toBeLessThanOrEqual(1);
  });
});
