/**
 * Unchecked integer and text readers over container bytes (RIFF, PNG chunks, JPEG segments, EXIF). Callers bound
 * every read by the lengths they walk; a read past the end yields 0 rather than throwing. (sniff.ts has its own
 * checked readers, which throw a 422 when a header runs past the bytes given.)
 */

export const u16be = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
export const u24le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16);
export const u32be = (b: Uint8Array, at: number): number => u16be(b, at) * 0x10000 + u16be(b, at + 2);
export const u32le = (b: Uint8Array, at: number): number => u24le(b, at) + (b[at + 3] ?? 0) * 0x1000000;
export const ascii = (b: Uint8Array, at: number, length: number): string => String.fromCharCode(...b.subarray(at, at + length));
