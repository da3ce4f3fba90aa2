/**
 * Writes minimal AVIF containers byte by byte for tests (ftyp, meta with hdlr/pitm/iinf/iloc/iprp, mdat), around
 * AV1 data given as bytes: enough for a header reader and a bounds check, not a decodable image unless the data is.
 */

const be = (n: number, bytes: number) => Array.from({ length: bytes }, (_, i) => Math.floor(n / 256 ** (bytes - 1 - i)) & 0xff);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

export function box(type: string, ...payload: number[][]): number[] {
  const body = payload.flat();
  return [...be(8 + body.length, 4), ...ascii(type), ...body];
}

const full = (type: string, version: number, ...payload: number[][]) => box(type, [version, 0, 0, 0], ...payload);

/** An AV1 sequence header OBU (reduced still-picture header) declaring max_frame_width × max_frame_height. */
export function sequenceHeaderObu(width: number, height: number): number[] {
  const bits: number[] = [];
  const put = (value: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push(Math.floor(value / 2 ** i) & 1);
  };
  put(0, 3); // seq_profile
  put(1, 1); // still_picture
  put(1, 1); // reduced_still_picture_header
  put(8, 5); // seq_level_idx
  put(15, 4); // frame_width_bits_minus_1: 16 bits
  put(15, 4);
  put(width - 1, 16);
  put(height - 1, 16);
  put(0, 3); // frame_id_numbers_present_flag, use_128x128_superblock, … (enough trailing bits for a reader)
  while (bits.length % 8) bits.push(0);
  const payload = Array.from({ length: bits.length / 8 }, (_, i) => bits.slice(i * 8, i * 8 + 8).reduce((v, b) => v * 2 + b, 0));
  return [(1 << 3) | 2, payload.length, ...payload];
}

export interface AvifSpec {
  /** The primary item's `ispe`. */
  width: number;
  height: number;
  /** The primary item's data (AV1 OBUs). */
  data: number[];
  /** When set, the primary item is a grid of this output size over one tile (item 2) holding `data`. */
  grid?: { width: number; height: number; rows: number; columns: number };
}

export function writeAvif(spec: AvifSpec): Uint8Array {
  const ftyp = box('ftyp', ascii('avif'), be(0, 4), ascii('avifmif1miaf'));
  const grid = spec.grid;
  const gridData = grid ? [0, 0, grid.rows - 1, grid.columns - 1, ...be(grid.width, 2), ...be(grid.height, 2)] : [];
  const items = grid ? [{ id: 1, type: 'grid', data: gridData }, { id: 2, type: 'av01', data: spec.data }] : [{ id: 1, type: 'av01', data: spec.data }];
  const build = (mdatStart: number) => {
    let offset = mdatStart + 8;
    const locations = items.map((item) => {
      const at = offset;
      offset += item.data.length;
      return [...be(item.id, 2), ...be(0, 2), ...be(1, 2), ...be(at, 4), ...be(item.data.length, 4)];
    });
    const meta = full(
      'meta', 0,
      full('hdlr', 0, be(0, 4), ascii('pict'), be(0, 12), [0]),
      full('pitm', 0, be(1, 2)),
      full('iinf', 0, be(items.length, 2), ...items.map((item) => full('infe', 2, be(item.id, 2), be(0, 2), ascii(item.type), [0]))),
      full('iloc', 0, [0x44, 0x00], be(items.length, 2), ...locations),
      box('iprp', box('ipco', full('ispe', 0, be(spec.width, 4), be(spec.height, 4)), box('av1C', [0x81, 0x08, 0x0c, 0x00])),
        full('ipma', 0, be(items.length, 4), ...items.map((item) => [...be(item.id, 2), 2, 0x81, 0x82]))),
    );
    return meta;
  };
  const meta = build(ftyp.length + build(0).length);
  const mdat = box('mdat', ...items.map((item) => item.data));
  return new Uint8Array([...ftyp, ...meta, ...mdat]);
}

/** A copy with every `ispe` property set to width × height. */
export function withIspe(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (let at = 4; at + 16 <= out.length; at++) {
    if (String.fromCharCode(...out.subarray(at, at + 4)) === 'ispe') {
      view.setUint32(at + 8, width);
      view.setUint32(at + 12, height);
    }
  }
  return out;
}
