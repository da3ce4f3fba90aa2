/** The one image state that every pipeline step reads and advances, imgproxy-style, and the one signature of a step. */
import type { DecodePlan } from '../options/decode-plan.js';
import { cropOnDecoded } from '../options/decode-plan.js';
import { canvasColour, outputHasAlpha, type TransformPlan } from '../options/plan.js';
import type { MasterInfo, OutputFormat, Rect, RGBA, TransformOptions } from '../options/types.js';
import type { MasterSource } from '../storage/master-source.js';
import type { ByteFeed } from './codec/byte-feed.js';
import { CodecSession } from './codec/session.js';
import type { StreamedRows } from './codec/streamed.js';
import type { Pixels } from './pixels/rgba.js';

export interface TransformInput {
  /**
   * Where the master's bytes come from: a source opened (and re-openable) as a stream, which JPEG and PNG decode
   * chunk by chunk as it arrives; or the bytes themselves, already in memory (tests, upload validation).
   */
  source?: MasterSource;
  bytes?: ArrayBuffer;
  /** For a `source`: the largest master read whole for a decoder that needs the whole file (WebP, AVIF, GIF, Adam7 PNG). */
  maxWholeBytes?: number;
  /** What the header (or R2 metadata) says of the master; checked against limits before any decode. */
  info: MasterInfo;
  options: TransformOptions;
  /** Orientation and geometry, planned once by the route (options/plan.ts). */
  plan: TransformPlan;
  /** How the master is decoded (shrink-on-load for JPEG and WebP), planned from `plan` (options/decode-plan.ts). */
  decode: DecodePlan;
  /** The negotiated output format. */
  format: OutputFormat;
  /** Encoder quality 1..100, already resolved from the option or the per-format default. */
  quality: number;
  avifSpeed: number;
  /**
   * Set when an animated GIF/WebP master with `anim` on is encoded as WebP or GIF (options/animation.ts): it stays
   * animated if its frames × width × height is within `maxPixels` (pipeline/animate.ts), and a GIF within
   * `maxGifBytes` (GIF_MAX_OUTPUT_BYTES unless a test sets it), else its first frame is served.
   */
  animation?: { maxPixels: number; maxGifBytes?: number };
}

/** What the colour step did with the master's embedded profile, for logs and tests. */
export interface ColourNote {
  /** Whether the pixels were changed. */
  converted: boolean;
  /** The embedded profile's name, when there is one. */
  profile?: string;
  detail: string;
}

export interface ImageState {
  readonly input: TransformInput;
  /** The plan's stored crop on the decoded image (the decode plan's size): what the resize step cuts out. */
  readonly decodedCrop: Rect;
  /** What fills the canvas and what transparency is flattened onto (transparent: nothing to flatten). */
  readonly background: RGBA;
  /** Whether the output keeps an alpha channel. */
  readonly keepAlpha: boolean;
  /** The decoded image, or after the resize the pixels every later step works on. */
  image?: Pixels;
  /** A JPEG or PNG being decoded as the resize reads it (instead of `image`): the decoded image never exists whole. */
  rows?: StreamedRows;
  /** The master streamed from its source, while it is read (the decode step opens it; run.ts cancels what is left). */
  feed?: ByteFeed;
  /** The master's whole bytes, once read (from `input.bytes`, or from the source for a decoder that needs them). */
  bytes?: Uint8Array;
  /**
   * Our native codecs' instance for this transform (JPEG/WebP decode, WebP/AVIF/JPEG encode): pixels kept in its
   * memory pass from decoder to resizer to encoder without a copy. Taken on first use (sessionOf), recycled by run.ts.
   */
  session?: CodecSession;
  /** What the colour step did with the master's embedded profile (set once it has run). */
  colour?: ColourNote;
  output?: ArrayBuffer;
  /** Milliseconds spent per phase, for Server-Timing. */
  timings: Record<string, number>;
}

/** A pipeline step: one function over the state, throwing an ImageError when the image cannot go on. */
export type Step = (state: ImageState) => void | Promise<void>;

/** The pipeline's first state: everything derived from the input before a byte is decoded. */
export function initialState(input: TransformInput): ImageState {
  const { info, options, plan, decode, format } = input;
  const keepAlpha = outputHasAlpha(info, options, format);
  return {
    input,
    decodedCrop: cropOnDecoded(plan.storedCrop, info, decode),
    background: canvasColour(options.background, keepAlpha),
    keepAlpha,
    timings: {},
  };
}

/**
 * The master's first bytes (up to HEAD_BYTES, the whole file when it was read whole): what the colour and metadata
 * steps read their ICC profile and EXIF from, which come before the image data.
 */
export function masterHead(state: ImageState): Uint8Array {
  return state.bytes ?? state.feed?.head ?? new Uint8Array(state.input.bytes ?? new ArrayBuffer(0));
}

/** The transform's codec session, taken on first use (run.ts recycles it when the transform ends). */
export function sessionOf(state: ImageState): CodecSession {
  return (state.session ??= CodecSession.acquire());
}
