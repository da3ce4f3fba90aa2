/**
 * The plan of one transform, from the master's header and the options alone, computed once per request by the
 * route and passed down to the pipeline: orientation, geometry (displayed and stored), and what the output's
 * transparency and canvas colour will be. Output limits hold here, before anything is read or decoded.
 */
import { ImageError } from '../http/problem.js';
import { planResize } from './geometry.js';
import { type Orientation, compose, displayedSize, fromExif, fromFlip, fromRotation, rectToStored } from './orientation.js';
import { rectFromStored, trimRect } from './trim.js';
import type { MasterInfo, Rect, ResizePlan, RGBA, Size, TransformOptions } from './types.js';

const white: RGBA = { r: 255, g: 255, b: 255, a: 255 };
const transparent: RGBA = { r: 0, g: 0, b: 0, a: 0 };

/**
 * What pads the canvas and what transparency is flattened onto: the `background` option, else transparent
 * where the output keeps alpha and white where it cannot (then a translucent background is itself put on white).
 */
export function canvasColour(background: RGBA | undefined, keepAlpha: boolean): RGBA {
  if (!background) return keepAlpha ? transparent : white;
  if (keepAlpha || background.a === 255) return background;
  const k = background.a / 255;
  const over = (c: number) => Math.round(c * k + 255 * (1 - k));
  return { r: over(background.r), g: over(background.g), b: over(background.b), a: 255 };
}

export function formatKeepsAlpha(format: string): boolean {
  return format === 'png' || format === 'webp' || format === 'avif' || format === 'gif';
}

export interface OutputLimits {
  maxOutputDimension: number;
  /** Output width × height: the encoders hold the whole output, some of them twice. */
  maxOutputPixels: number;
}

/**
 * What the pre-pass (pipeline/prepass.ts) found in the pixels, for a second plan of the same transform: the border
 * `trim=border` cuts off, in the stored image's coordinates, and the focal point of `gravity=auto` or `face`, in 0..1 of
 * the region the crop is planned within (the trimmed image).
 */
export interface Found {
  border?: Rect;
  focus?: { x: number; y: number };
}

/** Smallest share of each side `zoom=1` keeps around the focal point (no face model: see the README). */
export const MIN_ZOOM_SHARE = 0.25;

export interface TransformPlan {
  /** The part of the displayed image the crop is planned within: all of it, or what a trim keeps. */
  region: Rect;
  /** EXIF orientation, then flip, then rotate: applied once, after the resize. */
  orientation: Orientation;
  /** Crop (inside the trim), resize, canvas and offset in displayed (oriented) coordinates. */
  geometry: ResizePlan;
  /** The geometry's crop and resize in the stored image's coordinates (what the decoder and resizer see). */
  storedCrop: Rect;
  storedResize: Size;
}

/** `region` narrowed around `focus` (0..1 of it) to `1 − zoom × (1 − MIN_ZOOM_SHARE)` of each side, kept inside. */
export function zoomedRegion(region: Rect, focus: { x: number; y: number }, zoom: number): Rect {
  const share = 1 - zoom * (1 - MIN_ZOOM_SHARE);
  const width = Math.max(1, Math.round(region.width * share));
  const height = Math.max(1, Math.round(region.height * share));
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return {
    x: region.x + clamp(Math.round(focus.x * region.width - width / 2), region.width - width),
    y: region.y + clamp(Math.round(focus.y * region.height - height / 2), region.height - height),
    width,
    height,
  };
}

/**
 * The orientation and geometry of a transform, from the master's header and the options alone, or (second plan)
 * with what the pre-pass found in the pixels: the border to trim and the focal point.
 */
export function planTransform(info: MasterInfo, options: TransformOptions, limits: OutputLimits, found: Found = {}): TransformPlan {
  // Cloudflare flips before it rotates; both act on the image as its EXIF orientation shows it.
  const exif = fromExif(info.orientation);
  const flipRotate = compose(fromFlip(options.flip), fromRotation(options.rotate));
  const orientation = compose(exif, flipRotate);
  const stored = { width: info.width, height: info.height };
  // The trim is measured before flip and rotate (on the EXIF-oriented image), then seen as displayed; geometry plans
  // within it as if it were the whole source, and the crop is moved back into the whole displayed image.
  const shown = displayedSize(stored, exif);
  const trimmed = found.border
    ? rectFromStored(found.border, stored, orientation)
    : options.trim
      ? rectFromStored(trimRect(shown, options.trim, options.dpr), shown, flipRotate)
      : { x: 0, y: 0, ...displayedSize(stored, orientation) };
  // gravity=face with zoom frames the focal point closer: the crop is planned within a smaller region around it.
  const zoomed = options.zoom && found.focus ? zoomedRegion(trimmed, found.focus, options.zoom) : undefined;
  const region = zoomed ?? trimmed;
  const focus = found.focus;
  const gravity = zoomed && focus
    ? { x: (trimmed.x + focus.x * trimmed.width - zoomed.x) / zoomed.width, y: (trimmed.y + focus.y * trimmed.height - zoomed.y) / zoomed.height }
    : (focus ?? options.gravity);
  const inRegion = planResize({ width: region.width, height: region.height }, { ...options, gravity });
  const plan: ResizePlan = { ...inRegion, crop: { ...inRegion.crop, x: inRegion.crop.x + region.x, y: inRegion.crop.y + region.y } };
  // Enlarging fits follow the aspect ratio: contain,w=100 of a 1×10000 master would be 100×1000000.
  const { width, height } = plan.canvas;
  if (width > limits.maxOutputDimension || height > limits.maxOutputDimension) {
    throw new ImageError(413, 'output-too-large', `the output would be ${width}×${height}, over ${limits.maxOutputDimension} px per side`);
  }
  if (width * height > limits.maxOutputPixels) {
    throw new ImageError(413, 'output-too-large', `the output would be ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP), over the ${(limits.maxOutputPixels / 1e6).toFixed(1)} MP output limit`);
  }
  return {
    region: trimmed,
    orientation,
    geometry: plan,
    storedCrop: rectToStored(plan.crop, stored, orientation),
    storedResize: orientation.transpose ? { width: plan.resize.height, height: plan.resize.width } : plan.resize,
  };
}

/** Whether the output will carry transparency: the master has alpha, the format keeps it, no opaque background. */
export function outputHasAlpha(info: MasterInfo, options: TransformOptions, format: string): boolean {
  const opaqueBackground = options.background !== undefined && options.background.a === 255;
  return info.hasAlpha && formatKeepsAlpha(format) && !opaqueBackground;
}
