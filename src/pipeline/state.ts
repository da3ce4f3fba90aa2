/** The one image state that every pipeline step reads and advances, imgproxy-style. */
import type { MasterInfo, OutputFormat, Rect, ResizePlan, RGBA, Size, TransformOptions } from '../options/types.js';
import type { Pixels } from './codecs.js';
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
}

export interface ImageState {
  readonly input: TransformInput;
  /** EXIF orientation, then flip, then rotate: applied once, after the resize. */
  orientation: Orientation;
  /** Geometry in displayed (oriented) coordinates. */
  plan: ResizePlan;
  /** The plan's crop and resize in the stored image's coordinates, where decode and resize work. */
  storedCrop: Rect;
  storedResize: Size;
  /** What fills the canvas and what transparency is flattened onto (transparent: nothing to flatten). */
  background: RGBA;
  /** Whether the output keeps an alpha channel. */
  keepAlpha: boolean;
  image?: Pixels;
  output?: ArrayBuffer;
  /** Milliseconds spent per phase, for Server-Timing. */
  timings: Record<string, number>;
}

export type Step = (state: ImageState) => void | Promise<void>;
