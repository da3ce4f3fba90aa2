/** Reading containers and EXIF in tests, independently of src/formats/exif.ts and src/pipeline/steps/metadata.ts. */
import { magicOf } from './images.js';

export interface Part {
  /** JPEG: the marker as `FFxx`; PNG: the chunk type; WebP: the chunk FourCC (top level). */
  type: string;
  body: Uint8Array;
}

const ascii = (b: Uint8Array, at: number, length: number) => String.fromCharCode(...b.subarray(at, at + length));

/** The top-level parts of a JPEG (segments up to the first scan), PNG (chunks) or WebP (RIFF chunks). */
export function partsOf(bytes: Uint8Array): Part[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Part[] = [];
  switch (magicOf(bytes)) {
    case 'jpeg':
      for (let at = 2; at + 4 <= bytes.length && bytes[at] === 0xff; ) {
        const marker = bytes[at + 1]!;
        const end = at + 2 + view.getUint16(at + 2);
        parts.push({ type: `FF${marker.toString(16).toUpperCase()}`, body: bytes.subarray(at + 4, end) });
        if (marker === 0xda) break;
        at = end;
      }
      break;
    case 'png':
      for (let at = 8; at + 12 <= bytes.length; at += 12 + view.getUint32(at)) {
        parts.push({ type: ascii(bytes, at + 4, 4), body: bytes.subarray(at + 8, at + 8 + view.getUint32(at)) });
      }
      break;
    case 'webp':
      for (let at = 12; at + 8 <= bytes.length; ) {
        const size = view.getUint32(at + 4, true);
        parts.push({ type: ascii(bytes, at, 4), body: bytes.subarray(at + 8, at + 8 + size) });
        at += 8 + size + (size & 1);
      }
      break;
    default:
      break;
  }
  return parts;
}

/** The EXIF TIFF structure of a JPEG, PNG or WebP, found by walking its parts; undefined when there is none. */
export function exifOf(bytes: Uint8Array): Uint8Array | undefined {
  for (const { type, body } of partsOf(bytes)) {
    if (type === 'FFE1' && ascii(body, 0, 6) === 'Exif\0\0') return body.subarray(6);
    if (type === 'eXIf' || type === 'EXIF') return body;
  }
  return undefined;
}

/**
 * Every tag of every IFD reachable from IFD0 (Exif 0x8769, GPS 0x8825 and Interop 0xA005 pointers, and the IFD1
 * chain), as "ifd:tag" in hex, e.g. `ifd0:013b` or `8825:0002`.
 */
export function allTags(tiff: Uint8Array): string[] {
  const little = tiff[0] === 0x49;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const tags: string[] = [];
  const seen = new Set<number>();
  const walk = (offset: number, name: string) => {
    if (seen.has(offset) || offset + 2 > tiff.length) return;
    seen.add(offset);
    const count = view.getUint16(offset, little);
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + 12 * i;
      const tag = view.getUint16(entry, little);
      tags.push(`${name}:${tag.toString(16).padStart(4, '0')}`);
      if (tag === 0x8769 || tag === 0x8825 || tag === 0xa005) walk(view.getUint32(entry + 8, little), tag.toString(16));
    }
    const next = view.getUint32(offset + 2 + 12 * count, little);
    if (next) walk(next, 'ifd1');
  };
  walk(view.getUint32(4, little), 'ifd0');
  return tags;
}

/** Bytes as Latin-1 text (EXIF ASCII values, NULs included). */
export const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);
