/**
 * Writes small GIFs byte by byte for tests, including ones no encoder would write: a frame larger than its screen or
 * far off it, indices past the palette, data cut short. LZW is written "uncompressed": one code per pixel, with a
 * clear code often enough that the code width never grows (valid LZW that every decoder reads).
 */

export interface GifFrameSpec {
  left?: number;
  top?: number;
  /** Defaults to the screen's. */
  width?: number;
  height?: number;
  /** Colour indices, row-major in the order they are coded (for an interlaced frame: pass order). */
  indices: ArrayLike<number>;
  interlaced?: boolean;
  /** A local colour table (RGB triples); its size is rounded up to a power of two. */
  palette?: number[][];
  transparentIndex?: number;
  /** Stop writing the data after this many bytes of codes (no terminator): a truncated file. */
  cutDataAt?: number;
}

export interface GifSpec {
  width: number;
  height: number;
  /** The global colour table, RGB triples. */
  palette?: number[][];
  frames: GifFrameSpec[];
}

function colourTable(palette: number[][]): { bits: number; bytes: number[] } {
  let bits = 1;
  while (1 << bits < palette.length) bits++;
  const bytes: number[] = [];
  for (let i = 0; i < 1 << bits; i++) bytes.push(...(palette[i] ?? [0, 0, 0]));
  return { bits, bytes };
}

const le16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];

/** LZW codes for `indices` at a minimum code size of 8: 9-bit codes, a clear every 250 pixels, then end. */
function lzw(indices: ArrayLike<number>): number[] {
  const clear = 256;
  const codes: number[] = [clear];
  for (let i = 0; i < indices.length; i++) {
    if (i > 0 && i % 250 === 0) codes.push(clear);
    codes.push(indices[i]!);
  }
  codes.push(clear + 1);
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const code of codes) {
    buffer |= code << bits;
    bits += 9;
    while (bits >= 8) {
      out.push(buffer & 0xff);
      buffer >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out.push(buffer & 0xff);
  return out;
}

export function writeGif(spec: GifSpec): Uint8Array {
  const out: number[] = [...'GIF89a'].map((c) => c.charCodeAt(0));
  const global = spec.palette ? colourTable(spec.palette) : undefined;
  out.push(...le16(spec.width), ...le16(spec.height), global ? 0x80 | (global.bits - 1) : 0, 0, 0);
  if (global) out.push(...global.bytes);
  for (const frame of spec.frames) {
    if (frame.transparentIndex !== undefined) out.push(0x21, 0xf9, 4, 1, 0, 0, frame.transparentIndex, 0);
    const local = frame.palette ? colourTable(frame.palette) : undefined;
    out.push(0x2c, ...le16(frame.left ?? 0), ...le16(frame.top ?? 0), ...le16(frame.width ?? spec.width), ...le16(frame.height ?? spec.height));
    out.push((local ? 0x80 | (local.bits - 1) : 0) | (frame.interlaced ? 0x40 : 0));
    if (local) out.push(...local.bytes);
    out.push(8);
    let data = lzw(frame.indices);
    const cut = frame.cutDataAt !== undefined;
    if (cut) data = data.slice(0, frame.cutDataAt);
    for (let at = 0; at < data.length; at += 255) {
      const block = data.slice(at, at + 255);
      out.push(block.length, ...block);
    }
    if (cut) return new Uint8Array(out);
    out.push(0);
  }
  out.push(0x3b);
  return new Uint8Array(out);
}
