/**
 * Reads an ICC profile far enough to convert an RGB image to sRGB: matrix/TRC display profiles (Display P3,
 * Adobe RGB (1998), ProPhoto, sRGB itself) with `curv` or `para` tone curves. Anything else (LUT-based, CMYK,
 * grey, device links) is reported as unsupported with a reason, never guessed at. Pure and hostile-input safe:
 * every read is bounds-checked and nothing is allocated by a claimed length.
 *
 * @example
 * const reading = parseIccProfile(icc);
 * if (reading.ok) applyColourTransform(pixels, srgbTransform(reading.profile));
 */
import type { Pixels } from './rgba.js';

/** A device value 0..1 → linear light 0..1. */
type ToneCurve = (value: number) => number;

export interface MatrixProfile {
  /** The profile's own name (its `desc` tag), for notes and logs. */
  description: string;
  /** Device RGB (linear) → PCS XYZ (D50): the columns are the rXYZ, gXYZ and bXYZ colorants. */
  toXyz: number[];
  curves: [ToneCurve, ToneCurve, ToneCurve];
}

export type ProfileReading = { ok: true; profile: MatrixProfile } | { ok: false; reason: string };

export interface ColourTransform {
  /** The profile is sRGB (within half an 8-bit step everywhere): nothing to do. */
  identity: boolean;
  /** Linear device RGB → linear sRGB, row-major 3×3. */
  matrix: Float32Array;
  /** Per channel, 8-bit device value → linear light. */
  linear: [Float32Array, Float32Array, Float32Array];
}

const MAX_TAGS = 256;
const MAX_CURVE_POINTS = 65536;

/** sRGB's colorants adapted to D50 (Bradford), as in the ICC's own sRGB profiles; columns r, g, b. */
const SRGB_TO_XYZ = [0.4360747, 0.3850649, 0.1430804, 0.2225045, 0.7168786, 0.0606169, 0.0139322, 0.0971045, 0.7141733];
const XYZ_TO_SRGB = invert3(SRGB_TO_XYZ);

const fourcc = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

export function parseIccProfile(bytes: Uint8Array): ProfileReading {
  if (bytes.length < 132 || fourcc(bytes, 36) !== 'acsp') return { ok: false, reason: 'not an ICC profile' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const space = fourcc(bytes, 16);
  const pcs = fourcc(bytes, 20);
  const deviceClass = fourcc(bytes, 12);
  if (space !== 'RGB ') return { ok: false, reason: `a '${space.trim()}' profile (only RGB profiles are converted)` };
  if (!['mntr', 'scnr', 'spac'].includes(deviceClass)) return { ok: false, reason: `a '${deviceClass}' profile` };

  const tags = new Map<string, Uint8Array>();
  const count = view.getUint32(128);
  if (count > MAX_TAGS || 132 + 12 * count > bytes.length) return { ok: false, reason: `a tag table of ${count} entries` };
  for (let i = 0; i < count; i++) {
    const entry = 132 + 12 * i;
    const offset = view.getUint32(entry + 4);
    const size = view.getUint32(entry + 8);
    if (offset + size > bytes.length || size < 8) return { ok: false, reason: `tag '${fourcc(bytes, entry)}' lies outside the profile` };
    tags.set(fourcc(bytes, entry), bytes.subarray(offset, offset + size));
  }
  const names = ['rXYZ', 'gXYZ', 'bXYZ', 'rTRC', 'gTRC', 'bTRC'];
  if (pcs !== 'XYZ ' || names.some((name) => !tags.has(name))) {
    return { ok: false, reason: 'a LUT-based RGB profile (no matrix/TRC tags): not converted' };
  }
  const columns = ['rXYZ', 'gXYZ', 'bXYZ'].map((name) => readXyz(tags.get(name)!));
  const curves = ['rTRC', 'gTRC', 'bTRC'].map((name) => readCurve(tags.get(name)!));
  if (columns.some((c) => !c) || curves.some((c) => !c)) return { ok: false, reason: 'malformed colorant or tone-curve tags' };
  const [r, g, b] = columns as number[][];
  const toXyz = [r![0]!, g![0]!, b![0]!, r![1]!, g![1]!, b![1]!, r![2]!, g![2]!, b![2]!];
  // The colorants of a display profile add up to the D50 white; far from it, the profile is not what it claims.
  const whiteY = toXyz[3]! + toXyz[4]! + toXyz[5]!;
  if (!(whiteY > 0.8 && whiteY < 1.2)) return { ok: false, reason: `implausible colorants (white Y = ${whiteY.toFixed(3)})` };
  return { ok: true, profile: { description: readDescription(tags.get('desc')), toXyz, curves: curves as MatrixProfile['curves'] } };
}

function readXyz(tag: Uint8Array): number[] | undefined {
  if (tag.length < 20 || fourcc(tag, 0) !== 'XYZ ') return undefined;
  const view = new DataView(tag.buffer, tag.byteOffset, tag.byteLength);
  return [8, 12, 16].map((at) => view.getInt32(at) / 65536);
}

/** `curv` (identity, a gamma, or a sampled table) or `para` (ICC.1:2022 table 68, function types 0–4). */
function readCurve(tag: Uint8Array): ToneCurve | undefined {
  const view = new DataView(tag.buffer, tag.byteOffset, tag.byteLength);
  const type = fourcc(tag, 0);
  if (type === 'curv' && tag.length >= 12) {
    const points = view.getUint32(8);
    if (points > MAX_CURVE_POINTS || 12 + 2 * points > tag.length) return undefined;
    if (points === 0) return (x) => x;
    if (points === 1) {
      const gamma = view.getUint16(12) / 256;
      return (x) => x ** gamma;
    }
    const table = Float32Array.from({ length: points }, (_, i) => view.getUint16(12 + 2 * i) / 65535);
    return (x) => {
      const at = x * (points - 1);
      const i = Math.min(points - 2, Math.floor(at));
      return table[i]! + (table[i + 1]! - table[i]!) * (at - i);
    };
  }
  if (type === 'para' && tag.length >= 12) {
    const kind = view.getUint16(8);
    const needs = [1, 3, 4, 5, 7][kind];
    if (needs === undefined || tag.length < 12 + 4 * needs) return undefined;
    const p = Array.from({ length: 7 }, (_, i) => (i < needs ? view.getInt32(12 + 4 * i) / 65536 : 0));
    const [g, a, b, c, d, e, f] = p as [number, number, number, number, number, number, number];
    const power = (x: number) => Math.max(0, a * x + b) ** g;
    switch (kind) {
      case 0:
        return (x) => x ** g;
      case 1:
        return (x) => (x >= -b / a ? power(x) : 0);
      case 2:
        return (x) => (x >= -b / a ? power(x) + c : c);
      case 3:
        return (x) => (x >= d ? power(x) : c * x);
      default:
        return (x) => (x >= d ? power(x) + e : c * x + f);
    }
  }
  return undefined;
}

/** The `desc` tag's text: v2 `desc` (ASCII) or v4 `mluc` (first record, UTF-16BE); at most 64 characters. */
function readDescription(tag: Uint8Array | undefined): string {
  if (!tag || tag.length < 12) return 'unnamed profile';
  const view = new DataView(tag.buffer, tag.byteOffset, tag.byteLength);
  let text = '';
  if (fourcc(tag, 0) === 'desc') {
    const length = Math.min(view.getUint32(8), tag.length - 12, 64);
    for (let i = 0; i < length && tag[12 + i] !== 0; i++) text += String.fromCharCode(tag[12 + i]!);
  } else if (fourcc(tag, 0) === 'mluc' && tag.length >= 28 && view.getUint32(8) > 0) {
    const length = view.getUint32(20);
    const offset = view.getUint32(24);
    for (let i = 0; i + 1 < length && offset + i + 1 < tag.length && text.length < 64; i += 2) {
      text += String.fromCharCode(view.getUint16(offset + i));
    }
  }
  return text.replace(/[^\x20-\x7e]/g, '').trim() || 'unnamed profile';
}

function invert3(m: readonly number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h;
  const B = f * g - d * i;
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A, c * h - b * i, b * f - c * e, B, a * i - c * g, c * d - a * f, C, b * g - a * h, a * e - b * d].map((v) => v / det);
}

function multiply3(x: readonly number[], y: readonly number[]): number[] {
  return Array.from({ length: 9 }, (_, k) => {
    const row = Math.floor(k / 3);
    const col = k % 3;
    return x[row * 3]! * y[col]! + x[row * 3 + 1]! * y[3 + col]! + x[row * 3 + 2]! * y[6 + col]!;
  });
}

/** Linear light → 8-bit sRGB, in steps of 1/16384 (fine enough that no 8-bit output value is skipped). */
const ENCODE_STEPS = 16384;
const encodeSrgb = new Uint8ClampedArray(ENCODE_STEPS + 1);
for (let i = 0; i <= ENCODE_STEPS; i++) {
  const c = i / ENCODE_STEPS;
  encodeSrgb[i] = Math.round(255 * (c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055));
}

/** Linear light → 8-bit sRGB; outside 0..1 clips (relative colorimetric: out-of-gamut colours go to the gamut edge). */
function encodeLinear(v: number): number {
  return encodeSrgb[v <= 0 ? 0 : v >= 1 ? ENCODE_STEPS : (v * ENCODE_STEPS + 0.5) | 0]!;
}

/** The transform from a matrix/TRC profile's device values to sRGB (relative colorimetric: out-of-gamut clips). */
export function srgbTransform(profile: MatrixProfile): ColourTransform {
  const matrix = multiply3(XYZ_TO_SRGB, profile.toXyz);
  const linear = profile.curves.map((curve) => Float32Array.from({ length: 256 }, (_, i) => curve(i / 255))) as ColourTransform['linear'];
  const sameMatrix = matrix.every((v, k) => Math.abs(v - (k % 4 === 0 ? 1 : 0)) < 2e-3);
  // sRGB's own curve read back through our encoder gives every 8-bit value back unchanged.
  const sameCurves = linear.every((table) => table.every((v, i) => encodeLinear(v) === i));
  return { identity: sameMatrix && sameCurves, matrix: Float32Array.from(matrix), linear };
}

/** Converts RGBA pixels in place (alpha untouched: colour is not premultiplied here). */
export function applyColourTransform(image: Pixels, transform: ColourTransform): void {
  if (transform.identity) return;
  const d = image.data;
  const [lr, lg, lb] = transform.linear;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = transform.matrix;
  for (let i = 0; i < d.length; i += 4) {
    const r = lr[d[i]!]!;
    const g = lg[d[i + 1]!]!;
    const b = lb[d[i + 2]!]!;
    d[i] = encodeLinear(m0! * r + m1! * g + m2! * b);
    d[i + 1] = encodeLinear(m3! * r + m4! * g + m5! * b);
    d[i + 2] = encodeLinear(m6! * r + m7! * g + m8! * b);
  }
}

/** The tags of a profile's tag table (those lying inside it), whatever its kind; empty when it is not a profile. */
export function iccTags(bytes: Uint8Array): Map<string, Uint8Array> {
  const tags = new Map<string, Uint8Array>();
  if (bytes.length < 132 || fourcc(bytes, 36) !== 'acsp') return tags;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.min(view.getUint32(128), MAX_TAGS, Math.floor((bytes.length - 132) / 12));
  for (let i = 0; i < count; i++) {
    const entry = 132 + 12 * i;
    const offset = view.getUint32(entry + 4);
    const size = view.getUint32(entry + 8);
    if (offset + size <= bytes.length) tags.set(fourcc(bytes, entry), bytes.subarray(offset, offset + size));
  }
  return tags;
}

/** The profile's own name (its `desc` tag), whatever its kind; 'unnamed profile' when it has none or it is malformed. */
export function iccDescription(bytes: Uint8Array): string {
  return readDescription(iccTags(bytes).get('desc'));
}
