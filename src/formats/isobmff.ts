/**
 * ISOBMFF boxes (ISO/IEC 14496-12 §4.2: size, type, optional largesize), as AVIF uses them, walked leniently for
 * the readers that look for metadata (the `colr` ICC profile). The strict walk to the primary item's properties,
 * which must say why it stopped, is header.ts's.
 */
import { ascii, u32be } from './bytes.js';

const MAX_BOXES = 4096;

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
    let size = u32be(b, at);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
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
