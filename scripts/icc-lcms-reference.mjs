#!/usr/bin/env node
// Writes the LUT/grey colour-management fixtures (test/fixtures/lut-p3-swatches-64x48.{png,jpg},
// grey18-swatches-64x48.{png,jpg}: eight solid swatches tagged with test/fixtures/lut-p3-v4.icc or grey-gamma18.icc,
// made by scripts/make-lut-profiles.c; plus, in the JSON only, the JPEG's swatches tagged with lut-and-matrix-p3-v4.icc) and test/fixtures/icc-lcms.json: what independent converters make of their
// swatch centres in sRGB, for test/pipeline/steps/color-lcms.test.ts (workerd cannot run sharp):
//   sharp   sharp(file).toColourspace('srgb'): libvips' own lcms2 build, its default (perceptual) intent, float pipeline;
//   tificc  Debian's liblcms2-utils `tificc -t0 -i PROFILE` (perceptual) on a TIFF of the stored pixels, sRGB out;
//           also `-t1` (relative colorimetric) for the RGB LUT profile, to show which table each used: the profile's
//           A2B0 (perceptual) is Display P3 with chroma × 0.8, its A2B1 (colorimetric) exact Display P3.
// The stored pixels are as sharp decodes them with no colour management (`keepIccProfile`); the JPEGs are 4:4:4 q95.
// Profiles are embedded byte by byte (APP2 ICC_PROFILE after SOI, iCCP after IHDR): sharp's withIccProfile would
// convert the pixels into the profile, which a LUT input profile (no B2A tags) cannot do.
//
// Usage: node scripts/icc-lcms-reference.mjs [--check]   (--check: regenerate in memory, exit 1 if anything differs)
//   tificc is optional (apt-get install liblcms2-utils); without it the tificc columns are left as committed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import sharp from 'sharp';

sharp.concurrency(1);
sharp.cache(false);
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures');
const check = process.argv.includes('--check');

const W = 64;
const H = 48;
/** Swatch i covers columns 16·(i % 4) .. +15, rows 24·⌊i / 4⌋ .. +23; its centre is sampled. */
const centre = (i) => [16 * (i % 4) + 8, 24 * Math.floor(i / 4) + 12];
const RGB_SWATCHES = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [200, 80, 60], [128, 128, 128], [30, 30, 30], [240, 220, 180], [0, 0, 0]];
const GREY_SWATCHES = [0, 16, 48, 96, 128, 176, 224, 255];

function raw(channels, colours) {
  const data = Buffer.alloc(W * H * channels);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const colour = [].concat(colours[4 * Math.floor(y / 24) + Math.floor(x / 16)]);
      for (let c = 0; c < channels; c++) data[(y * W + x) * channels + c] = colour[c];
    }
  }
  return sharp(data, { raw: { width: W, height: H, channels } });
}

function withJpegIcc(jpeg, icc) {
  const payload = Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), icc]);
  const header = Buffer.from([0xff, 0xe2, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

function withPngIcc(png, name, icc) {
  const body = Buffer.concat([Buffer.from('iCCP', 'latin1'), Buffer.from(`${name}\0\0`, 'latin1'), zlib.deflateSync(icc, { level: 9 })]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(zlib.crc32(body), body.length + 4);
  const ihdrEnd = 8 + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

const lut = fs.readFileSync(path.join(dir, 'lut-p3-v4.icc'));
const grey = fs.readFileSync(path.join(dir, 'grey-gamma18.icc'));
const both = fs.readFileSync(path.join(dir, 'lut-and-matrix-p3-v4.icc'));
const fixtures = {
  'lut-p3-swatches-64x48.png': { profile: 'lut-p3-v4.icc', make: async () => withPngIcc(await raw(3, RGB_SWATCHES).png({ compressionLevel: 9 }).toBuffer(), 'LUT P3', lut) },
  'lut-p3-swatches-64x48.jpg': { profile: 'lut-p3-v4.icc', make: async () => withJpegIcc(await raw(3, RGB_SWATCHES).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(), lut) },
  'grey18-swatches-64x48.png': { profile: 'grey-gamma18.icc', make: async () => withPngIcc(await raw(1, GREY_SWATCHES).toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer(), 'Grey 1.8', grey) },
  // Not written: the tests make it from lut-p3-swatches-64x48.jpg by swapping its APP2 for lut-and-matrix-p3-v4.icc.
  'lut-and-matrix-swatches-64x48.jpg': { profile: 'lut-and-matrix-p3-v4.icc', virtual: true, make: async () => withJpegIcc(await raw(3, RGB_SWATCHES).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(), both) },
  'grey18-swatches-64x48.jpg': { profile: 'grey-gamma18.icc', make: async () => withJpegIcc(await raw(1, GREY_SWATCHES).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer(), grey) },
};

async function centres(image) {
  const { data, info } = await image.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return Array.from({ length: 8 }, (_, i) => {
    const [x, y] = centre(i);
    const at = (y * info.width + x) * info.channels;
    return [data[at], data[at + 1], data[at + 2]];
  });
}

const hasTificc = spawnSync('tificc', ['-h'], { encoding: 'utf8' }).error === undefined;
const previous = fs.existsSync(path.join(dir, 'icc-lcms.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'icc-lcms.json'), 'utf8')) : { fixtures: {} };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icc-lcms-'));

/** tificc's sRGB for the stored pixels (an untagged 8-bit RGB TIFF; the profile given with -i). */
async function tificc(bytes, profile, intent) {
  if (!hasTificc) return undefined;
  const output = path.join(tmp, 'out.tif');
  const plain = path.join(tmp, 'plain.tif');
  // The stored samples (grey or RGB), untagged: tificc must use -i's profile.
  const stored = sharp(bytes).keepIccProfile();
  const { data, info } = await (profile.startsWith('grey') ? stored.extractChannel(0) : stored).raw().toBuffer({ resolveWithObject: true });
  await sharp(data, { raw: { width: W, height: H, channels: info.channels } }).toColourspace(info.channels === 1 ? 'b-w' : 'srgb').tiff({ compression: 'none' }).toFile(plain);
  const run = spawnSync('tificc', [`-t${intent}`, '-i', path.join(dir, profile), plain, output], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tificc: ${run.stderr}`);
  return centres(sharp(output));
}

const json = { note: `made by scripts/icc-lcms-reference.mjs with sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}, lcms2 ${sharp.versions.lcms ?? '?'})${hasTificc ? ' and tificc (liblcms2-utils)' : ''}; swatch i is centred at (16·(i % 4) + 8, 24·⌊i / 4⌋ + 12)`, fixtures: {} };
let differs = 0;
for (const [name, { profile, make, virtual }] of Object.entries(fixtures)) {
  const bytes = await make();
  const file = path.join(dir, name);
  if (virtual) {
    // nothing to write or compare
  } else if (check) {
    if (!fs.existsSync(file) || !fs.readFileSync(file).equals(bytes)) {
      console.log(`${name} differs`);
      differs++;
    }
  } else {
    fs.writeFileSync(file, bytes);
  }
  const meta = await sharp(bytes).metadata();
  if (meta.width !== W || meta.height !== H || !meta.icc) throw new Error(`${name}: ${meta.width}×${meta.height}, icc ${Boolean(meta.icc)}`);
  const entry = {
    profile,
    stored: await centres(sharp(bytes).keepIccProfile()),
    sharp: await centres(sharp(bytes)),
    tificcPerceptual: (await tificc(bytes, profile, 0)) ?? previous.fixtures[name]?.tificcPerceptual,
  };
  if (profile !== 'grey-gamma18.icc') entry.tificcColorimetric = (await tificc(bytes, profile, 1)) ?? previous.fixtures[name]?.tificcColorimetric;
  json.fixtures[name] = entry;
}
fs.rmSync(tmp, { recursive: true });
const text = JSON.stringify(json, null, 1).replace(/\[\n\s+(\d+),\n\s+(\d+),\n\s+(\d+)\n\s+\]/g, '[$1, $2, $3]') + '\n';
if (check) {
  const same = JSON.stringify(json.fixtures) === JSON.stringify(previous.fixtures);
  if (!same) console.log('icc-lcms.json differs');
  process.exit(same && !differs ? 0 : 1);
}
fs.writeFileSync(path.join(dir, 'icc-lcms.json'), text);
console.log(`wrote ${Object.keys(fixtures).join(', ')} and icc-lcms.json`);
