/** Sets one parsed element on the options being built: the table from option name to value reader. */

import type { Fit, Flip, Metadata, RequestedFormat, Rotation, TransformOptions } from '../types.js';
import { badValue, type Element } from './element.js';
import type { BorderPart, TrimPart } from './names.js';
import { borderPart, noBorder, trimPart, trimSides } from './trim.js';
import { boolean, colour, decimalIn, dimension, gravity, oneOf, quality } from './values.js';

/** Mutable view of the options while a segment is read. */
export type Draft = { -readonly [K in keyof TransformOptions]?: TransformOptions[K] };

const fits: readonly Fit[] = ['scale-down', 'contain', 'cover', 'crop', 'aspect-crop', 'pad', 'squeeze'];
const formats: readonly RequestedFormat[] = ['auto', 'avif', 'webp', 'jpeg', 'baseline-jpeg', 'png', 'json'];
const rotations: ReadonlyMap<string, Rotation> = new Map([['0', 0], ['90', 90], ['180', 180], ['270', 270]]);
const flips: readonly Flip[] = ['h', 'v', 'hv'];
const metadataModes: readonly Metadata[] = ['none', 'copyright', 'keep'];

/**
 * Largest `brightness`, `contrast`, `gamma` or `saturation`. Cloudflare documents no range; at 10 every one of them
 * has already clipped almost every pixel to black, white or the gamut edge, so more would only be another cache entry.
 */
const MAX_TONE_FACTOR = 10;

export function apply(draft: Draft, element: Element, maxOutputDimension: number): void {
  switch (element.name) {
    case 'width':
      // width=auto: client hints choose one of four widths when the request is served (options/client-hints.ts).
      if (element.value === 'auto') draft.autoWidth = true;
      else draft.width = dimension(element, maxOutputDimension);
      return;
    case 'height':
      draft.height = dimension(element, maxOutputDimension);
      return;
    case 'dpr':
      draft.dpr = decimalIn(element, 1, 3);
      return;
    case 'fit':
      draft.fit = oneOf(element, fits);
      return;
    case 'gravity':
      draft.gravity = gravity(element);
      return;
    case 'quality':
      draft.quality = quality(element);
      return;
    case 'slow-connection-quality':
      draft.slowConnectionQuality = quality(element);
      return;
    case 'zoom':
      draft.zoom = decimalIn(element, 0, 1);
      return;
    case 'format':
      draft.format = oneOf(element, formats);
      return;
    case 'background':
      draft.background = colour(element);
      return;
    case 'rotate': {
      const rotation = rotations.get(element.value);
      if (rotation === undefined) throw badValue(element, 'one of 0, 90, 180, 270');
      draft.rotate = rotation;
      return;
    }
    case 'flip':
      draft.flip = oneOf(element, flips);
      return;
    case 'blur':
      draft.blur = decimalIn(element, 1, 250);
      return;
    case 'sharpen':
      draft.sharpen = decimalIn(element, 0, 10);
      return;
    case 'brightness':
    case 'contrast':
    case 'gamma': {
      // Cloudflare: "0 is ignored" for these three.
      const factor = decimalIn(element, 0, MAX_TONE_FACTOR);
      if (factor !== 0) draft[element.name] = factor;
      return;
    }
    case 'saturation':
      draft.saturation = decimalIn(element, 0, MAX_TONE_FACTOR);
      return;
    case 'metadata':
      draft.metadata = oneOf(element, metadataModes);
      return;
    case 'anim':
      draft.anim = boolean(element);
      return;
    case 'onerror':
      draft.onerror = oneOf(element, ['redirect'] as const);
      return;
    case 'compression':
      draft.compression = oneOf(element, ['fast'] as const);
      return;
    case 'trim':
      if (element.value === 'border') draft.trimBorder = { ...noBorder, ...draft.trimBorder };
      else draft.trim = trimSides(element, draft.trim);
      return;
    case 'trim.border.color':
    case 'trim.border.tolerance':
    case 'trim.border.keep':
      draft.trimBorder = borderPart(element as Element & { name: BorderPart }, draft.trimBorder);
      return;
    case 'trim.top':
    case 'trim.right':
    case 'trim.bottom':
    case 'trim.left':
    case 'trim.width':
    case 'trim.height':
      draft.trim = trimPart(element as Element & { name: TrimPart }, draft.trim);
      return;
  }
}
