/** The one image state that every pipeline step reads and advances, imgproxy-style. */
import type { MasterInfo, OutputFormat, Rect, ResizePlan, RGBA, Size, TransformOptions } from '../options/types.js';
import type { Pixels } from './codecs.js';
import type { ColourNote } from './color.js';
import type { DecodePlan, InputLimits } from './decode-plan.js';
import type { Orientation } from './orientation.js';
import type { RowSource } from './resample.js';
import type { CodecSession } from './scaled/session.js';

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
  /** false decodes JPEG and WebP at their full size: only the benchmark's baseline for shrink-on-load sets it. */
  shrinkOnLoad?: boolean;
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
  /** The decoded image, or after the resize the pixels every later step works on. */
  image?: Pixels;
  /** A JPEG being decoded as the resize reads it (instead of `image`): the decoded image never exists whole. */
  rows?: RowSource & { finish(): void };
  /**
   * Our native codecs' instance for this transform (JPEG/WebP decode, WebP encode): pixels kept in its memory
   * pass from decoder to resizer to encoder without a copy. Dropped with the state.
   */
  session?: CodecSession;
  /** What the colour step did with the master's embedded profile (set once it has run). */
  colour?: ColourNote;
  output?: ArrayBuffer;
  /** Milliseconds spent per phase, for Server-Timing. */
  timings: Record<string, number>;
}

export type Step = (state: ImageState) => void | Promise<void>;
