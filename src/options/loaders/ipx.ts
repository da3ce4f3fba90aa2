/**
 * Nuxt Image's ipx provider, `/_ipx/<modifiers>/<src>` (`baseURL` pointed at this service): modifiers separated by
 * `,` or `&`, each `name_value` (`:` and `=` also separate, as in ipx), `_` for none. Each modifier maps to the
 * Cloudflare option with ipx's meaning (sharp's, never enlarging unless `enlarge`); the ones with no equivalent
 * answer 400, never ignored. Pure.
 */
import { gravityOfPosition, type LoaderRequest, loaderError, segmentOf, sourceOf } from './shared.js';

const MODIFIER_SEPARATOR = /[&,]/;
const VALUE_SEPARATOR = /[:=_]/;

/** ipx's aliases, folded to its full names. */
const aliases: Record<string, string> = { w: 'width', h: 'height', s: 'resize', f: 'format', q: 'quality', b: 'background', pos: 'position', a: 'animated' };

const known = new Set(['width', 'height', 'resize', 'format', 'quality', 'background', 'position', 'fit', 'enlarge', 'rotate', 'flip', 'flop', 'blur', 'sharpen', 'animated']);

const formats: Record<string, string> = { auto: 'auto', avif: 'avif', webp: 'webp', jpeg: 'jpeg', jpg: 'jpeg', png: 'png' };

function positiveInteger(name: string, value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1) throw loaderError(`ipx modifier ${name} must be a positive integer, got ${JSON.stringify(value.slice(0, 20))}`);
  return Number(value);
}

/** The modifiers of the first path segment, by full name (a name given twice keeps the last, as ipx does). */
export function readModifiers(segment: string): Map<string, string> {
  const modifiers = new Map<string, string>();
  if (segment === '_' ) return modifiers;
  for (const part of segment.split(MODIFIER_SEPARATOR)) {
    if (part === '') continue;
    const [name = '', ...values] = part.split(VALUE_SEPARATOR);
    const full = Object.hasOwn(aliases, name) ? aliases[name]! : name;
    if (!known.has(full)) throw loaderError(`ipx modifier ${JSON.stringify(name.slice(0, 40))} is not supported here`);
    modifiers.set(full, values.join('_'));
  }
  return modifiers;
}

/** ipx's fit (sharp's) as Cloudflare's, given whether `enlarge` was asked for. */
function fitOf(fit: string | undefined, enlarge: boolean): string {
  switch (fit ?? 'cover') {
    case 'cover':
      return enlarge ? 'cover' : 'crop';
    case 'contain':
      return 'pad';
    case 'inside':
      return enlarge ? 'contain' : 'scale-down';
    default:
      throw loaderError(`ipx fit ${JSON.stringify(fit!.slice(0, 20))} is not supported here (cover, contain or inside)`);
  }
}

/** ipx's background: a hex colour without `#` (`ffffff`, `fff`) or with it. */
function backgroundOf(value: string): string {
  const hex = /^#?([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(value)?.[1];
  if (!hex) throw loaderError(`ipx background must be a hex colour, got ${JSON.stringify(value.slice(0, 20))}`);
  return `%23${hex.toLowerCase()}`;
}

/**
 * `rest` is what follows `/_ipx/`, still percent-encoded: `<modifiers>/<src>`.
 *
 * @example
 * readIpxPath('w_640,f_webp/photos/cat.jpg') // → { segment: 'width=640,format=webp', source: 'photos/cat.jpg' }
 * readIpxPath('s_640x480,q_80/photos/cat.jpg') // → { segment: 'width=640,height=480,fit=crop,quality=80', … }
 */
export function readIpxPath(rest: string): LoaderRequest {
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) {
    throw loaderError('expected /_ipx/<modifiers>/<src>, with _ for no modifiers (e.g. /_ipx/w_640/photos/cat.jpg)');
  }
  let modifiersText: string;
  let src: string;
  try {
    modifiersText = decodeURIComponent(rest.slice(0, slash));
    src = decodeURIComponent(rest.slice(slash + 1));
  } catch {
    throw loaderError('the ipx path is not valid percent-encoded UTF-8');
  }
  const modifiers = readModifiers(modifiersText);
  const enlarge = modifiers.has('enlarge');
  let width = modifiers.has('width') ? positiveInteger('width', modifiers.get('width')!) : undefined;
  let height = modifiers.has('height') ? positiveInteger('height', modifiers.get('height')!) : undefined;
  const resize = modifiers.get('resize');
  if (resize !== undefined) {
    const size = /^(\d+)x(\d+)$/.exec(resize);
    if (!size) throw loaderError(`ipx resize must be <width>x<height>, got ${JSON.stringify(resize.slice(0, 20))}`);
    width = positiveInteger('resize', size[1]!);
    height = positiveInteger('resize', size[2]!);
  }
  // One side: sharp keeps the aspect ratio and (without enlarge) never enlarges. Both: sharp's fit, cover by default.
  const fit = width !== undefined && height !== undefined ? fitOf(modifiers.get('fit'), enlarge) : enlarge ? 'contain' : undefined;
  const formatWritten = modifiers.get('format');
  const format = formatWritten === undefined ? 'auto' : formats[formatWritten];
  if (format === undefined) throw loaderError(`ipx format ${JSON.stringify(formatWritten!.slice(0, 20))} is not supported here (auto, avif, webp, jpeg, jpg, png)`);
  const positionWritten = modifiers.get('position');
  const gravity = positionWritten === undefined ? undefined : gravityOfPosition(positionWritten);
  if (positionWritten !== undefined && gravity === undefined) throw loaderError(`ipx position ${JSON.stringify(positionWritten.slice(0, 20))} is not supported here (top, bottom, left, right, center or north, south, west, east)`);
  const flip = modifiers.has('flip') && modifiers.has('flop') ? 'hv' : modifiers.has('flip') ? 'v' : modifiers.has('flop') ? 'h' : undefined;
  const animated = modifiers.get('animated');
  const segment = segmentOf([
    ['width', width],
    ['height', height],
    ['fit', fit],
    ['gravity', gravity],
    ['quality', modifiers.get('quality')],
    ['format', format],
    ['background', modifiers.has('background') ? backgroundOf(modifiers.get('background')!) : undefined],
    ['rotate', modifiers.get('rotate')],
    ['flip', flip],
    ['blur', modifiers.get('blur')],
    ['sharpen', modifiers.get('sharpen')],
    ['anim', animated === undefined ? undefined : animated === 'false' ? 'false' : 'true'],
  ]);
  return { segment, source: sourceOf(src) };
}
