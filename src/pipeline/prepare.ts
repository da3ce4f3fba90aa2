/** Works out the geometry of a transform from the master's header alone, so limits hold before any decode. */
import { planResize } from '../options/geometry.js';
import type { MasterInfo, ResizePlan, RGBA, TransformOptions } from '../options/types.js';
import { ImageError } from '../http/problem.js';
import { planDecode } from './decode-plan.js';
import { type Orientation, compose, displayedSize, fromExif, fromFlip, fromRotation, rectToStored } from './orientation.js';
import type { ImageState, TransformInput } from './state.js';

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
  return format === 'png' || format === 'webp' || format === 'avif';
}

export interface OutputLimits {
  maxOutputDimension: number;
  /** Output width × height: the encoders hold the whole output, some of them twice. */
  maxOutputPixels: number;
}

/** The orientation and geometry of a transform, from the master's header and the options alone. */
export function planTransform(info: MasterInfo, options: TransformOptions, limits: OutputLimits): { orientation: Orientation; plan: ResizePlan } {
  // Cloudflare flips before it rotates; both act on the image as its EXIF orientation shows it.
  const orientation = compose(compose(fromExif(info.orientation), fromFlip(options.flip)), fromRotation(options.rotate));
  const plan = planResize(displayedSize({ width: info.width, height: info.height }, orientation), options);
  // Enlarging fits follow the aspect ratio: contain,w=100 of a 1×10000 master would be 100×1000000.
  const { width, height } = plan.canvas;
  if (width > limits.maxOutputDimension || height > limits.maxOutputDimension) {
    throw new ImageError(413, 'output-too-large', `the output would be ${width}×${height}, over ${limits.maxOutputDimension} px per side`);
  }
  if (width * height > limits.maxOutputPixels) {
    throw new ImageError(413, 'output-too-large', `the output would be ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP), over the ${(limits.maxOutputPixels / 1e6).toFixed(1)} MP output limit`);
  }
  return { orientation, plan };
}

/** Whether the output will carry transparency: the master has alpha, the format keeps it, no opaque background. */
export function outputHasAlpha(info: MasterInfo, options: TransformOptions, format: string): boolean {
  const opaqueBackground = options.background !== undefined && options.background.a === 255;
  return info.hasAlpha && formatKeepsAlpha(format) && !opaqueBackground;
}

/** The pipeline's first state: geometry, decode plan and canvas colour, all before a byte is decoded. */
export function prepare(input: TransformInput): ImageState {
  const { info, options } = input;
  const { orientation, plan } = planTransform(info, options, input);
  const stored = { width: info.width, height: info.height };
  const storedResize = orientation.transpose ? { width: plan.resize.height, height: plan.resize.width } : plan.resize;
  const keepAlpha = outputHasAlpha(info, options, input.format);
  const storedCrop = rectToStored(plan.crop, stored, orientation);
  return {
    input,
    orientation,
    plan,
    decodePlan: input.shrinkOnLoad === false ? planDecode(info, { x: 0, y: 0, ...stored }, stored, input.limits) : planDecode(info, storedCrop, storedResize, input.limits),
    storedCrop,
    storedResize,
    background: canvasColour(options.background, keepAlpha),
    keepAlpha,
    timings: {},
  };
}
