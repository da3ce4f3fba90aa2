/**
 * Cloudflare's tone options on 8-bit sRGB pixels, in place: `brightness` and `saturation` scale lightness and chroma
 * in CIE LCh(ab), then `contrast` and `gamma` reshape each encoded channel. Each is a factor, 1 = unchanged.
 *
 * Why these spaces:
 * - brightness × L* and saturation × C* (D65 CIELAB from linear sRGB): "half brightness" and "half saturation" are
 *   perceptual statements, and L* and C* are the perceptual scales that keep hue while they change; `saturation=0` leaves
 *   C* = 0, a grey of the pixel's own luminance Y (L* depends on Y alone). This is libvips' and sharp's `modulate`.
 * - contrast about mid-grey on the encoded value (0.5, L* ≈ 53): sRGB's transfer curve is close to perceptually
 *   uniform, so the pivot is the grey the eye sees as middle, and equal steps either side spread equally; in linear
 *   light the same stretch would crush the shadows. `(v − 0.5)·c + 0.5`, clipped (sharp's `linear(c, 127.5·(1 − c))`).
 * - gamma on the encoded value, `v^(1/γ)`: the conventional display gamma correction, and what Cloudflare's "0.5
 *   darkens, 2 lightens" describes; black and white stay where they are.
 * Results clip to 0..255 (out-of-gamut LCh colours go to the gamut edge per channel). Alpha is straight and untouched.
 */
import type { Pixels } from './rgba.js';

export interface ToneAdjustments {
  brightness?: number;
  contrast?: number;
  gamma?: number;
  saturation?: number;
}

/** 8-bit sRGB → linear light. */
const decodeSrgb = Float64Array.from({ length: 256 }, (_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** Linear light → 8-bit sRGB, clipped, in steps of 1/16384 (fine enough that no 8-bit value is skipped). */
const ENCODE_STEPS = 16384;
const encodeTable = Uint8ClampedArray.from({ length: ENCODE_STEPS + 1 }, (_, i) => {
  const c = i / ENCODE_STEPS;
  return Math.round(255 * (c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055));
});

function encodeSrgb(v: number): number {
  return encodeTable[v <= 0 ? 0 : v >= 1 ? ENCODE_STEPS : (v * ENCODE_STEPS + 0.5) | 0]!;
}

// Linear sRGB ↔ XYZ (D65, IEC 61966-2-1), and the D65 white of CIELAB.
const XN = 0.95047;
const ZN = 1.08883;
const EPSILON = 216 / 24389;
const KAPPA = 24389 / 27;

function labF(t: number): number {
  return t > EPSILON ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}

function labFInverse(f: number): number {
  const cube = f * f * f;
  return cube > EPSILON ? cube : (116 * f - 16) / KAPPA;
}

/** Whether the adjustments leave every pixel as it is (absent, or 1; 0 means absent for all but saturation). */
export function isToneIdentity({ brightness, contrast, gamma, saturation }: ToneAdjustments): boolean {
  const none = (v: number | undefined) => v === undefined || v === 1 || v === 0;
  return none(brightness) && none(contrast) && none(gamma) && (saturation === undefined || saturation === 1);
}

/** Scales L* by `brightness` and a*, b* (so C*, hue kept) by `saturation`, per pixel. */
function scaleLch(data: Uint8ClampedArray, brightness: number, saturation: number): void {
  // Photos repeat colours (flat areas, skies): remember the last pixel's answer.
  let lastKey = -1;
  let lr = 0;
  let lg = 0;
  let lb = 0;
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    if (key !== lastKey) {
      lastKey = key;
      const r = decodeSrgb[data[i]!]!;
      const g = decodeSrgb[data[i + 1]!]!;
      const b = decodeSrgb[data[i + 2]!]!;
      const fx = labF((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN);
      const fy = labF(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
      const fz = labF((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / ZN);
      const L = (116 * fy - 16) * brightness;
      const A = 500 * (fx - fy) * saturation;
      const B = 200 * (fy - fz) * saturation;
      const fy2 = (L + 16) / 116;
      const x = XN * labFInverse(fy2 + A / 500);
      const y = L > KAPPA * EPSILON ? fy2 * fy2 * fy2 : L / KAPPA;
      const z = ZN * labFInverse(fy2 - B / 200);
      lr = encodeSrgb(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
      lg = encodeSrgb(-0.969266 * x + 1.8760108 * y + 0.041556 * z);
      lb = encodeSrgb(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
    }
    data[i] = lr;
    data[i + 1] = lg;
    data[i + 2] = lb;
  }
}

/** The per-channel table for contrast then gamma: 8-bit encoded value in, 8-bit out. */
function channelTable(contrast: number, gamma: number): Uint8ClampedArray {
  return Uint8ClampedArray.from({ length: 256 }, (_, i) => {
    let v = i / 255;
    if (contrast !== 1) v = Math.min(1, Math.max(0, (v - 0.5) * contrast + 0.5));
    if (gamma !== 1) v = v ** (1 / gamma);
    return Math.round(v * 255);
  });
}

/**
 * Applies the adjustments in place: brightness and saturation (LCh), then contrast, then gamma. A factor left out,
 * 1, or (except saturation) 0 changes nothing, as Cloudflare ignores 0.
 *
 * @example
 * adjustTone(pixels, { saturation: 0 }) // greyscale, each pixel's luminance kept
 */
export function adjustTone(image: Pixels, adjustments: ToneAdjustments): void {
  const factor = (v: number | undefined) => (v === undefined || v === 0 ? 1 : v);
  const brightness = factor(adjustments.brightness);
  const saturation = adjustments.saturation ?? 1;
  const contrast = factor(adjustments.contrast);
  const gamma = factor(adjustments.gamma);
  const data = image.data;
  if (brightness !== 1 || saturation !== 1) scaleLch(data, brightness, saturation);
  if (contrast === 1 && gamma === 1) return;
  const table = channelTable(contrast, gamma);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = table[data[i]!]!;
    data[i + 1] = table[data[i + 1]!]!;
    data[i + 2] = table[data[i + 2]!]!;
  }
}
