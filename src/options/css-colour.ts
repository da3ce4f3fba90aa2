/**
 * CSS colours as `background=` takes them: every syntax of CSS Color 4 that names an sRGB colour — the named colours
 * and `transparent`, `#rgb[a]`, `#rrggbb[aa]`, `rgb()`/`rgba()` and `hsl()`/`hsla()` in the legacy comma form and the
 * space form with `/ alpha`, numbers or percentages. Pure. Components out of range are refused rather than clamped,
 * so a typo is a 400 and not a silently different colour.
 */
import namedColours from 'color-name';
import type { RGBA } from './types';

/** Longest colour text read: `hsla(359.999deg, 100.0%, 100.0%, 0.999)` is 38 characters. */
const MAX_LENGTH = 64;
const HEX = /^(?:#|%23)([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const FUNCTION = /^(rgba?|hsla?)\((.*)\)$/i;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function hex(digits: string): RGBA {
  const pairs = digits.length <= 4 ? [...digits].map((digit) => digit + digit) : (digits.match(/../g) ?? []);
  const [r = 0, g = 0, b = 0, a = 255] = pairs.map((pair) => parseInt(pair, 16));
  return { r, g, b, a };
}

/** A number, or a percentage of `full`; null when it is neither or outside 0..full. */
function component(text: string, full: number, percentAllowed = true): number | null {
  const percent = text.endsWith('%');
  const body = percent ? text.slice(0, -1) : text;
  if (!NUMBER.test(body) || (percent && !percentAllowed)) return null;
  const value = percent ? (Number(body) / 100) * full : Number(body);
  return value >= 0 && value <= full ? value : null;
}

/** A hue in degrees from a number or an angle (`deg`, `rad`, `grad`, `turn`), taken modulo 360. */
function hue(text: string): number | null {
  const unit = /^(.*?)(deg|rad|grad|turn)?$/i.exec(text)!;
  const body = unit[1] ?? '';
  if (!NUMBER.test(body)) return null;
  const factor = { deg: 1, rad: 180 / Math.PI, grad: 0.9, turn: 360 }[(unit[2] ?? 'deg').toLowerCase() as 'deg'] ?? 1;
  const degrees = Number(body) * factor;
  return Number.isFinite(degrees) ? ((degrees % 360) + 360) % 360 : null;
}

/** Splits `a, b, c[, d]` or `a b c [/ d]` into the three channels and the alpha, or null when it is neither. */
function argumentsOf(inside: string): { channels: string[]; alpha: string | undefined } | null {
  const text = inside.trim();
  if (text.includes(',')) {
    const parts = text.split(',').map((part) => part.trim());
    if (parts.length < 3 || parts.length > 4 || parts.some((part) => part === '' || /\s/.test(part))) return null;
    return { channels: parts.slice(0, 3), alpha: parts[3] };
  }
  const [channels = '', alpha, ...rest] = text.split('/').map((part) => part.trim());
  if (rest.length > 0 || alpha === '') return null;
  const parts = channels.split(/\s+/);
  return parts.length === 3 ? { channels: parts, alpha } : null;
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0) * 255, f(8) * 255, f(4) * 255];
}

/**
 * The colour `text` names, 8 bits per channel, or null when it is not a CSS colour we take.
 *
 * @example parseCssColour('rebeccapurple') // { r: 102, g: 51, b: 153, a: 255 }
 * @example parseCssColour('hsl(120 100% 25% / 50%)') // { r: 0, g: 128, b: 0, a: 128 }
 */
export function parseCssColour(text: string): RGBA | null {
  if (text.length === 0 || text.length > MAX_LENGTH) return null;
  const hexDigits = HEX.exec(text)?.[1];
  if (hexDigits !== undefined) return hex(hexDigits);
  const lower = text.toLowerCase();
  if (lower === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  const named = Object.hasOwn(namedColours, lower) ? namedColours[lower] : undefined;
  if (named) return { r: named[0], g: named[1], b: named[2], a: 255 };

  const call = FUNCTION.exec(text);
  if (!call) return null;
  const args = argumentsOf(call[2] ?? '');
  if (!args) return null;
  const alpha = args.alpha === undefined ? 1 : component(args.alpha, 1);
  if (alpha === null) return null;
  let rgb: [number, number, number];
  if ((call[1] ?? '').toLowerCase().startsWith('rgb')) {
    const values = args.channels.map((channel) => component(channel, 255));
    if (values.some((value) => value === null)) return null;
    rgb = values as [number, number, number];
  } else {
    const h = hue(args.channels[0] ?? '');
    const s = component(args.channels[1] ?? '', 1);
    const l = component(args.channels[2] ?? '', 1);
    // hsl() takes percentages for saturation and lightness (CSS Color 4 allows bare numbers only in the space form).
    if (h === null || s === null || l === null || !args.channels[1]!.endsWith('%') || !args.channels[2]!.endsWith('%')) return null;
    rgb = hslToRgb(h, s, l);
  }
  const [r, g, b] = rgb.map((value) => Math.round(value)) as [number, number, number];
  return { r, g, b, a: Math.round(alpha * 255) };
}
