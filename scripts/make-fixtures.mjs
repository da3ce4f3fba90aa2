#!/usr/bin/env node
// Generates the tiny synthetic images in test/fixtures/ (dedicated to the public domain, CC0 1.0) and checks each
// one by decoding it back with sharp. Every image has simple, documented content (solid quadrants, halves, one colour
// per frame) so tests can assert on pixels; test/fixtures/README.md describes each file.
//
// Usage: node scripts/make-fixtures.mjs [--out DIR] [--check]
//   --out DIR  write somewhere else (default: test/fixtures next to this script's repo)
//   --check    do not write; regenerate in memory and report any fixture whose bytes differ from the files in DIR
//
// Output is deterministic for a given sharp/libvips and Node version (no timestamps, no randomness). The PNGs with
// 16-bit samples, palette + tRNS, grey + alpha, stripes and the "huge header" files are written byte by byte here, not
// by sharp, so their exact structure is guaranteed; so are the ICC segments/chunks and the Adobe RGB profile.
// `arithmetic-64x48.jpg` needs libjpeg-turbo's `jpegtran` (Debian: libjpeg-turbo-progs) on the PATH.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import sharp from 'sharp';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outDir = path.resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : path.join(repoRoot, 'test/fixtures'));
const checkOnly = args.includes('--check');

// Keep the encoders single-threaded and cache-free so the bytes never depend on the machine.
sharp.concurrency(1);
sharp.cache(false);

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];
const ORANGE = [255, 128, 0];
const YELLOW = [255, 255, 0];
const CYAN = [0, 255, 255];
const MAGENTA = [255, 0, 255];
const QUADRANTS = [RED, GREEN, BLUE, WHITE]; // top-left, top-right, bottom-left, bottom-right

/** Raw interleaved pixels of a width×height image; `colourAt(x, y)` returns one array of `channels` values. */
function rawImage(width, height, channels, colourAt) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colourAt(x, y);
      for (let i = 0; i < channels; i++) data[(y * width + x) * channels + i] = c[i];
    }
  }
  return data;
}

/** Four solid quadrants [top-left, top-right, bottom-left, bottom-right]; width and height must be even. */
function quadrants(width, height, colours = QUADRANTS) {
  return (x, y) => colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)];
}

function fromRaw(width, height, channels, colourAt, options = {}) {
  return sharp(rawImage(width, height, channels, colourAt), { raw: { width, height, channels, ...options } });
}

// ---- hand-written PNG and JPEG pieces -------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function ihdr(width, height, bitDepth, colourType) {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colourType;
  return pngChunk('IHDR', d); // compression 0, filter 0, interlace 0
}
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A PNG from unfiltered scanlines (each row is prefixed with filter type 0 here). */
function png(width, height, bitDepth, colourType, rows, extraChunks = []) {
  const scanlines = Buffer.concat(rows.map((row) => Buffer.concat([Buffer.from([0]), row])));
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height, bitDepth, colourType),
    ...extraChunks,
    pngChunk('IDAT', zlib.deflateSync(scanlines, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Inserts an APP1 Exif segment holding only IFD0 Orientation right after the JPEG's SOI marker. */
function withExifOrientation(jpeg, orientation) {
  // TIFF header (little endian) + IFD0 with one entry: tag 0x0112 Orientation, type SHORT, count 1.
  const tiff = Buffer.from([
    0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, // "II", 42, offset of IFD0 = 8
    0x01, 0x00, // one entry
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, orientation, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/** The smallest JPEG whose frame header claims width×height: SOI, SOF0 (3 components), EOI. No tables, no scan. */
function jpegHeaderOnly(width, height) {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), sof, Buffer.from([0xff, 0xd9])]);
}

// ---- colour profiles, EXIF and other real-world pieces -------------------------------------------------------

/** A JPEG marker segment: FF, marker, 2-byte length (which counts itself), payload. */
function jpegSegment(marker, payload) {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** Inserts an APP2 `ICC_PROFILE` segment (one chunk: sequence 1 of 1) right after the JPEG's SOI marker. */
function withJpegIcc(jpeg, icc) {
  const payload = Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), icc]);
  return Buffer.concat([jpeg.subarray(0, 2), jpegSegment(0xe2, payload), jpeg.subarray(2)]);
}

/** A PNG `iCCP` chunk: profile name, NUL, compression method 0, zlib stream. */
function iccpChunk(name, icc) {
  return pngChunk('iCCP', Buffer.concat([Buffer.from(`${name}\0\0`, 'latin1'), zlib.deflateSync(icc, { level: 9 })]));
}

/** libvips' built-in Display P3 profile (ICC v4, matrix/TRC, the sRGB curve as `para`), exactly as sharp attaches it. */
async function displayP3Profile() {
  const tagged = await fromRaw(1, 1, 3, () => WHITE).withIccProfile('p3').png().toBuffer();
  return (await sharp(tagged).metadata()).icc;
}

/**
 * A minimal ICC v2 display profile compatible with Adobe RGB (1998): the D50-adapted colorants and the 563/256 gamma
 * of Adobe's own profile, with its D65 media white. Written here so that no third-party profile file is needed.
 */
function adobeRgbProfile() {
  const u32 = (v) => Buffer.from([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
  const s15 = (v) => u32(Math.round(v * 65536) >>> 0);
  const xyz = (x, y, z) => Buffer.concat([Buffer.from('XYZ \0\0\0\0', 'latin1'), s15(x), s15(y), s15(z)]);
  const name = 'Compatible with Adobe RGB (1998)';
  // textDescriptionType: ASCII count + text, then empty Unicode and ScriptCode parts (4 + 4, 2 + 1 + 67 bytes).
  const desc = Buffer.concat([Buffer.from('desc\0\0\0\0', 'latin1'), u32(name.length + 1), Buffer.from(`${name}\0`, 'latin1'), Buffer.alloc(78)]);
  const gamma = Buffer.from([...Buffer.from('curv\0\0\0\0', 'latin1'), 0, 0, 0, 1, 0x02, 0x33]);
  const tags = [
    ['desc', desc], ['cprt', Buffer.from('text\0\0\0\0CC0\0', 'latin1')], ['wtpt', xyz(0.95045, 1, 1.08905)],
    ['rXYZ', xyz(0.60974, 0.31111, 0.01947)], ['gXYZ', xyz(0.20528, 0.62567, 0.06087)], ['bXYZ', xyz(0.14919, 0.06322, 0.74457)],
    ['rTRC', gamma], ['gTRC', gamma], ['bTRC', gamma],
  ];
  const pad = (b) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  let offset = 128 + 4 + 12 * tags.length;
  const table = [u32(tags.length)];
  const data = [];
  for (const [signature, body] of tags) {
    table.push(Buffer.from(signature, 'latin1'), u32(offset), u32(body.length));
    data.push(pad(body));
    offset += pad(body).length;
  }
  const header = Buffer.concat([
    u32(offset), Buffer.alloc(4), u32(0x02100000), Buffer.from('mntrRGB XYZ ', 'latin1'), Buffer.alloc(12),
    Buffer.from('acsp', 'latin1'), Buffer.alloc(24), u32(0), s15(0.9642), s15(1), s15(0.8249), Buffer.alloc(48),
  ]);
  return Buffer.concat([header, ...table, ...data]);
}

/** Stored (device) values of the colour-managed fixtures: two primaries outside sRGB, an in-gamut orange-brown, grey. */
const WIDE_QUADRANTS = [RED, GREEN, [200, 80, 60], [128, 128, 128]];

/** An 8-bit PNG written byte by byte from `colourAt` (1–4 channels), with extra chunks (e.g. iCCP) before IDAT. */
function pngOf(width, height, channels, colourAt, extraChunks = []) {
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from(Array.from({ length: width }, (_, x) => colourAt(x, y)).flat()));
  return png(width, height, 8, { 1: 0, 2: 4, 3: 2, 4: 6 }[channels], rows, extraChunks);
}

/** EXIF for the metadata fixtures: safe tags, tags that must never leave (GPS, UserComment, Software), orientation 1. */
const EXIF_TAGS = {
  IFD0: { Artist: 'Ada Example', Copyright: 'CC0 1.0, test fixture', ImageDescription: 'Quadrants', DateTime: '2024:05:06 07:08:09', Software: 'make-fixtures' },
  IFD2: { DateTimeOriginal: '2024:05:06 07:08:09', UserComment: 'private note' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 28/1 3840/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 0/1 500/100' },
};

/** A smooth gradient, no wrap-around: (2x, 2y, x + y). */
function gradient128x96(x, y) {
  return [2 * x, 2 * y, x + y];
}

/** Lossless arithmetic-coded copy of a JPEG, by libjpeg-turbo's jpegtran (Debian: libjpeg-turbo-progs); `extra` adds options. */
function arithmeticJpeg(jpeg, extra = []) {
  const run = spawnSync('jpegtran', ['-arithmetic', ...extra, '-copy', 'none'], { input: jpeg, maxBuffer: 1 << 20 });
  if (run.error || run.status !== 0) throw new Error(`jpegtran failed (${run.error?.message ?? run.stderr}); install libjpeg-turbo-progs`);
  return run.stdout;
}

/** The JPEG with its SOF0 frame header turned into SOF1 with 12-bit precision (its scan stays 8-bit data). */
function as12BitHeader(jpeg) {
  const out = Buffer.from(jpeg);
  for (let at = 2; at + 4 < out.length; at += 2 + out.readUInt16BE(at + 2)) {
    if (out[at + 1] === 0xc0) {
      out[at + 1] = 0xc1;
      out[at + 4] = 12;
      return out;
    }
  }
  throw new Error('no SOF0 marker');
}

/**
 * The JPEG with each quantisation table rewritten with 16-bit precision (Pq = 1), every value `value`. At 65535 the
 * dequantised coefficients reach far past what any photo gives, so an IDCT's all-zero-AC shortcut and its full
 * computation no longer agree (their 32-bit shifts overflow): the case where native/src/jsimd-wasm.c's kernels must
 * fall back to the C's exact order of operations. At 64 most dequantised coefficients still fit in 16 bits, but the
 * larger DC terms make the first IDCT pass's output overflow them: the kernels' other fallback.
 */
function withQuantisation(jpeg, value) {
  const parts = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at + 1] !== 0xda) {
    const length = jpeg.readUInt16BE(at + 2);
    if (jpeg[at + 1] !== 0xdb) {
      parts.push(jpeg.subarray(at, at + 2 + length));
    } else {
      const tables = [];
      for (let i = at + 4; i < at + 2 + length; ) {
        const precision = jpeg[i] >> 4, id = jpeg[i] & 15;
        const table = Buffer.alloc(129);
        table[0] = 0x10 | id;
        for (let k = 0; k < 64; k++) table.writeUInt16BE(value, 1 + 2 * k);
        tables.push(table);
        i += 1 + 64 * (precision ? 2 : 1);
      }
      const body = Buffer.concat(tables);
      parts.push(jpegSegment(0xdb, body));
    }
    at += 2 + length;
  }
  parts.push(jpeg.subarray(at));
  return Buffer.concat(parts);
}

// ---- the fixtures -------------------------------------------------------------------------------------------------

const FRAME_COLOURS = [RED, GREEN, BLUE, YELLOW, CYAN, MAGENTA, WHITE, BLACK];

/** name → async () => Buffer */
/**
 * A quiet scene with one busy thing off-centre: a smooth blue-grey gradient, and at (150, 30) an orange disc of radius
 * 18 with a black-and-white checkerboard (4 px squares) inside radius 10. Saliency (edges, saturation) is all there.
 */
function subjectRight(x, y) {
  const d = Math.hypot(x - 150, y - 30);
  if (d <= 10) return ((x >> 2) + (y >> 2)) % 2 ? WHITE : BLACK;
  if (d <= 18) return ORANGE;
  return [110 + (y >> 2), 120 + (y >> 2), 135 + (y >> 2)];
}

/** Quadrants red, green / blue, black in the box x 10..49, y 6..37 of a 64×48 image; `border` everywhere else. */
function bordered(border) {
  return (x, y) => (x >= 10 && x < 50 && y >= 6 && y < 38 ? [...quadrants(40, 32, [RED, GREEN, BLUE, BLACK])(x - 10, y - 6), 255].slice(0, border.length) : border);
}

const fixtures = {
  'subject-right-192x64.png': () => fromRaw(192, 64, 3, subjectRight).png({ compressionLevel: 9 }).toBuffer(),
  'subject-right-192x64.jpg': () => fromRaw(192, 64, 3, subjectRight).jpeg({ quality: 90, chromaSubsampling: '4:2:0' }).toBuffer(),
  'bordered-64x48.png': () => fromRaw(64, 48, 3, bordered(WHITE)).png({ compressionLevel: 9 }).toBuffer(),
  'bordered-64x48.jpg': () => fromRaw(64, 48, 3, bordered(WHITE)).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(),
  'bordered-alpha-64x48.png': () => fromRaw(64, 48, 4, bordered([0, 0, 0, 0])).png({ compressionLevel: 9 }).toBuffer(),
  'quadrants-64x48.png': () => fromRaw(64, 48, 3, quadrants(64, 48)).png({ compressionLevel: 9 }).toBuffer(),
  'quadrants-64x48.jpg': () =>
    fromRaw(64, 48, 3, quadrants(64, 48)).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer(),
  'quadrants-progressive-64x48.jpg': () =>
    fromRaw(64, 48, 3, quadrants(64, 48)).jpeg({ quality: 90, chromaSubsampling: '4:4:4', progressive: true }).toBuffer(),
  'grey-64x48.jpg': () =>
    fromRaw(64, 48, 1, quadrants(64, 48, [[0], [85], [170], [255]])).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer(),
  'cmyk-64x48.jpg': () =>
    fromRaw(64, 48, 3, quadrants(64, 48)).toColourspace('cmyk').jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer(),
  'quant16-64x48.jpg': async () =>
    // Left half: colour changing along x only; right half: along y only. Each block then has a column (or a row) of
    // all-zero AC coefficients next to a large DC term, the case the kernels' shortcuts must get right.
    withQuantisation(await fromRaw(64, 48, 3, (x, y) => (x < 32 ? [30 + 4 * x, 200, 60 + 2 * x] : [220 - 4 * y, 40, 100 + 3 * y]))
      .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
      .toBuffer(), 65535),
  'quant64-64x48.jpg': async () =>
    // quant16's image with every quantisation value 64.
    withQuantisation(await fromRaw(64, 48, 3, (x, y) => (x < 32 ? [30 + 4 * x, 200, 60 + 2 * x] : [220 - 4 * y, 40, 100 + 3 * y]))
      .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
      .toBuffer(), 64),
  'exif-orientation-6-48x32.jpg': async () =>
    withExifOrientation(
      await fromRaw(48, 32, 3, quadrants(48, 32)).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer(),
      6,
    ),
  'truncated-128x96.jpg': async () => {
    // Quadrants with a diagonal gradient so the scan data is not trivially small; keep the first half of the bytes.
    const full = await fromRaw(128, 96, 3, (x, y) => quadrants(128, 96)(x, y).map((v) => (v + x + y) % 256))
      .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
      .toBuffer();
    return full.subarray(0, Math.floor(full.length / 2));
  },
  'alpha-left-half-32x32.png': () =>
    fromRaw(32, 32, 4, (x) => (x < 16 ? [0, 0, 0, 0] : [...RED, 255])).png({ compressionLevel: 9 }).toBuffer(),
  'pixel-1x1.png': () => fromRaw(1, 1, 3, () => ORANGE).png().toBuffer(),
  'strip-1x300.png': () => fromRaw(1, 300, 3, (x, y) => (y < 150 ? RED : BLUE)).png({ compressionLevel: 9 }).toBuffer(),
  'strip-300x1.png': () => fromRaw(300, 1, 3, (x) => (x < 150 ? RED : BLUE)).png({ compressionLevel: 9 }).toBuffer(),
  'animated-8-frames-32x32.gif': () =>
    fromRaw(32, 32 * 8, 3, (x, y) => FRAME_COLOURS[Math.floor(y / 32)], { pageHeight: 32 })
      .gif({ delay: Array(8).fill(100), loop: 0, effort: 1 })
      .toBuffer(),
  'lossy-40x30.webp': () => fromRaw(40, 30, 3, quadrants(40, 30)).webp({ quality: 90 }).toBuffer(),
  'lossless-alpha-32x32.webp': () =>
    fromRaw(32, 32, 4, (x) => (x < 16 ? [0, 0, 0, 0] : [...GREEN, 255])).webp({ lossless: true, exact: true }).toBuffer(),
  'quadrants-24x16.avif': () =>
    fromRaw(24, 16, 3, quadrants(24, 16)).avif({ quality: 90, chromaSubsampling: '4:4:4', effort: 4 }).toBuffer(),
  'rgb16-32x32.png': () => {
    // 16-bit RGB: red, green, blue quadrants at full scale; bottom-right (0x4000, 0x8000, 0xC000) ≈ 8-bit (64, 128, 192).
    const colours = [[0xffff, 0, 0], [0, 0xffff, 0], [0, 0, 0xffff], [0x4000, 0x8000, 0xc000]];
    const rows = [];
    for (let y = 0; y < 32; y++) {
      const row = Buffer.alloc(32 * 6);
      for (let x = 0; x < 32; x++) {
        const c = quadrants(32, 32, colours)(x, y);
        for (let i = 0; i < 3; i++) row.writeUInt16BE(c[i], x * 6 + i * 2);
      }
      rows.push(row);
    }
    return png(32, 32, 16, 2, rows);
  },
  'palette-trns-32x32.png': () => {
    // Colour type 3 (palette), 8-bit indices. Left half index 0 (alpha 0); right half: top index 1 (opaque red),
    // bottom index 2 (blue at alpha 128).
    const plte = pngChunk('PLTE', Buffer.from([...BLACK, ...RED, ...BLUE]));
    const trns = pngChunk('tRNS', Buffer.from([0, 255, 128]));
    const rows = [];
    for (let y = 0; y < 32; y++) rows.push(Buffer.from(Array.from({ length: 32 }, (_, x) => (x < 16 ? 0 : y < 16 ? 1 : 2))));
    return png(32, 32, 8, 3, rows, [plte, trns]);
  },
  'huge-header-20000x20000.png': () =>
    // Signature + IHDR claiming 20000×20000 RGB (400 MP) + IEND: dimensions are readable, there is nothing to decode.
    Buffer.concat([PNG_SIGNATURE, ihdr(20000, 20000, 8, 2), pngChunk('IEND', Buffer.alloc(0))]),
  'huge-header-20000x20000.jpg': () => jpegHeaderOnly(20000, 20000),
  // Colour-managed masters: stored values WIDE_QUADRANTS, tagged with a profile (decoded to sRGB, they differ).
  'p3-quadrants-64x48.png': async () => pngOf(64, 48, 3, quadrants(64, 48, WIDE_QUADRANTS), [iccpChunk('Display P3', await displayP3Profile())]),
  'p3-quadrants-64x48.jpg': async () =>
    withJpegIcc(await fromRaw(64, 48, 3, quadrants(64, 48, WIDE_QUADRANTS)).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(), await displayP3Profile()),
  'adobergb-quadrants-64x48.jpg': async () =>
    withJpegIcc(await fromRaw(64, 48, 3, quadrants(64, 48, WIDE_QUADRANTS)).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(), adobeRgbProfile()),
  // sRGB quadrants converted by sharp into Display P3 and tagged: the ICC travels in WebP's ICCP and AVIF's colr.
  'p3-srgb-quadrants-40x30.webp': () => fromRaw(40, 30, 3, quadrants(40, 30)).withIccProfile('p3').webp({ lossless: true, exact: true }).toBuffer(),
  'p3-srgb-quadrants-24x16.avif': () =>
    fromRaw(24, 16, 3, quadrants(24, 16)).withIccProfile('p3').avif({ quality: 90, chromaSubsampling: '4:4:4', effort: 4 }).toBuffer(),
  'exif-gps-48x32.jpg': () => fromRaw(48, 32, 3, quadrants(48, 32)).withExif(EXIF_TAGS).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer(),
  'exif-gps-32x32.png': () => fromRaw(32, 32, 3, quadrants(32, 32)).withExif(EXIF_TAGS).png({ compressionLevel: 9 }).toBuffer(),
  'exif-gps-40x30.webp': () => fromRaw(40, 30, 3, quadrants(40, 30)).withExif(EXIF_TAGS).webp({ lossless: true }).toBuffer(),
  'animated-3-frames-32x32.webp': () =>
    fromRaw(32, 96, 3, (x, y) => FRAME_COLOURS[Math.floor(y / 32)], { pageHeight: 32 })
      .webp({ lossless: true, delay: [100, 100, 100], loop: 0 })
      .toBuffer(),
  // 1-px columns: black at even x, white at odd x. Averaged in linear light this is sRGB 188; in sRGB values 128.
  'stripes-64x64.png': () => pngOf(64, 64, 1, (x) => [x % 2 ? 255 : 0]),
  'grey-alpha-32x32.png': () => pngOf(32, 32, 2, quadrants(32, 32, [[0, 255], [255, 255], [128, 128], [64, 0]])),
  'quadrants-interlaced-64x48.png': () => fromRaw(64, 48, 3, quadrants(64, 48)).png({ progressive: true, compressionLevel: 9 }).toBuffer(),
  'arithmetic-64x48.jpg': async () =>
    arithmeticJpeg(await fromRaw(64, 48, 3, quadrants(64, 48)).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer()),
  // Progressive and arithmetic-coded (jpegtran's default progression: spectral selection and successive
  // approximation, so refinement scans), over a smooth gradient so AC coefficients are everywhere; 4:2:0.
  'arithmetic-progressive-128x96.jpg': async () =>
    arithmeticJpeg(await fromRaw(128, 96, 3, gradient128x96).jpeg({ quality: 90, chromaSubsampling: '4:2:0' }).toBuffer(), ['-progressive']),
  'precision12-64x48.jpg': async () =>
    as12BitHeader(await fromRaw(64, 48, 3, quadrants(64, 48)).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer()),
};

// ---- verification -----------------------------------------------------------------------------------------------

/** What decoding each fixture must give: format, size, and colours at sample points (with a tolerance). */
const expectations = {
  'subject-right-192x64.png': { format: 'png', w: 192, h: 64, samples: [[150, 30, BLACK], [150, 14, ORANGE], [20, 4, [111, 121, 136]], [20, 60, [125, 135, 150]]], tol: 0 },
  'subject-right-192x64.jpg': { format: 'jpeg', w: 192, h: 64, samples: [[150, 16, ORANGE], [20, 4, [111, 121, 136]], [20, 60, [125, 135, 150]]], tol: 12 },
  'bordered-64x48.png': { format: 'png', w: 64, h: 48, samples: [[0, 0, WHITE], [63, 47, WHITE], [10, 6, RED], [49, 6, GREEN], [10, 37, BLUE], [49, 37, BLACK], [9, 20, WHITE], [50, 20, WHITE]], tol: 0 },
  'bordered-64x48.jpg': { format: 'jpeg', w: 64, h: 48, samples: [[0, 0, WHITE], [63, 47, WHITE], [20, 12, RED], [40, 12, GREEN], [20, 30, BLUE], [40, 30, BLACK]], tol: 8 },
  'bordered-alpha-64x48.png': { format: 'png', w: 64, h: 48, channels: 4, samples: [[0, 0, [0, 0, 0, 0]], [10, 6, [...RED, 255]], [49, 37, [...BLACK, 255]], [50, 37, [0, 0, 0, 0]]], tol: 0 },
  'quadrants-64x48.png': { format: 'png', w: 64, h: 48, samples: quadrantSamples(64, 48), tol: 0 },
  'quadrants-64x48.jpg': { format: 'jpeg', w: 64, h: 48, samples: quadrantSamples(64, 48), tol: 8 },
  'quadrants-progressive-64x48.jpg': { format: 'jpeg', w: 64, h: 48, progressive: true, samples: quadrantSamples(64, 48), tol: 8 },
  'grey-64x48.jpg': { format: 'jpeg', w: 64, h: 48, channels: 1, samples: quadrantSamples(64, 48, [[0], [85], [170], [255]]), tol: 4 },
  // sRGB → CMYK → sRGB goes through libvips' built-in CMYK profile twice, so the colours come back shifted.
  'cmyk-64x48.jpg': {
    format: 'jpeg', w: 64, h: 48, space: 'cmyk', channels: 4,
    samples: quadrantSamples(64, 48, [[232, 0, 21], [191, 207, 0], [27, 60, 140], WHITE]), tol: 12,
  },
  'exif-orientation-6-48x32.jpg': {
    format: 'jpeg', w: 48, h: 32, orientation: 6, samples: quadrantSamples(48, 32), tol: 8,
    // After applying the orientation (rotate 90° clockwise) the image is 32×48: blue, red / white, green.
    oriented: { w: 32, h: 48, samples: quadrantSamples(32, 48, [BLUE, RED, WHITE, GREEN]) },
  },
  'truncated-128x96.jpg': { format: 'jpeg', w: 128, h: 96, truncated: true },
  // Pixels are whatever the overflowing arithmetic gives; the JPEG kernels' exactness test compares them with the C's.
  'quant16-64x48.jpg': { format: 'jpeg', w: 64, h: 48 },
  'quant64-64x48.jpg': { format: 'jpeg', w: 64, h: 48 },
  'alpha-left-half-32x32.png': { format: 'png', w: 32, h: 32, channels: 4, samples: [[4, 16, [0, 0, 0, 0]], [28, 16, [...RED, 255]]], tol: 0 },
  'pixel-1x1.png': { format: 'png', w: 1, h: 1, samples: [[0, 0, ORANGE]], tol: 0 },
  'strip-1x300.png': { format: 'png', w: 1, h: 300, samples: [[0, 0, RED], [0, 149, RED], [0, 150, BLUE], [0, 299, BLUE]], tol: 0 },
  'strip-300x1.png': { format: 'png', w: 300, h: 1, samples: [[0, 0, RED], [149, 0, RED], [150, 0, BLUE], [299, 0, BLUE]], tol: 0 },
  'animated-8-frames-32x32.gif': { format: 'gif', w: 32, h: 32, pages: 8, frames: FRAME_COLOURS, tol: 0 },
  'lossy-40x30.webp': { format: 'webp', w: 40, h: 30, samples: quadrantSamples(40, 30), tol: 12 },
  'lossless-alpha-32x32.webp': { format: 'webp', w: 32, h: 32, channels: 4, samples: [[4, 16, [0, 0, 0, 0]], [28, 16, [...GREEN, 255]]], tol: 0 },
  'quadrants-24x16.avif': { format: 'heif', w: 24, h: 16, samples: quadrantSamples(24, 16), tol: 16 },
  'rgb16-32x32.png': { format: 'png', w: 32, h: 32, depth: 'ushort', samples: quadrantSamples(32, 32, [RED, GREEN, BLUE, [64, 128, 192]]), tol: 1 },
  'palette-trns-32x32.png': { format: 'png', w: 32, h: 32, palette: true, samples: [[4, 4, [0, 0, 0, 0]], [28, 4, [...RED, 255]], [28, 28, [...BLUE, 128]]], tol: 0 },
  'huge-header-20000x20000.png': { format: 'png', w: 20000, h: 20000, headerOnly: true },
  'huge-header-20000x20000.jpg': { format: 'jpeg', w: 20000, h: 20000, headerOnly: true },
  // `samples` are sharp's own conversion to sRGB through the embedded profile (lcms); `stored` the values as written.
  'p3-quadrants-64x48.png': { format: 'png', w: 64, h: 48, icc: 'RGB ', stored: quadrantSamples(64, 48, WIDE_QUADRANTS), samples: quadrantSamples(64, 48, [RED, GREEN, [216, 69, 51], [128, 128, 128]]), tol: 0 },
  'p3-quadrants-64x48.jpg': { format: 'jpeg', w: 64, h: 48, icc: 'RGB ', stored: quadrantSamples(64, 48, WIDE_QUADRANTS), samples: quadrantSamples(64, 48, [RED, GREEN, [216, 69, 51], [128, 128, 128]]), tol: 3 },
  'adobergb-quadrants-64x48.jpg': { format: 'jpeg', w: 64, h: 48, icc: 'RGB ', stored: quadrantSamples(64, 48, WIDE_QUADRANTS), samples: quadrantSamples(64, 48, [RED, GREEN, [231, 79, 57], [129, 129, 129]]), tol: 3 },
  'p3-srgb-quadrants-40x30.webp': { format: 'webp', w: 40, h: 30, icc: 'RGB ', stored: quadrantSamples(40, 30, [[234, 51, 34], [117, 251, 76], [0, 0, 245], WHITE]), samples: quadrantSamples(40, 30, [RED, [3, 255, 0], [1, 0, 255], WHITE]), tol: 0 },
  'p3-srgb-quadrants-24x16.avif': { format: 'heif', w: 24, h: 16, icc: 'RGB ', stored: quadrantSamples(24, 16, [[234, 51, 34], [117, 251, 76], [0, 0, 245], WHITE]), samples: quadrantSamples(24, 16), tol: 16 },
  'exif-gps-48x32.jpg': { format: 'jpeg', w: 48, h: 32, exif: ['Ada Example', 'CC0 1.0, test fixture', 'private note'], samples: quadrantSamples(48, 32), tol: 8 },
  'exif-gps-32x32.png': { format: 'png', w: 32, h: 32, exif: ['Ada Example', 'CC0 1.0, test fixture', 'private note'], samples: quadrantSamples(32, 32), tol: 0 },
  'exif-gps-40x30.webp': { format: 'webp', w: 40, h: 30, exif: ['Ada Example', 'CC0 1.0, test fixture', 'private note'], samples: quadrantSamples(40, 30), tol: 0 },
  'animated-3-frames-32x32.webp': { format: 'webp', w: 32, h: 32, pages: 3, frames: FRAME_COLOURS.slice(0, 3), tol: 0 },
  'stripes-64x64.png': { format: 'png', w: 64, h: 64, channels: 1, samples: [[0, 0, [0]], [1, 0, [255]], [62, 63, [0]], [63, 63, [255]]], tol: 0 },
  'grey-alpha-32x32.png': { format: 'png', w: 32, h: 32, channels: 2, samples: quadrantSamples(32, 32, [[0, 0, 0, 255], [255, 255, 255, 255], [128, 128, 128, 128], [64, 64, 64, 0]]), tol: 0 },
  'quadrants-interlaced-64x48.png': { format: 'png', w: 64, h: 48, progressive: true, samples: quadrantSamples(64, 48), tol: 0 },
  'arithmetic-64x48.jpg': { format: 'jpeg', w: 64, h: 48, samples: quadrantSamples(64, 48), tol: 8 },
  'arithmetic-progressive-128x96.jpg': { format: 'jpeg', w: 128, h: 96, samples: [[16, 16, gradient128x96(16, 16)], [100, 20, gradient128x96(100, 20)], [64, 80, gradient128x96(64, 80)]], tol: 6 },
  'precision12-64x48.jpg': { format: 'jpeg', w: 64, h: 48, headerOnly: true },
};

/** Sample points a quarter of the way in from each corner, i.e. the centre of each quadrant. */
function quadrantSamples(w, h, colours = QUADRANTS) {
  const xs = [Math.floor(w / 4), Math.floor((3 * w) / 4)];
  const ys = [Math.floor(h / 4), Math.floor((3 * h) / 4)];
  return [[xs[0], ys[0], colours[0]], [xs[1], ys[0], colours[1]], [xs[0], ys[1], colours[2]], [xs[1], ys[1], colours[3]]];
}

async function pixelsOf(image) {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { at: (x, y) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels)), info };
}

function compare(label, got, want, tol, problems) {
  const diff = Math.max(...want.map((v, i) => Math.abs(v - got[i])));
  if (!(diff <= tol)) problems.push(`${label}: got [${got}] want [${want}] ±${tol}`);
}

/** Dimensions straight from the header, for the files sharp refuses to open at all. */
function headerDimensions(bytes) {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  for (let i = 2; i + 9 < bytes.length; ) {
    const marker = bytes[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { format: 'jpeg', width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
    }
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return {};
}

async function verify(name, bytes) {
  const want = expectations[name];
  const problems = [];
  const meta = await sharp(bytes, { animated: true }).metadata().catch((err) => {
    if (!want.headerOnly) throw err;
    return { ...headerDimensions(bytes), space: 'header only' };
  });
  const height = meta.pageHeight ?? meta.height;
  if (meta.format !== want.format) problems.push(`format ${meta.format} != ${want.format}`);
  if (meta.width !== want.w || height !== want.h) problems.push(`size ${meta.width}×${height} != ${want.w}×${want.h}`);
  if (want.channels && meta.channels !== want.channels) problems.push(`channels ${meta.channels} != ${want.channels}`);
  if (want.space && meta.space !== want.space) problems.push(`space ${meta.space} != ${want.space}`);
  if (want.depth && meta.depth !== want.depth) problems.push(`depth ${meta.depth} != ${want.depth}`);
  if (want.orientation && meta.orientation !== want.orientation) problems.push(`orientation ${meta.orientation} != ${want.orientation}`);
  if (want.progressive && !meta.isProgressive) problems.push('not progressive');
  if (want.palette && !meta.isPalette) problems.push('not a palette image');
  if (want.pages && meta.pages !== want.pages) problems.push(`pages ${meta.pages} != ${want.pages}`);

  if (want.truncated || want.headerOnly) {
    // Must fail to decode with sharp's strict mode (failOn 'error' is not enough for a truncated JPEG's warning).
    const failed = await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer().then(() => false, () => true);
    if (!failed) problems.push('decoded although it should not');
  }
  if (want.samples) {
    const { at } = await pixelsOf(sharp(bytes));
    for (const [x, y, colour] of want.samples) compare(`(${x},${y})`, at(x, y), colour, want.tol, problems);
  }
  if (want.stored) {
    const { at } = await pixelsOf(sharp(bytes).keepIccProfile());
    for (const [x, y, colour] of want.stored) compare(`stored (${x},${y})`, at(x, y), colour, want.tol, problems);
  }
  if (want.icc && meta.icc?.subarray(16, 20).toString('latin1') !== want.icc) problems.push(`no '${want.icc}' ICC profile`);
  if (want.exif) {
    const exif = meta.exif?.toString('latin1') ?? '';
    for (const text of want.exif) if (!exif.includes(text)) problems.push(`EXIF lacks '${text}'`);
    if (!/GPS|\x88\x25|\x25\x88/.test(exif)) problems.push('EXIF lacks a GPS IFD');
  }
  if (want.oriented) {
    const { at, info } = await pixelsOf(sharp(bytes).rotate());
    if (info.width !== want.oriented.w || info.height !== want.oriented.h) problems.push(`oriented size ${info.width}×${info.height}`);
    for (const [x, y, colour] of want.oriented.samples) compare(`oriented (${x},${y})`, at(x, y), colour, want.tol, problems);
  }
  if (want.frames) {
    for (const [i, colour] of want.frames.entries()) {
      const { at } = await pixelsOf(sharp(bytes, { page: i }).removeAlpha());
      compare(`frame ${i}`, at(16, 16), colour, want.tol, problems);
    }
  }
  const kind = [meta.space, meta.depth, meta.channels && `${meta.channels}ch`, meta.hasAlpha ? 'alpha' : '', meta.isPalette ? 'palette' : '',
    meta.isProgressive ? 'progressive' : '', meta.orientation ? `orientation=${meta.orientation}` : '', meta.icc ? 'icc' : '',
    meta.pages > 1 ? `${meta.pages} frames` : ''].filter(Boolean).join(' ');
  return { name, format: meta.format, size: `${meta.width}×${height}`, bytes: bytes.length, kind, problems };
}

// ---- main ---------------------------------------------------------------------------------------------------------

const rows = [];
let failures = 0;
if (!checkOnly) fs.mkdirSync(outDir, { recursive: true });
for (const [name, make] of Object.entries(fixtures)) {
  const bytes = await make();
  const file = path.join(outDir, name);
  if (checkOnly) {
    const existing = fs.existsSync(file) ? fs.readFileSync(file) : null;
    if (!existing || !existing.equals(bytes)) {
      failures++;
      console.error(`${name}: ${existing ? 'differs from' : 'missing in'} ${outDir}`);
    }
  } else {
    fs.writeFileSync(file, bytes);
  }
  const row = await verify(name, bytes);
  if (row.problems.length) failures++;
  rows.push(row);
}

console.log('| file | format | size | bytes | decoded as | check |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.format} | ${r.size} | ${r.bytes} | ${r.kind} | ${r.problems.length ? r.problems.join('; ') : 'ok'} |`);
}
if (failures) {
  console.error(`${failures} fixture(s) failed`);
  process.exit(1);
}
