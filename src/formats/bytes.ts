/**
 * The one set of integer and text readers over container bytes (RIFF, PNG chunks, JPEG segments, ISOBMFF boxes,
 * EXIF). Two flavours of the same functions:
 * - unchecked (the exports below): callers bound every read by the lengths they walk; a read past the end yields 0
 *   rather than throwing. The lenient walkers (ICC, EXIF, WebP frames) use them;
 * - checked (`checkedReaders`): a read past the end throws the caller's error. The strict header readers use them
 *   (header-info.ts's `strict`), so that a header cut short is a 422 that says so.
 */

export const u16be = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
export const u24le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16);
export const u32be = (b: Uint8Array, at: number): number => u16be(b, at) * 0x10000 + u16be(b, at + 2);
export const u32le = (b: Uint8Array, at: number): number => u24le(b, at) + (b[at + 3] ?? 0) * 0x1000000;
export const ascii = (b: Uint8Array, at: number, length: number): string => String.fromCharCode(...b.subarray(at, at + length));

/** The character codes of an ASCII string, to compare signatures with `matches`. */
export const codes = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** The same readers, each throwing `beyond(b)` instead of reading past the end of `b`. */
export function checkedReaders(beyond: (b: Uint8Array) => Error) {
  const u8 = (b: Uint8Array, at: number): number => {
    const v = b[at];
    if (v === undefined) throw beyond(b);
    return v;
  };
  const u16be = (b: Uint8Array, at: number) => (u8(b, at) << 8) | u8(b, at + 1);
  const u16le = (b: Uint8Array, at: number) => u8(b, at) | (u8(b, at + 1) << 8);
  const u24le = (b: Uint8Array, at: number) => u16le(b, at) + u8(b, at + 2) * 0x10000;
  const u32be = (b: Uint8Array, at: number) => u16be(b, at) * 0x10000 + u16be(b, at + 2);
  const u32le = (b: Uint8Array, at: number) => u16le(b, at) + u16le(b, at + 2) * 0x10000;
  const fourcc = (b: Uint8Array, at: number) => String.fromCharCode(u8(b, at), u8(b, at + 1), u8(b, at + 2), u8(b, at + 3));
  const matches = (b: Uint8Array, at: number, sig: readonly number[]) => sig.every((v, i) => u8(b, at + i) === v);
  return { u8, u16be, u16le, u24le, u32be, u32le, fourcc, matches };
}
