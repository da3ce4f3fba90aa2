/**
 * ISOBMFF boxes (ISO/IEC 14496-12 §4.2: size, type, optional largesize), as AVIF uses them, read two ways: strictly
 * to the primary item's properties (readAvifHeader: size, alpha, orientation, depth) and leniently (boxes: for the
 * readers that look for metadata, the `colr` ICC profile).
 */
import { ascii, codes, u32be as u32 } from './bytes.js';
import { type HeaderInfo, beyond, plain, strict, unreadable } from './header-info.js';
import { orientationFromIrotImir } from './tiff.js';

const MAX_BOXES = 4096;
/** The strict walk's bounds: boxes before the properties, and brands in `ftyp`. */
const MAX_HEADER_BOXES = 1024;
const MAX_BRANDS = 64;

export interface Box {
  type: string;
  /** First byte of the payload (after size, type and any largesize). */
  body: number;
  /** One past the last byte. */
  end: number;
}

/** The boxes inside `[from, to)`; a box that claims more than its parent holds ends the list. */
export function boxes(b: Uint8Array, from: number, to: number): Box[] {
  const list: Box[] = [];
  for (let at = from; at + 8 <= to && list.length < MAX_BOXES; ) {
    let size = u32(b, at);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = u32(b, at + 8) * 2 ** 32 + u32(b, at + 12);
      body = at + 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < body - at || at + size > to) break;
    list.push({ type: ascii(b, at + 4, 4), body, end: at + size });
    at += size;
  }
  return list;
}

/** The first child of type `type` in `[from, to)`. */
export function findBox(b: Uint8Array, from: number, to: number, type: string): Box | undefined {
  return boxes(b, from, to).find((box) => box.type === type);
}

// ── the header, strictly ────────────────────────────────────────────────────────────────────────────────────────

const { u8, u16be, u32be, fourcc, matches } = strict;

const ALPHA_URNS = ['urn:mpeg:mpegB:cicp:systems:auxiliary:alpha', 'urn:mpeg:hevc:2015:auxid:1'];

/** `meta` → `iprp` → `ipco`/`ipma`, resolved for the `pitm` primary item (else the largest `ispe`). */
export function readAvifHeader(b: Uint8Array): HeaderInfo {
  const budget = { boxes: 0 };
  let meta: Box | undefined;
  for (let at = 0; at < b.length && !meta; ) {
    const box = readBox(b, at, b.length, budget);
    if (box.type === 'meta') meta = box;
    else if (box.end > b.length) throw beyond(b, `AVIF box '${box.type}' before any 'meta' box`);
    at = box.end;
  }
  if (!meta) throw unreadable("the AVIF has no 'meta' box");
  if (meta.end > b.length) throw beyond(b, "the AVIF 'meta' box");
  // `meta` is a FullBox: 4 bytes of version and flags before its children; so are `pitm`, `ispe`, `auxC`, `pixi`.
  const metaChildren = children(b, meta, 4, budget);
  const pitm = metaChildren.find((x) => x.type === 'pitm');
  let primary: number | undefined;
  if (pitm) primary = u8(b, need(pitm, 0, 1)) === 0 ? u16be(b, need(pitm, 4, 2)) : u32be(b, need(pitm, 4, 4));
  const iprp = metaChildren.find((x) => x.type === 'iprp');
  const iprpChildren = iprp ? children(b, iprp, 0, budget) : [];
  const ipco = iprpChildren.find((x) => x.type === 'ipco');
  const properties = ipco ? children(b, ipco, 0, budget) : [];

  let associated: Box[] | undefined;
  if (primary !== undefined) {
    for (const ipma of iprpChildren.filter((x) => x.type === 'ipma')) {
      const indices = primaryAssociations(b, ipma, primary);
      if (indices) associated = indices.flatMap((i) => properties[i - 1] ?? []);
    }
  }
  // The primary item's own ispe; without one (no pitm/ipma), the largest: alpha planes and grid tiles are never
  // larger than the image they belong to.
  const own = associated ?? properties;
  const primaryIspe = associated?.find((x) => x.type === 'ispe');
  let best: { width: number; height: number } | undefined;
  for (const ispe of primaryIspe ? [primaryIspe] : properties.filter((x) => x.type === 'ispe')) {
    const size = { width: u32be(b, need(ispe, 4, 4)), height: u32be(b, need(ispe, 8, 4)) };
    if (!best || size.width * size.height > best.width * best.height) best = size;
  }
  if (!best) throw unreadable("the AVIF has no 'ispe' property");

  const info = plain('avif', best.width, best.height);
  info.animated = ftypBrands(b)?.includes('avis') ?? false;
  info.hasAlpha = properties.some((x) => x.type === 'auxC' && ALPHA_URNS.includes(cString(b, need(x, 4, 0), x.end)));
  const irot = own.find((x) => x.type === 'irot');
  const imir = own.find((x) => x.type === 'imir');
  info.orientation = orientationFromIrotImir(irot && u8(b, need(irot, 0, 1)), imir && u8(b, need(imir, 0, 1)));
  const pixi = own.find((x) => x.type === 'pixi');
  if (pixi && u8(b, need(pixi, 4, 1)) > 0) {
    info.components = u8(b, pixi.body + 4) === 1 ? 1 : 3;
    info.bitDepth = u8(b, need(pixi, 5, 1));
  }
  return info;
}

/** The 1-based `ipco` indices associated with `item` in one `ipma`, or undefined when it lists no such item. */
function primaryAssociations(b: Uint8Array, ipma: Box, item: number): number[] | undefined {
  const version = u8(b, need(ipma, 0, 8));
  const wide = (u8(b, ipma.body + 3) & 1) === 1;
  const entries = u32be(b, ipma.body + 4);
  let at = ipma.body + 8;
  // Every entry takes at least 3 bytes, so this loop is bounded by the box size, not by the claimed count.
  for (let e = 0; e < entries; e++) {
    if (at + (version < 1 ? 3 : 5) > ipma.end) throw unreadable("the AVIF 'ipma' box is truncated");
    const id = version < 1 ? u16be(b, at) : u32be(b, at);
    at += version < 1 ? 2 : 4;
    const count = u8(b, at++);
    if (at + count * (wide ? 2 : 1) > ipma.end) throw unreadable("the AVIF 'ipma' box is truncated");
    if (id === item) {
      const out: number[] = [];
      for (let i = 0; i < count; i++) out.push(wide ? u16be(b, at + 2 * i) & 0x7fff : u8(b, at + i) & 0x7f);
      return out;
    }
    at += count * (wide ? 2 : 1);
  }
  return undefined;
}

function readBox(b: Uint8Array, at: number, limit: number, budget: { boxes: number }): Box {
  if (++budget.boxes > MAX_HEADER_BOXES) throw unreadable(`the AVIF has more than ${MAX_HEADER_BOXES} boxes before its properties`);
  let size = u32be(b, at);
  const type = fourcc(b, at + 4);
  let body = at + 8;
  if (size === 1) {
    size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
    body = at + 16;
  } else if (size === 0) {
    size = limit - at; // to the end of the enclosing box (or of the file)
  }
  if (size < body - at) throw unreadable(`AVIF box '${type}' claims ${size} bytes`);
  return { type, body, end: at + size };
}

function children(b: Uint8Array, parent: Box, skip: number, budget: { boxes: number }): Box[] {
  const list: Box[] = [];
  for (let at = need(parent, skip, 0); at < parent.end; ) {
    const box = readBox(b, at, parent.end, budget);
    if (box.end > parent.end) throw unreadable(`AVIF box '${box.type}' overflows its '${parent.type}'`);
    list.push(box);
    at = box.end;
  }
  return list;
}

/** `box.body + offset`, after checking that `length` payload bytes exist there. */
function need(box: Box, offset: number, length: number): number {
  if (box.body + offset + length > box.end) throw unreadable(`AVIF box '${box.type}' is too short`);
  return box.body + offset;
}

/** A NUL-terminated ASCII string from `at`, bounded by `end` and 64 characters. */
function cString(b: Uint8Array, at: number, end: number): string {
  let s = '';
  for (let i = at; i < Math.min(end, at + 64); i++) {
    const c = u8(b, i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Major and compatible brands of a leading `ftyp` box, or null; never throws. */
export function ftypBrands(b: Uint8Array): string[] | null {
  if (b.length < 16 || !matches(b, 4, codes('ftyp'))) return null;
  const size = (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!;
  if (size !== 0 && size < 16) return null;
  const end = Math.min(size === 0 ? b.length : size >>> 0, b.length, 16 + 4 * MAX_BRANDS);
  const brands = [fourcc(b, 8)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(fourcc(b, at));
  return brands;
}
