/** The vocabulary shared by option parsing, negotiation, geometry and the pipeline. Pure types, no runtime. */

/** `squeeze` stretches to exactly width × height, ignoring the aspect ratio (Cloudflare's "stretches and deforms"). */
export type Fit = 'scale-down' | 'contain' | 'cover' | 'crop' | 'aspect-crop' | 'pad' | 'squeeze';

/**
 * A side to keep when cropping, or a focal point in 0..1 of each axis. `auto` and `face` find the point in the pixels
 * (pipeline/prepass.ts: attention-based saliency; `face` weighs skin tones up, there is no face model); `center` is
 * the default.
 */
export type Gravity = 'auto' | 'face' | 'center' | 'left' | 'right' | 'top' | 'bottom' | { x: number; y: number };

export type QualityName = 'high' | 'medium-high' | 'medium-low' | 'low';

export type RequestedFormat = 'auto' | 'avif' | 'webp' | 'jpeg' | 'baseline-jpeg' | 'png' | 'json';

/**
 * What the encoder produces. `baseline-jpeg` is a JPEG without progressive scans. `gif` is never asked for: it is
 * what `format=auto` gives an animated master for a client without WebP (options/animation.ts).
 */
export type OutputFormat = 'avif' | 'webp' | 'jpeg' | 'baseline-jpeg' | 'png' | 'gif';

/** Formats we accept as masters. */
export type InputFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif';

export type Metadata = 'none' | 'copyright' | 'keep';

export type Rotation = 0 | 90 | 180 | 270;

export type Flip = 'h' | 'v' | 'hv';

/** 8-bit sRGB colour with alpha 0..255. */
export interface RGBA {
  r: number;
  g: number;
  b: number;
  a: number;
}

/**
 * Cloudflare's `trim`, in CSS pixels like width and height (geometry multiplies by dpr): cut off each side, or keep
 * `width`/`height` from `left`/`top` (they win over `right`/`bottom`).
 */
export interface Trim {
  top: number;
  right: number;
  bottom: number;
  left: number;
  width?: number;
  height?: number;
}

/** `trim=border`: cut off the border of one colour (pipeline/pixels/border.ts), before resize and rotate. */
export interface TrimBorder {
  /** The border colour; absent: detected from the image's corners. */
  colour?: RGBA;
  /** 0..255, Cloudflare's scale: 255 must match exactly, 0 matches anything. */
  tolerance: number;
  /** CSS pixels of the border left on each side (× dpr, as every trim value). */
  keep: number;
}

/** Parsed, validated options of one image URL. Absent optional fields mean "not asked for". */
export interface TransformOptions {
  width?: number;
  height?: number;
  /** 1..3; already applied by geometry, kept so the canonical form can fold it. */
  dpr: number;
  fit: Fit;
  gravity: Gravity;
  quality?: number | QualityName;
  format: RequestedFormat;
  background?: RGBA;
  rotate: Rotation;
  flip?: Flip;
  blur?: number;
  sharpen?: number;
  /** Factors, 1 = unchanged (pipeline/pixels/tone.ts). Cloudflare ignores 0 for the first three: parsing leaves them out. */
  brightness?: number;
  contrast?: number;
  gamma?: number;
  /** 0 is greyscale. */
  saturation?: number;
  metadata: Metadata;
  anim: boolean;
  onerror?: 'redirect';
  /** `width=auto`: the route sets `width` from client hints (options/client-hints.ts). */
  autoWidth?: true;
  /** The fastest encoder settings, and with format=auto the fastest format (options/compression.ts). */
  compression?: 'fast';
  /** Before resize, flip and rotate (options/trim.ts). */
  trim?: Trim;
  /** Trim the border found in the pixels; never together with `trim`. */
  trimBorder?: TrimBorder;
  /** With `gravity=face`: 0..1, how much closer than the whole image the crop frames the focal point. */
  zoom?: number;
  /**
   * Quality used instead of `quality` when the client signals a slow connection: the route resolves it into `quality`
   * (options/connection.ts), so it is never part of the cache key itself.
   */
  slowConnectionQuality?: number | QualityName;
}

export interface Size {
  width: number;
  height: number;
}

export interface Rect extends Size {
  x: number;
  y: number;
}

/**
 * What geometry decides for one transform, in the coordinates of the oriented (and rotated) source.
 * The pipeline crops `crop` out of the source, scales it to `resize`, and places it at `offset` on a
 * `canvas` filled with the background (only `pad` makes the canvas larger than `resize`).
 */
export interface ResizePlan {
  crop: Rect;
  resize: Size;
  canvas: Size;
  offset: { x: number; y: number };
}

/** What we know of a master without decoding it: from its header, or from R2 metadata. */
export interface MasterInfo {
  format: InputFormat;
  width: number;
  height: number;
  hasAlpha: boolean;
  animated: boolean;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
}
