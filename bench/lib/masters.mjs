// @ts-check
/**
 * The masters the bench uses: real images from the shared corpus (described by its CATALOG.tsv), and
 * larger ones made at bench time by upscaling a real photo into a temporary folder (never committed).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * @typedef {'jpeg' | 'png' | 'webp' | 'avif' | 'gif'} InputFormat
 * @typedef {object} Master
 * @property {string} id           short name for tables
 * @property {string} path         where the file is
 * @property {string} label        what a reader needs: file, format, size
 * @property {InputFormat} format
 * @property {number} width
 * @property {number} height
 * @property {boolean} alpha
 * @property {number} orientation  EXIF orientation, 1 when absent
 * @property {Uint8Array<ArrayBuffer>} bytes
 */

export const CORPUS = process.env.BENCH_CORPUS ?? new URL('../../../shared/corpus/', import.meta.url).pathname;

/** @param {number} width @param {number} height */
export function megapixels(width, height) {
  return (width * height) / 1e6;
}

/** @returns {Map<string, { format: string, width: number, height: number, notes: string }>} */
function catalog() {
  const rows = new Map();
  const text = readFileSync(join(CORPUS, 'CATALOG.tsv'), 'utf8');
  for (const line of text.split('\n').slice(1)) {
    const [path, format, width, height, , notes] = line.split('\t');
    if (path) rows.set(path, { format: format ?? '', width: Number(width), height: Number(height), notes: notes ?? '' });
  }
  return rows;
}

/** @type {ReturnType<typeof catalog> | undefined} */
let rows;

/**
 * A corpus file as a master, described by CATALOG.tsv.
 * @param {string} id
 * @param {string} path  inside the corpus, as CATALOG.tsv writes it
 * @returns {Master}
 */
export function corpusMaster(id, path) {
  rows ??= catalog();
  const row = rows.get(path);
  if (!row) throw new Error(`${path} is not in ${CORPUS}CATALOG.tsv`);
  const format = /** @type {InputFormat} */ (row.format === 'heif' ? 'avif' : row.format);
  const orientation = Number(/orientation=(\d)/.exec(row.notes)?.[1] ?? 1);
  const mp = megapixels(row.width, row.height).toFixed(1);
  return {
    id,
    path: join(CORPUS, path),
    label: `${path} (${format.toUpperCase()} ${row.width}×${row.height}, ${mp} MP${row.notes.includes('alpha') ? ', alpha' : ''})`,
    format,
    width: row.width,
    height: row.height,
    alpha: row.notes.includes('alpha'),
    orientation,
    bytes: readFileSync(join(CORPUS, path)),
  };
}

/** Whether the shared corpus is on this machine. */
export function corpusAvailable() {
  return existsSync(join(CORPUS, 'CATALOG.tsv'));
}

/**
 * A JPEG of about `mp` megapixels made by upscaling a real photo (Lanczos-3, q90), written into `dir`.
 * @param {Master} source
 * @param {number} mp
 * @param {string} dir
 * @param {{ progressive?: boolean }} [options] a progressive JPEG (libjpeg's default progression, as sharp writes it)
 * @returns {Promise<Master>}
 */
export async function upscaledMaster(source, mp, dir, options = {}) {
  const progressive = options.progressive ?? false;
  const scale = Math.sqrt((mp * 1e6) / (source.width * source.height));
  const width = Math.round(source.width * scale);
  const height = Math.round(source.height * scale);
  const bytes = await sharp(source.bytes).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).jpeg({ quality: 90, progressive }).toBuffer();
  const kind = progressive ? 'progressive JPEG' : 'JPEG';
  const path = join(dir, `upscaled-${mp}mp${progressive ? '-progressive' : ''}.jpg`);
  writeFileSync(path, bytes);
  return {
    id: progressive ? `jpeg-progressive-${mp}mp` : `jpeg-${mp}mp`,
    path,
    label: `${source.id} upscaled to ${width}×${height} (${kind}, ${megapixels(width, height).toFixed(1)} MP, made at bench time)`,
    format: 'jpeg',
    width,
    height,
    alpha: false,
    orientation: 1,
    bytes,
  };
}

/**
 * A PNG master made at bench time from a photo: `width` × `height`, RGB or RGBA (alpha 80 %, as a translucent
 * screenshot would carry), non-interlaced, sharp's default compression.
 * @param {Master} source
 * @param {number} width
 * @param {number} height
 * @param {boolean} alpha
 * @param {string} dir
 * @returns {Promise<Master>}
 */
export async function pngMaster(source, width, height, alpha, dir) {
  let image = sharp(source.bytes).resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  image = alpha ? image.ensureAlpha(0.8) : image.removeAlpha();
  const bytes = await image.png().toBuffer();
  const mp = megapixels(width, height);
  const path = join(dir, `png-${width}x${height}${alpha ? '-alpha' : ''}.png`);
  writeFileSync(path, bytes);
  return {
    id: `png-${alpha ? 'alpha-' : ''}${mp.toFixed(1)}mp`,
    path,
    label: `${source.id} resized to ${width}×${height} (PNG${alpha ? ' with alpha' : ''}, ${mp.toFixed(1)} MP, ${(bytes.length / 2 ** 20).toFixed(1)} MiB, made at bench time)`,
    format: 'png',
    width,
    height,
    alpha,
    orientation: 1,
    bytes,
  };
}

/**
 * An AVIF master made at bench time from a photo by Debian's avifenc (sharp's prebuilt libaom writes 8-bit only):
 * `width` × `height`, 4:2:0 at `depth` bits, with an alpha plane (a left-to-right ramp) when `alpha`; speed 10,
 * quantizers 10..30 (about what a camera or design tool exports). Null (and a message) without avifenc
 * (`apt-get install libavif-bin`).
 * @param {Master} source
 * @param {number} width
 * @param {number} height
 * @param {8 | 10 | 12} depth
 * @param {boolean} alpha
 * @param {string} dir
 * @param {(line: string) => void} log
 * @returns {Promise<Master | null>}
 */
export async function avifMaster(source, width, height, depth, alpha, dir, log) {
  try {
    execFileSync('avifenc', ['--version'], { encoding: 'utf8' });
  } catch {
    log(`  no avifenc (apt-get install libavif-bin): the ${width}×${height} ${depth}-bit AVIF row is skipped`);
    return null;
  }
  // (removeAlpha would run after joinChannel in sharp's pipeline, whatever the call order: only for opaque ones)
  let image = sharp(source.bytes).resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  if (!alpha) image = image.removeAlpha();
  else {
    const ramp = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) ramp[y * width + x] = 64 + Math.round((191 * x) / (width - 1));
    image = image.joinChannel(ramp, { raw: { width, height, channels: 1 } });
  }
  const png = join(dir, `avif-source-${width}x${height}.png`);
  await image.png({ compressionLevel: 1 }).toFile(png);
  const path = join(dir, `avif-${width}x${height}-${depth}bit${alpha ? '-alpha' : ''}.avif`);
  execFileSync('avifenc', ['-d', String(depth), '-y', '420', '-s', '10', '-j', '2', '--min', '10', '--max', '30', '--minalpha', '10', '--maxalpha', '30', png, path], { encoding: 'utf8' });
  const bytes = new Uint8Array(readFileSync(path));
  const mp = megapixels(width, height);
  return {
    id: `avif-${depth}bit${alpha ? '-alpha' : ''}-${mp.toFixed(1)}mp`,
    path,
    label: `${source.id} resized to ${width}×${height} (AVIF ${depth}-bit 4:2:0${alpha ? ' with alpha' : ''}, ${mp.toFixed(1)} MP, ${(bytes.length / 2 ** 20).toFixed(1)} MiB, avifenc at bench time)`,
    format: 'avif',
    width,
    height,
    alpha,
    orientation: 1,
    bytes,
  };
}
