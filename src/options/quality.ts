/** The encoder quality of a request: its number, its name mapped per format, or the format's default. Pure. */
import type { OutputFormat, QualityName } from './types.js';

const namedQuality: Record<QualityName, Record<'avif' | 'webp' | 'jpeg', number>> = {
  high: { avif: 75, webp: 90, jpeg: 90 },
  'medium-high': { avif: 62, webp: 82, jpeg: 82 },
  'medium-low': { avif: 50, webp: 72, jpeg: 72 },
  low: { avif: 40, webp: 60, jpeg: 60 },
};

/** The encoder quality for a request: its number, its name mapped per format, or the format's default. */
export function resolveQuality(option: number | QualityName | undefined, format: OutputFormat, defaults: { avif: number; webp: number; jpeg: number }): number {
  const family = format === 'avif' ? 'avif' : format === 'webp' ? 'webp' : 'jpeg';
  if (typeof option === 'number') return option;
  if (option) return namedQuality[option][family];
  return defaults[family];
}
