/**
 * Writes flat-colour progressive JPEGs of any size byte by byte for tests (a 48 MP one is ~140 kB and takes
 * milliseconds): 4:2:0 YCbCr, a quantisation table of ones, one interleaved DC scan (the first block of each component
 * carries the colour, every other block a zero difference: one bit), then one AC scan per component that is all
 * end-of-band runs. Real progressive files (refinement scans, spectral selection) come from the corpus and samples.
 */

class BitWriter {
  readonly bytes: number[] = [];
  private buffer = 0;
  private count = 0;
  put(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.buffer = (this.buffer << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.buffer);
    if (this.buffer === 0xff) this.bytes.push(0); // byte stuffing
    this.buffer = 0;
    this.count = 0;
  }
  /** Pads with 1-bits to a byte boundary (T.81 F.1.2.3). */
  end(): number[] {
    if (this.count > 0) this.put(0xff, 8 - this.count);
    return this.bytes;
  }
}

const be16 = (n: number) => [(n >> 8) & 255, n & 255];
const segment = (marker: number, body: number[]) => [0xff, marker, ...be16(body.length + 2), ...body];

/** DC table: category 0 → '0'; categories 1..11 → 5-bit codes 10000.. (canonical: lengths 1 and 5). */
const DC_BITS = [1, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const dcCode = (category: number) => (category === 0 ? { code: 0, length: 1 } : { code: 16 + category - 1, length: 5 });
/** AC table: end-of-band runs EOB0..EOB14 (symbols 0x00, 0x10 … 0xE0), 4-bit codes 0000..1110. */
const AC_BITS = [0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_SYMBOLS = Array.from({ length: 15 }, (_, r) => r << 4);

function putDc(bits: BitWriter, diff: number): void {
  const magnitude = Math.abs(diff);
  const category = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
  const { code, length } = dcCode(category);
  bits.put(code, length);
  if (category > 0) bits.put(diff > 0 ? diff : diff + (1 << category) - 1, category);
}

function putEobRuns(bits: BitWriter, blocks: number): void {
  for (let left = blocks; left > 0; ) {
    const run = Math.min(left, 32767);
    const r = Math.floor(Math.log2(run));
    bits.put(r, 4); // symbol r<<4 has code r
    if (r > 0) bits.put(run - (1 << r), r);
    left -= run;
  }
}

/** A flat `width × height` progressive JPEG of one YCbCr colour (JFIF: Y, Cb, Cr 0..255; grey when Cb = Cr = 128). */
export function writeFlatProgressiveJpeg(width: number, height: number, ycc: [number, number, number] = [200, 128, 128]): Uint8Array {
  const out: number[] = [0xff, 0xd8];
  out.push(...segment(0xdb, [0, ...new Array(64).fill(1)]));
  out.push(...segment(0xc2, [8, ...be16(height), ...be16(width), 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0]));
  out.push(...segment(0xc4, [0x00, ...DC_BITS, ...DC_SYMBOLS]));
  out.push(...segment(0xc4, [0x10, ...AC_BITS, ...AC_SYMBOLS]));
  // DC scan, interleaved: per MCU four Y blocks, then Cb, then Cr. DC = (value − 128) × 8 with a quantiser of 1.
  const mcus = Math.ceil(width / 16) * Math.ceil(height / 16);
  const dc = ycc.map((v) => (v - 128) * 8);
  const bits = new BitWriter();
  for (let m = 0; m < mcus; m++) {
    for (let b = 0; b < 4; b++) putDc(bits, m === 0 && b === 0 ? dc[0]! : 0);
    putDc(bits, m === 0 ? dc[1]! : 0);
    putDc(bits, m === 0 ? dc[2]! : 0);
  }
  const parts: ArrayLike<number>[] = [out, segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0]), bits.end()];
  // One AC scan per component (non-interleaved: exactly the component's blocks, no MCU padding), all end-of-band.
  const blocks = [
    Math.ceil(width / 8) * Math.ceil(height / 8),
    Math.ceil(Math.ceil(width / 2) / 8) * Math.ceil(Math.ceil(height / 2) / 8),
    Math.ceil(Math.ceil(width / 2) / 8) * Math.ceil(Math.ceil(height / 2) / 8),
  ];
  blocks.forEach((count, c) => {
    const ac = new BitWriter();
    putEobRuns(ac, count);
    parts.push(segment(0xda, [1, c + 1, 0x00, 1, 63, 0]), ac.end());
  });
  parts.push([0xff, 0xd9]);
  const result = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    result.set(part, at);
    at += part.length;
  }
  return result;
}
