/**
 * When an animated master stays animated: a GIF or WebP master whose header says it is animated, with `anim` on
 * (the default), encoded as WebP or GIF. With `format=auto` such a master is WebP whenever the client takes WebP,
 * even where a still would be AVIF: an animated WebP over a still AVIF; a client without WebP gets an animated GIF.
 * An explicit `format=webp` animates too; any other explicit format is served as the first frame.
 */
import { parseAccept } from './negotiate.js';
import type { MasterInfo, OutputFormat, TransformOptions } from './types';

/** Whether the master is an animation we can keep animated (GIF or WebP) and the options ask to keep it. */
export function wantsAnimation(info: MasterInfo, options: TransformOptions): boolean {
  return info.animated && options.anim && (info.format === 'gif' || info.format === 'webp');
}

/**
 * `format=auto` for an animation: WebP when `Accept` lists image/webp (q > 0), else GIF (what every client plays;
 * `Accept` is not asked for image/gif, which browsers do not list); undefined leaves it to negotiateFormat.
 */
export function animatedFormat(info: MasterInfo, options: TransformOptions, accept: string | null): OutputFormat | undefined {
  if (!wantsAnimation(info, options) || options.format !== 'auto') return undefined;
  return (parseAccept(accept).get('image/webp') ?? 0) > 0 ? 'webp' : 'gif';
}

/** Whether this variant is made by the animated pipeline (frames still decide: see pipeline/animate.ts). */
export function animates(info: MasterInfo, options: TransformOptions, format: OutputFormat): boolean {
  return wantsAnimation(info, options) && (format === 'webp' || format === 'gif');
}
