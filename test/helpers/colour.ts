/** Colour differences for tests: CIE76 ΔE between 8-bit sRGB colours (via CIELAB, D65), and small ICC profiles. */
import { extractIccProfile } from '../../src/formats/icc.js';

type RGB = readonly [number, number, number] | readonly number[];

function srgbToLab(rgb: RGB): [number, number, number] {
  const lin = [0, 1, 2].map((i) => {
    const c = rgb[i]! / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const [r, g, b] = lin;
  // IEC 61966-2-1 matrix, then XYZ relative to the D65 white.
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 ΔE: Euclidean distance in CIELAB. 1 is about a just-noticeable difference; 2–3 is hard to see side by side. */
export function deltaE76(a: RGB, b: RGB): number {
  const p = srgbToLab(a);
  const q = srgbToLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** A tone-curve tag: `curv` with a gamma (count 1) or a table, or `para` of a function type with its parameters. */
export type CurveSpec = { gamma: number } | { table: number[] } | { para: number; params: number[] };

function s15(v: number): number[] {
  const n = Math.round(v * 65536) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function tag(type: string, body: number[]): number[] {
  return [...Array.from(type, (c) => c.charCodeAt(0)), 0, 0, 0, 0, ...body];
}

function curveTag(curve: CurveSpec): number[] {
  if ('gamma' in curve) return tag('curv', [0, 0, 0, 1, ...s15(curve.gamma / 256).slice(2)]);
  if ('table' in curve) {
    const n = curve.table.length;
    return tag('curv', [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, ...curve.table.flatMap((v) => [v >>> 8, v & 255])]);
  }
  return tag('para', [0, curve.para, 0, 0, ...curve.params.flatMap(s15)]);
}

export interface ProfileSpec {
  space?: string;
  pcs?: string;
  deviceClass?: string;
  /** Columns r, g, b of the D50 colorants. */
  colorants?: [number[], number[], number[]];
  curve?: CurveSpec;
  /** Extra tags as [signature, type, body]. */
  extra?: [string, string, number[]][];
  description?: string;
}

/** A small ICC profile, byte by byte: header, tag table, tags (each 4-byte aligned). */
export function buildProfile(spec: ProfileSpec): Uint8Array {
  const tags: [string, number[]][] = [];
  if (spec.description) tags.push(['desc', tag('desc', [0, 0, 0, spec.description.length + 1, ...Array.from(spec.description, (c) => c.charCodeAt(0)), 0, ...new Array(78).fill(0)])]);
  if (spec.colorants) {
    ['rXYZ', 'gXYZ', 'bXYZ'].forEach((name, i) => tags.push([name, tag('XYZ ', spec.colorants![i]!.flatMap(s15))]));
  }
  if (spec.curve) for (const name of ['rTRC', 'gTRC', 'bTRC']) tags.push([name, curveTag(spec.curve)]);
  for (const [name, type, body] of spec.extra ?? []) tags.push([name, tag(type, body)]);
  const padded = tags.map(([name, body]) => [name, [...body, ...new Array((4 - (body.length % 4)) % 4).fill(0)]] as const);
  let offset = 132 + 12 * padded.length;
  const table: number[] = [0, 0, 0, padded.length];
  for (const [name, body] of padded) {
    table.push(...Array.from(name, (c) => c.charCodeAt(0)), ...s15(offset / 65536), ...s15(body.length / 65536));
    offset += body.length;
  }
  const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
  const header = [
    ...s15(offset / 65536), 0, 0, 0, 0, 4, 0x40, 0, 0, ...ascii(spec.deviceClass ?? 'mntr'), ...ascii(spec.space ?? 'RGB '),
    ...ascii(spec.pcs ?? 'XYZ '), ...new Array(12).fill(0), ...ascii('acsp'), ...new Array(24).fill(0), 0, 0, 0, 0,
    ...s15(0.9642), ...s15(1), ...s15(0.8249), ...new Array(48).fill(0),
  ];
  return Uint8Array.from([...header, ...table, ...padded.flatMap(([, body]) => body)]);
}

/** sRGB's D50 colorants (as in the ICC's sRGB profiles) and its curve as `para` type 3. */
export const SRGB_COLORANTS: [number[], number[], number[]] = [[0.4360747, 0.2225045, 0.0139322], [0.3850649, 0.7168786, 0.0971045], [0.1430804, 0.0606169, 0.7141733]];
export const SRGB_PARA: CurveSpec = { para: 3, params: [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045] };
/** ProPhoto (ROMM RGB): D50-native primaries, gamma 1.8. */
export const PROPHOTO_COLORANTS: [number[], number[], number[]] = [[0.7977, 0.2880, 0], [0.1352, 0.7119, 0], [0.0313, 0.0001, 0.8249]];

/** The ICC profile embedded in a test image (a test fails when there is none). */
export async function profileOf(bytes: Uint8Array, format: 'jpeg' | 'png' | 'webp' | 'avif'): Promise<Uint8Array> {
  const icc = await extractIccProfile(bytes, format);
  if (!icc) throw new Error(`no profile in the ${format}`);
  return icc;
}
