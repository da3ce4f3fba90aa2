/** The option names the grammar takes: full names, their aliases, and the Cloudflare names we know but refuse. */

export type TrimPart = 'trim.top' | 'trim.right' | 'trim.bottom' | 'trim.left' | 'trim.width' | 'trim.height';

export type OptionName =
  | 'width'
  | 'height'
  | 'dpr'
  | 'fit'
  | 'gravity'
  | 'quality'
  | 'format'
  | 'background'
  | 'rotate'
  | 'flip'
  | 'blur'
  | 'sharpen'
  | 'brightness'
  | 'contrast'
  | 'gamma'
  | 'saturation'
  | 'metadata'
  | 'anim'
  | 'onerror'
  | 'compression'
  | 'trim'
  | TrimPart
  | BorderPart
  | 'zoom'
  | 'slow-connection-quality';

export type BorderPart = 'trim.border.color' | 'trim.border.tolerance' | 'trim.border.keep';

// Maps, not object literals: a name like `constructor` must not find Object.prototype.
export const aliases: ReadonlyMap<string, OptionName> = new Map([
  ['w', 'width'],
  ['h', 'height'],
  ['g', 'gravity'],
  ['q', 'quality'],
  ['f', 'format'],
  ['scq', 'slow-connection-quality'],
  ['face-zoom', 'zoom'],
]);

export const optionNames: ReadonlySet<string> = new Set<OptionName>([
  'width', 'height', 'dpr', 'fit', 'gravity', 'quality', 'format', 'background',
  'rotate', 'flip', 'blur', 'sharpen', 'brightness', 'contrast', 'gamma', 'saturation', 'metadata', 'anim', 'onerror',
  'compression', 'trim', 'trim.top', 'trim.right', 'trim.bottom', 'trim.left', 'trim.width', 'trim.height',
  'trim.border.color', 'trim.border.tolerance', 'trim.border.keep', 'zoom', 'slow-connection-quality',
]);

// Cloudflare options we know but do not implement: named so the 400 says "not supported" rather than "unknown".
export const unsupportedNames: ReadonlySet<string> = new Set(['border', 'segment', 'upscale']);

/** The full name of an option as written (`w` → `width`), or undefined for a name we do not take. */
export function fullOptionName(written: string): string | undefined {
  const name = aliases.get(written) ?? written;
  return optionNames.has(name) ? name : undefined;
}

/** Every option name and alias the grammar takes, for messages that suggest the nearest one. */
export function knownOptionNames(): string[] {
  return [...optionNames, ...aliases.keys()];
}
