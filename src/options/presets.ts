/**
 * Presets: named option sets from config, used as `/img/<preset>/<key>` or as the option
 * `preset=<name>`. A preset's options are fixed; a request may add or change only the options the preset allows.
 */
import { ImageError } from '../http/problem.js';
import { fullOptionName, parseOptions, splitSegment } from './parse.js';

export interface Preset {
  name: string;
  /** The preset's option segment, as configured (validated when the config is read). */
  segment: string;
  /** Full option names a request may set on top of the preset (`format`, `dpr`, `width` …). */
  allow: ReadonlySet<string>;
}

export type Presets = ReadonlyMap<string, Preset>;

/** Preset names: short words, so they can never be mistaken for an option (`name=value`). */
export const PRESET_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** More presets than this is a config mistake, not a use. */
export const MAX_PRESETS = 64;

function configError(detail: string): Error {
  return new Error(`[vars] PRESETS: ${detail}`);
}

function names(raw: unknown, preset: string): string[] {
  const list = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s !== '') : raw;
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > 32 || !list.every((n): n is string => typeof n === 'string')) {
    throw configError(`${preset}.allow must be a list of option names`);
  }
  return list.map((written) => {
    const name = fullOptionName(written);
    if (name === undefined) throw configError(`${preset}.allow names ${JSON.stringify(written)}, which is not an option`);
    return name;
  });
}

/**
 * Reads `PRESETS`: a table of `name = { options = "width=160,height=160,fit=cover", allow = ["format", "dpr"] }`
 * (a `[vars.PRESETS]` table in wrangler.toml, or the same as a JSON string). Every preset is parsed once here,
 * so a bad preset is a config error at the first request, not a failure only of the pages that use it.
 */
export function readPresets(raw: unknown, limits: { maxOutputDimension: number }): Presets {
  const presets = new Map<string, Preset>();
  if (raw === undefined || raw === '') return presets;
  let table = raw;
  if (typeof raw === 'string') {
    try {
      table = JSON.parse(raw);
    } catch {
      throw configError('is a string but not JSON');
    }
  }
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw configError('must be a table of presets');
  const entries = Object.entries(table);
  if (entries.length > MAX_PRESETS) throw configError(`${entries.length} presets, over the limit of ${MAX_PRESETS}`);
  for (const [name, value] of entries) {
    if (!PRESET_NAME.test(name)) throw configError(`the name ${JSON.stringify(name)} must be 1..32 characters a-z 0-9 _ - (starting with a letter or digit)`);
    const { options, allow } = (typeof value === 'string' ? { options: value } : (value ?? {})) as { options?: unknown; allow?: unknown };
    if (typeof options !== 'string') throw configError(`${name}.options must be an option string such as "width=160,fit=cover"`);
    try {
      parseOptions(options, limits);
    } catch (error) {
      throw configError(`${name}: ${(error as Error).message}`);
    }
    presets.set(name, { name, segment: options, allow: new Set(names(allow, name)) });
  }
  return presets;
}

function nameOf(element: string): string {
  const written = element.slice(0, element.indexOf('='));
  return fullOptionName(written) ?? written;
}

/**
 * The option segment of a request on a preset: the preset's options, with the request's (already validated by
 * the caller) added or replacing the preset's own. An option the preset does not allow is a 400 naming it.
 *
 * @example
 * // card = { options = "width=400,fit=cover,quality=70", allow = ["format", "dpr"] }
 * applyPreset(card, 'format=webp,dpr=2') // → 'width=400,fit=cover,quality=70,format=webp,dpr=2'
 * applyPreset(card, 'width=900')         // → 400: option width is fixed by preset "card"
 */
export function applyPreset(preset: Preset, request: string): string {
  const own = request === '' ? [] : splitSegment(request);
  const overridden = new Set<string>();
  for (const element of own) {
    const name = nameOf(element);
    if (!preset.allow.has(name)) {
      const allowed = preset.allow.size > 0 ? `it allows ${[...preset.allow].join(', ')}` : 'it allows no other options';
      throw new ImageError(400, 'invalid-option', `option ${name} is fixed by preset "${preset.name}" (${allowed})`);
    }
    overridden.add(name);
  }
  const kept = splitSegment(preset.segment).filter((element) => element !== '' && !overridden.has(nameOf(element)));
  return [...kept, ...own].join(',');
}
