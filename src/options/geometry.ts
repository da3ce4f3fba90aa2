/** Pure geometry: what to crop out of the oriented source, what size to scale it to, and where to place it. */

import type { Gravity, Rect, ResizePlan, Rotation, Size, TransformOptions } from './types';

type Point = { x: number; y: number };

/** Where each named gravity puts the centre of the crop window, as a fraction of each source axis. */
const focusOfSide: Record<Exclude<Gravity, Point>, Point> = {
  // Without the pre-pass's focal point (pipeline/prepass.ts), `auto` and `face` crop to the centre.
  auto: { x: 0.5, y: 0.5 },
  face: { x: 0.5, y: 0.5 },
  center: { x: 0.5, y: 0.5 },
  left: { x: 0, y: 0.5 },
  right: { x: 1, y: 0.5 },
  top: { x: 0.5, y: 0 },
  bottom: { x: 0.5, y: 1 },
};

/**
 * The size of an image once its EXIF orientation and the requested rotation are applied: orientations
 * 5..8 transpose the axes, as do rotations of 90 and 270; two transpositions cancel.
 */
export function orientedSize(width: number, height: number, orientation: number, rotate: Rotation): Size {
  const transposed = (orientation >= 5 && orientation <= 8) !== (rotate === 90 || rotate === 270);
  return transposed ? { width: height, height: width } : { width, height };
}

/** `length × numerator / denominator`, rounded, never below one pixel. */
function scaled(length: number, numerator: number, denominator: number): number {
  return Math.max(1, Math.round((length * numerator) / denominator));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/**
 * Whether the box `width × height` is, relative to the source, limited by its width: comparing
 * cross products keeps the test exact in integers where comparing two scale factors would round.
 */
function widthLimited(source: Size, width: number, height: number): boolean {
  return width * source.height <= height * source.width;
}

/** The largest size with the source's aspect ratio that fits inside `width × height` (may enlarge). */
function fitInside(source: Size, width: number, height: number): Size {
  return widthLimited(source, width, height)
    ? { width, height: Math.min(height, scaled(source.height, width, source.width)) }
    : { width: Math.min(width, scaled(source.width, height, source.height)), height };
}

/** The largest window of the source with the aspect ratio of `width × height`: what `cover` keeps. */
function coverWindow(source: Size, width: number, height: number): Size {
  return widthLimited(source, width, height)
    ? { width: Math.min(source.width, scaled(source.height, width, height)), height: source.height }
    : { width: source.width, height: Math.min(source.height, scaled(source.width, height, width)) };
}

/** Positions a window inside the source: centred on the gravity's focus, then pushed back inside the edges. */
function place(source: Size, window: Size, gravity: Gravity): Rect {
  const focus = typeof gravity === 'object' ? gravity : focusOfSide[gravity];
  return {
    x: clamp(Math.round(focus.x * source.width - window.width / 2), 0, source.width - window.width),
    y: clamp(Math.round(focus.y * source.height - window.height / 2), 0, source.height - window.height),
    width: window.width,
    height: window.height,
  };
}

/** The whole source scaled to `resize`, on a canvas of the same size. */
function wholeSource(source: Size, resize: Size): ResizePlan {
  return {
    crop: { x: 0, y: 0, width: source.width, height: source.height },
    resize,
    canvas: resize,
    offset: { x: 0, y: 0 },
  };
}

function cropped(source: Size, window: Size, resize: Size, gravity: Gravity): ResizePlan {
  return { crop: place(source, window, gravity), resize, canvas: resize, offset: { x: 0, y: 0 } };
}

/**
 * Only one side asked for: the other follows the aspect ratio, for every fit. Cloudflare documents squeeze only for
 * both sides ("stretches and deforms to the width and height given"); with one, there is nothing to deform towards,
 * so it scales like `contain` (shrinks or enlarges to exactly that side).
 */
function planOneSide(
  source: Size,
  width: number | undefined,
  height: number | undefined,
  enlarge: boolean,
): ResizePlan {
  if (width !== undefined) {
    if (!enlarge && width >= source.width) return wholeSource(source, source);
    return wholeSource(source, { width, height: scaled(source.height, width, source.width) });
  }
  if (height === undefined || (!enlarge && height >= source.height)) return wholeSource(source, source);
  return wholeSource(source, { width: scaled(source.width, height, source.height), height });
}

/** Whether fitting (scale-down) or covering (crop) `width × height` would need a scale of at least 1. */
function noSmallerThanSource(source: Size, width: number, height: number, covering: boolean): boolean {
  const byWidth = widthLimited(source, width, height) !== covering;
  return byWidth ? width >= source.width : height >= source.height;
}

/**
 * Plans one transform with Cloudflare's `fit` semantics over a source already oriented and rotated.
 * Targets are `width × dpr` and `height × dpr`, rounded; every size is a whole number of pixels, at least 1,
 * and the crop rectangle lies inside the source. The plan is not bounded by any output limit: callers
 * check `canvas` (and `outputPixels`) against theirs, since `contain`, `cover` and `pad` may enlarge.
 *
 * @example
 * planResize({ width: 1200, height: 800 }, { width: 400, height: 400, dpr: 1, fit: 'cover', gravity: 'auto' })
 * // → crop { x: 200, y: 0, width: 800, height: 800 }, resize 400×400, canvas 400×400, offset 0,0
 */
export function planResize(
  source: Size,
  options: Pick<TransformOptions, 'width' | 'height' | 'dpr' | 'fit' | 'gravity'>,
): ResizePlan {
  const width = options.width === undefined ? undefined : Math.max(1, Math.round(options.width * options.dpr));
  const height = options.height === undefined ? undefined : Math.max(1, Math.round(options.height * options.dpr));
  const { fit, gravity } = options;
  if (width === undefined || height === undefined) {
    return planOneSide(source, width, height, fit !== 'scale-down' && fit !== 'crop' && fit !== 'aspect-crop');
  }
  switch (fit) {
    case 'scale-down':
      if (noSmallerThanSource(source, width, height, false)) return wholeSource(source, source);
      return wholeSource(source, fitInside(source, width, height));
    case 'contain':
      return wholeSource(source, fitInside(source, width, height));
    case 'pad': {
      const resize = fitInside(source, width, height);
      return {
        ...wholeSource(source, resize),
        canvas: { width, height },
        offset: { x: Math.floor((width - resize.width) / 2), y: Math.floor((height - resize.height) / 2) },
      };
    }
    case 'crop':
      if (noSmallerThanSource(source, width, height, true)) {
        const window = { width: Math.min(width, source.width), height: Math.min(height, source.height) };
        return cropped(source, window, window, gravity);
      }
      return cropped(source, coverWindow(source, width, height), { width, height }, gravity);
    case 'cover':
      return cropped(source, coverWindow(source, width, height), { width, height }, gravity);
    case 'aspect-crop': {
      // Cloudflare: like cover when the source is larger; when smaller, kept at its size but still cut to the aspect.
      const window = coverWindow(source, width, height);
      if (noSmallerThanSource(source, width, height, true)) return cropped(source, window, window, gravity);
      return cropped(source, window, { width, height }, gravity);
    }
    case 'squeeze':
      // The whole source to exactly width × height, shrinking or enlarging each axis on its own.
      return wholeSource(source, { width, height });
  }
}

/** Pixels in the finished image (the canvas), what AVIF budgets and quotas are measured in. */
export function outputPixels(plan: ResizePlan): number {
  return plan.canvas.width * plan.canvas.height;
}
