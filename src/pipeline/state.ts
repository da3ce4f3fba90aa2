/** The one image state that every pipeline step reads and advances, imgproxy-style. */
import type { MasterInfo, OutputFormat, Rect, ResizePlan, RGBA, Size, TransformOptions } from '../options/types.js';
import type { Pixels } from './codecs.js';
import type { ColourNote } from './color.js';
import type { DecodePlan, InputLimits } from './decode-plan.js';
import type { Orientation } from './orientation.js';

export interface TransformInput {
  /** The master's bytes as stored. */
  bytes: ArrayBuffer;
  /** What the header (or R2 metadata) says of the master; checked against limits before any decode. */
  info: MasterInfo;
  options: TransformOptions;
  /** The negotiated output format. */
  format: OutputFormat;
  /** Encoder quality 1..100, already resolved from the option or the per-format default. */
  quality: number;
  avifSpeed: number;
  maxOutputDimension: number;
  maxOutputPixels: number;
  limits: InputLimits;
}

export interface ImageState {
  readonly input: TransformInput;
  /** EXIF orientation, then flip, then rotate: applied once, after the resize. */
  orientation: Orientation;
  /** Geometry in displayed (oriented) coordinates. */
  plan: ResizePlan;
  /** How the master is decoded (shrink-on-load for JPEG and WebP). */
  decodePlan: DecodePlan;
  /** The plan's crop and resize in the stored image's coordinates (after decode: the decoded image's). */
  storedCrop: Rect;
  storedResize: Size;
  /** What fills the canvas and what transparency is flattened onto (transparent: nothing to flatten). */
  background: RGBA;
  /** Whether the output keeps an alpha channel. */
  keepAlpha: boolean;
  image?: Pixels;
  /** What the colour step did with the master's embedded profile (set once it has run). */
  colour?: ColourNote;
  output?: ArrayBuffer;
  /** Milliseconds spent per phase, for Server-Timing. */
  timings: Record<string, number>;
}

export type Step = (state: ImageState) => void | Promise<void>;
