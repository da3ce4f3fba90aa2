/**
 * Every frame size an AVIF declares, bounded before a decoder sees it. The limits are checked against the primary
 * item's `ispe` (sniff.ts), but the AV1 decoder allocates what each item's *sequence header* says
 * (`max_frame_width × max_frame_height`, up to 65536² here; libavif's own default cap is 16384², 400 MB of YUV), and a
 * grid allocates what its `grid` box says. So each `av01` item's sequence header (from its data through `iloc`, else
 * its `av1C` config OBUs) must fit the image, and a grid's output must be the image's size with at most 256 tiles.
 * Pure, bounds-checked, never allocates by a claimed length; throws `ImageError` 422.
 */
import { ImageError } from '../http/problem.js';
import type { MasterInfo } from '../options/types.js';

const MAX_BOXES = 4096;
const MAX_ITEMS = 1024;
const MAX_GRID_TILES = 256;
/** Slack over the image for an AV1 frame: encoders may code a frame a little larger than it shows (64-pixel superblocks). */
const FRAME_SLACK = 64;

interface Box {
  type: string;
  body: number;
  end: number;
}

function bad(detail: string): ImageError {
  return new ImageError(422, 'undecodable', `the avif master could not be decoded: ${detail}`);
}

class Reader {
  constructor(
    readonly b: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}
  u(bytes: number): number {
    if (bytes === 0) return 0;
    if (this.at + bytes > this.end) throw bad(`a box ends early (at byte ${this.at})`);
    let v = 0;
    for (let i = 0; i < bytes; i++) v = v * 256 + this.b[this.at + i]!;
    this.at += bytes;
    return v;
  }
  fourcc(): string {
    return String.fromCharCode(this.u(1), this.u(1), this.u(1), this.u(1));
  }
}

function boxes(b: Uint8Array, from: number, end: number, budget: { n: number }): Box[] {
  const list: Box[] = [];
  for (let at = from; at + 8 <= end; ) {
    if (++budget.n > MAX_BOXES) throw bad(`more than ${MAX_BOXES} boxes`);
    const r = new Reader(b, at, end);
    let size = r.u(4);
    const type = r.fourcc();
    if (size === 1) size = r.u(8);
    else if (size === 0) size = end - at;
    if (size < r.at - at || at + size > end) throw bad(`box '${type}' claims ${size} bytes at byte ${at}, past its parent`);
    list.push({ type, body: r.at, end: at + size });
    at += size;
  }
  return list;
}

/** Item id → { type, extents } from `iinf` and `iloc` (construction methods 0, file offsets, and 1, `idat`). */
interface Item {
  type: string;
  data?: { start: number; end: number };
}

function readItems(b: Uint8Array, meta: Box[], budget: { n: number }): Map<number, Item> {
  const items = new Map<number, Item>();
  const iinf = meta.find((x) => x.type === 'iinf');
  if (iinf) {
    const r = new Reader(b, iinf.body, iinf.end);
    const version = r.u(1);
    r.u(3);
    r.u(version === 0 ? 2 : 4);
    for (const infe of boxes(b, r.at, iinf.end, budget).filter((x) => x.type === 'infe')) {
      const e = new Reader(b, infe.body, infe.end);
      const v = e.u(1);
      e.u(3);
      if (v < 2) continue;
      const id = e.u(v === 2 ? 2 : 4);
      e.u(2);
      if (items.size >= MAX_ITEMS) throw bad(`more than ${MAX_ITEMS} items`);
      items.set(id, { type: e.fourcc() });
    }
  }
  const iloc = meta.find((x) => x.type === 'iloc');
  const idat = meta.find((x) => x.type === 'idat');
  if (iloc) {
    const r = new Reader(b, iloc.body, iloc.end);
    const version = r.u(1);
    r.u(3);
    const sizes = r.u(1);
    const offsetSize = sizes >> 4;
    const lengthSize = sizes & 15;
    const more = r.u(1);
    const baseSize = more >> 4;
    const indexSize = version === 1 || version === 2 ? more & 15 : 0;
    const count = r.u(version < 2 ? 2 : 4);
    for (let i = 0; i < count; i++) {
      const id = r.u(version < 2 ? 2 : 4);
      const method = version === 1 || version === 2 ? r.u(2) & 15 : 0;
      r.u(2); // data_reference_index
      const base = r.u(baseSize);
      const extents = r.u(2);
      let first: { start: number; end: number } | undefined;
      for (let e = 0; e < extents; e++) {
        r.u(indexSize);
        const offset = r.u(offsetSize);
        const length = r.u(lengthSize);
        if (e > 0) continue;
        const origin = method === 1 ? (idat?.body ?? Infinity) : 0;
        const start = origin + base + offset;
        const limit = method === 1 ? (idat?.end ?? 0) : b.length;
        first = { start, end: Math.min(limit, length === 0 ? limit : start + length) };
      }
      const item = items.get(id);
      if (item && first && method <= 1 && first.start < first.end) item.data = first;
    }
  }
  return items;
}

/** leb128 (AV1 spec 4.10.5), at most 8 bytes. */
function leb128(r: Reader): number {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = r.u(1);
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value;
  }
  throw bad('an OBU size runs past 8 bytes');
}

class Bits {
  private bit = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}
  f(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const at = this.start + (this.bit >> 3);
      if (at >= this.end) throw bad('the AV1 sequence header ends early');
      v = v * 2 + ((this.b[at]! >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }
  uvlc(): void {
    let zeros = 0;
    while (this.f(1) === 0) if (++zeros >= 32) return;
    this.f(zeros);
  }
}

/** max_frame_width × max_frame_height of a sequence header OBU's payload (AV1 spec 5.5.1). */
function sequenceHeaderSize(b: Uint8Array, start: number, end: number): { width: number; height: number } {
  const r = new Bits(b, start, end);
  r.f(3); // seq_profile
  r.f(1); // still_picture
  const reduced = r.f(1);
  if (reduced) {
    r.f(5);
  } else {
    let decoderModel = 0;
    let bufferDelayLength = 0;
    if (r.f(1)) {
      // timing_info
      r.f(32);
      r.f(32);
      if (r.f(1)) r.uvlc();
      decoderModel = r.f(1);
      if (decoderModel) {
        bufferDelayLength = r.f(5) + 1;
        r.f(32);
        r.f(5);
        r.f(5);
      }
    }
    const initialDisplayDelay = r.f(1);
    const points = r.f(5) + 1;
    for (let i = 0; i < points; i++) {
      r.f(12);
      if (r.f(5) > 7) r.f(1);
      if (decoderModel && r.f(1)) {
        r.f(bufferDelayLength);
        r.f(bufferDelayLength);
        r.f(1);
      }
      if (initialDisplayDelay && r.f(1)) r.f(4);
    }
  }
  const widthBits = r.f(4) + 1;
  const heightBits = r.f(4) + 1;
  return { width: r.f(widthBits) + 1, height: r.f(heightBits) + 1 };
}

/** The first sequence header in a run of OBUs (low-overhead format, sizes present), or undefined. */
function findSequenceHeader(b: Uint8Array, start: number, end: number): { width: number; height: number } | undefined {
  const r = new Reader(b, start, end);
  for (let n = 0; n < 16 && r.at < end; n++) {
    const header = r.u(1);
    const type = (header >> 3) & 15;
    if (header & 4) r.u(1); // extension
    const size = header & 2 ? leb128(r) : end - r.at;
    if (r.at + size > end) throw bad(`an AV1 OBU claims ${size} bytes, past its item`);
    if (type === 1) return sequenceHeaderSize(b, r.at, r.at + size);
    r.at += size;
  }
  return undefined;
}

/** Refuses an AVIF whose AV1 frames or grid are larger than the image its header describes. */
export function checkAvifFrames(b: Uint8Array, info: MasterInfo): void {
  const budget = { n: 0 };
  const meta = boxes(b, 0, b.length, budget).find((x) => x.type === 'meta');
  if (!meta) throw bad("no 'meta' box");
  const metaChildren = boxes(b, meta.body + 4, meta.end, budget);
  const items = readItems(b, metaChildren, budget);
  const iprp = metaChildren.find((x) => x.type === 'iprp');
  const ipco = iprp && boxes(b, iprp.body, iprp.end, budget).find((x) => x.type === 'ipco');
  const configs = ipco ? boxes(b, ipco.body, ipco.end, budget).filter((x) => x.type === 'av1C') : [];
  const maxWidth = info.width + FRAME_SLACK;
  const maxHeight = info.height + FRAME_SLACK;
  const check = (size: { width: number; height: number } | undefined, what: string) => {
    if (size && (size.width > maxWidth || size.height > maxHeight)) {
      throw bad(`${what} declares AV1 frames of up to ${size.width}×${size.height}, larger than the ${info.width}×${info.height} image its header describes`);
    }
    return size ? size.width * size.height : 0;
  };
  // Colour and alpha (each whole or in tiles) and a thumbnail: all the items together are at most 3 images' worth.
  let area = 0;
  for (const [id, item] of items) {
    if (item.type === 'av01' && item.data) area += check(findSequenceHeader(b, item.data.start, item.data.end), `item ${id}`);
    if (area > 3 * maxWidth * maxHeight) {
      throw bad(`its AV1 items together declare ${(area / 1e6).toFixed(1)} MP of frames, over three times the ${info.width}×${info.height} image its header describes`);
    }
    if (item.type === 'grid' && item.data) {
      const r = new Reader(b, item.data.start, item.data.end);
      r.u(1);
      const wide = (r.u(1) & 1) === 1;
      const tiles = (r.u(1) + 1) * (r.u(1) + 1);
      const width = r.u(wide ? 4 : 2);
      const height = r.u(wide ? 4 : 2);
      if (tiles > MAX_GRID_TILES) throw bad(`grid item ${id} has ${tiles} tiles (at most ${MAX_GRID_TILES})`);
      if (width > info.width || height > info.height) {
        throw bad(`grid item ${id} is ${width}×${height}, larger than the ${info.width}×${info.height} image its header describes`);
      }
    }
  }
  // av1C may carry the sequence header too (config OBUs after its 4 bytes).
  for (const config of configs) if (config.body + 4 < config.end) check(findSequenceHeader(b, config.body + 4, config.end), "an 'av1C' property");
}
