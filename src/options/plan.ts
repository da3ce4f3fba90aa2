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

export interface TransformPlan {
  /** EXIF orientation, then flip, then rotate: applied once, after the resize. */
  orientation: Orientation;
  /** Crop (inside the trim), resize, canvas and offset in displayed (oriented) coordinates. */
  geometry: ResizePlan;
  /** The geometry's crop and resize in the stored image's coordinates (what the decoder and resizer see). */
  storedCrop: Rect;
  storedResize: Size;
}

/** The orientation and geometry of a transform, from the master's header and the options alone. */
export function planTransform(info: MasterInfo, options: TransformOptions, limits: OutputLimits): TransformPlan {
  // Cloudflare flips before it rotates; both act on the image as its EXIF orientation shows it.
  const exif = fromExif(info.orientation);
  const flipRotate = compose(fromFlip(options.flip), fromRotation(options.rotate));
  const orientation = compose(exif, flipRotate);
  const stored = { width: info.width, height: info.height };
  // The trim is measured before flip and rotate (on the EXIF-oriented image), then seen as displayed; geometry plans
  // within it as if it were the whole source, and the crop is moved back into the whole displayed image.
  const shown = displayedSize(stored, exif);
  const region = options.trim
    ? rectFromStored(trimRect(shown, options.trim, options.dpr), shown, flipRotate)
    : { x: 0, y: 0, ...displayedSize(stored, orientation) };
  const inRegion = planResize({ width: region.width, height: region.height }, options);
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
