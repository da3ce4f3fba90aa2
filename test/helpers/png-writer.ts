/**
 * Writes small PNGs byte by byte for tests, including ones no encoder would write (chunk lengths that lie, indices past
 * the palette, sizes that disagree with the data). IDAT is zlib with stored (uncompressed) deflate blocks, so what is
 * in it is exactly the filtered rows given.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: ArrayLike<number>): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** One chunk; `length` overrides the length field (a lie), the CRC is always right for what is written. */
export function pngChunk(type: string, data: ArrayLike<number>, length = data.length): number[] {
  const body = [...ascii(type), ...Array.from(data)];
  return [...be32(length), ...body, ...be32(crc32(body))];
}

/** zlib stream of stored deflate blocks (RFC 1950/1951), with its Adler-32. */
export function zlibStored(data: ArrayLike<number>): number[] {
  const out = [0x78, 0x01];
  for (let at = 0; at < data.length || at === 0; at += 65535) {
    const n = Math.min(65535, data.length - at);
    const final = at + n >= data.length ? 1 : 0;
    out.push(final, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff);
    for (let i = 0; i < n; i++) out.push(data[at + i]!);
    if (n === 0) break;
  }
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return [...out, ...be32(((b << 16) | a) >>> 0)];
}

export interface PngSpec {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  /** Filtered rows as they go into IDAT (each with its filter byte); default: filter 0 and `pixels`. */
  raw?: ArrayLike<number>;
  /** Unfiltered sample bytes, row after row (packed for depths < 8). */
  pixels?: ArrayLike<number>;
  /** Chunks between IHDR and IDAT (already framed by `pngChunk`). */
  before?: number[][];
  interlaced?: boolean;
}

export function writePng(spec: PngSpec): Uint8Array {
  const ihdr = [...be32(spec.width), ...be32(spec.height), spec.bitDepth, spec.colourType, 0, 0, spec.interlaced ? 1 : 0];
  let raw = spec.raw;
  if (!raw) {
    const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[spec.colourType]!;
    const stride = Math.ceil((spec.width * channels * spec.bitDepth) / 8);
    const rows: number[] = [];
    for (let y = 0; y < spec.height; y++) rows.push(0, ...Array.from({ length: stride }, (_, i) => spec.pixels![y * stride + i] ?? 0));
    raw = rows;
  }
  return new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ...pngChunk('IHDR', ihdr),
    ...(spec.before ?? []).flat(),
    ...pngChunk('IDAT', zlibStored(raw)),
    ...pngChunk('IEND', []),
  ]);
}
