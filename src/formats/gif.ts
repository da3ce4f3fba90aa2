/** GIF's header (the logical screen) and block walk, read strictly: the size, transparency and animation of a master. */
import { type HeaderInfo, beyond, hex, plain, strict, unreadable } from './header-info.js';

const { u8, u16le } = strict;

/** The logical screen gives the size; the block walk counts frames (up to 2) and looks for transparency. */
export function readGifHeader(b: Uint8Array): HeaderInfo {
  const info = plain('gif', u16le(b, 6), u16le(b, 8));
  const screen = u8(b, 10);
  let at = 13 + ((screen & 0x80) !== 0 ? 3 << ((screen & 7) + 1) : 0);
  let frames = 0;
  let trailer = false;
  // Reaching the end of the given bytes ends the walk quietly, once a first frame has been seen.
  while (at < b.length && !(frames >= 2 && info.hasAlpha)) {
    const block = u8(b, at);
    if (block === 0x3b) {
      trailer = true;
      break;
    }
    if (block === 0x21) {
      const label = u8(b, at + 1);
      if (label === 0xf9 && at + 3 < b.length && (u8(b, at + 3) & 1) === 1) info.hasAlpha = true;
      at = skipSubBlocks(b, at + 2);
    } else if (block === 0x2c) {
      frames++;
      if (at + 10 > b.length) break;
      const local = u8(b, at + 9);
      at += 10 + ((local & 0x80) !== 0 ? 3 << ((local & 7) + 1) : 0);
      at = skipSubBlocks(b, at + 1); // after the LZW minimum code size
    } else if (frames === 0) {
      throw unreadable(`the GIF has an unknown block 0x${hex(block)} before its first image`);
    } else {
      break;
    }
  }
  if (frames === 0 && trailer) throw unreadable('the GIF has no image');
  if (frames === 0) throw beyond(b, "the GIF's blocks before its first image");
  info.animated = frames > 1;
  return info;
}

/** Skips a chain of data sub-blocks; returns the offset after its terminator (or past the bytes, if cut short). */
function skipSubBlocks(b: Uint8Array, at: number): number {
  while (at < b.length) {
    const n = b[at] ?? 0;
    at += 1 + n;
    if (n === 0) return at;
  }
  return b.length;
}
