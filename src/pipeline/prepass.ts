/**
 * The pre-pass: what some options need to see in the pixels before the crop can be planned. `trim=border` scans the
 * master's full-resolution rows for its border; `gravity=auto` and `gravity=face` decode a small preview (JPEG at up to
 * 1/8 in the DCT, WebP scaled by libwebp, the rest streamed or decoded and resampled) and find the crop window that
 * holds the most saliency. Either gives a second plan (options/plan.ts `Found`); sizes and the output format were
 * planned from the header and the window's size does not change, only where it sits (a border trim can change it).
 *
 * Only requests that need it pay: a focal point only when the crop actually cuts something off (or `zoom` narrows it).
 * Memory stays bounded: the border scan keeps one row and a box, the preview is ≤ PREVIEW_SIDE a side; decoders run
 * under the same limits as the transform's own decode.
 */
import { ImageError } from '../http/problem.js';
import { type InputLimits, planDecode, type DecodePlan } from '../options/decode-plan.js';
import { type Found, MIN_ZOOM_SHARE, type OutputLimits, planTransform, type TransformPlan } from '../options/plan.js';
import { rectFromStored } from '../options/trim.js';
import { rectToStored } from '../options/orientation.js';
import { trimPixels } from '../options/trim.js';
import type { MasterInfo, Rect, TransformOptions } from '../options/types.js';
import { releaseBuffer } from './codec/release.js';
import { BorderScan, type Box } from './pixels/border.js';
import { type RowSource, rowsOf } from './pixels/resample.js';
import { BoxShrink } from './pixels/shrink.js';
import type { Pixels } from './pixels/rgba.js';
import { ATTENTION, bestWindow, saliencyMap, SKIN_FIRST } from './pixels/saliency.js';
import { initialState, type TransformInput } from './state.js';
import { decode } from './steps/decode.js';

/** Longest side of the saliency preview, in pixels. */
export const PREVIEW_SIDE = 256;

/**
 * Where the pre-pass reads the master: its source in R2 (each pass opens its own stream) or its bytes in memory.
 * Called at most twice per transform (border scan, then preview).
 */
export type MasterBytes = () => PrepassMaster | ArrayBuffer | Promise<ArrayBuffer>;

/** The master as the transform's decode step takes it: a re-openable stream from R2, or bytes in memory. */
export type PrepassMaster = Pick<TransformInput, 'source' | 'bytes' | 'maxWholeBytes'>;

function masterInput(master: PrepassMaster | ArrayBuffer): PrepassMaster {
  return master instanceof ArrayBuffer ? { bytes: master } : master;
}

/** Everything the pre-pass plans with. */
export interface PrepassInput {
  info: MasterInfo;
  options: TransformOptions;
  /** The plan made from the header alone (the route's). */
  plan: TransformPlan;
  limits: OutputLimits & InputLimits;
}

/** Whether the crop of `plan` cuts something off its region (else there is nothing for a focal point to move). */
function cropCuts(plan: TransformPlan): boolean {
  const { crop } = plan.geometry;
  return crop.width < plan.region.width || crop.height < plan.region.height;
}

/** Whether `options` need the pixels before planning: a border trim, or a focal point for a crop that cuts. */
export function needsPrepass(options: TransformOptions, plan: TransformPlan): boolean {
  if (options.trimBorder) return true;
  if (options.gravity !== 'auto' && options.gravity !== 'face') return false;
  return cropCuts(plan) || (options.zoom ?? 0) > 0;
}

/** What takes the decoded rows, one at a time, in order: a border scan or a preview's shrink. */
interface RowConsumer {
  add(row: Uint8ClampedArray, y: number): void;
}

/**
 * Decodes the master as `decodePlan` says, with the transform's own decode step (same decoders, limits and 4xx
 * errors), and pushes its rows to `consumer` in order; the codec session is recycled whatever happens. (A decoder
 * that streams asynchronously is awaited row by row through its `ensure`, where it has one.)
 */
async function scanRows(master: PrepassMaster | ArrayBuffer, input: PrepassInput, decodePlan: DecodePlan, consumer: (rows: { width: number; height: number }) => RowConsumer): Promise<void> {
  const given = masterInput(master);
  const state = initialState({ ...given, info: input.info, options: input.options, plan: input.plan, decode: decodePlan, format: 'png', quality: 100, avifSpeed: 10 });
  try {
    await decode(state);
    const rows: RowSource & { ensure?: (y: number) => Promise<void> } = state.rows ?? rowsOf(state.image!);
    const sink = consumer(rows);
    for (let y = 0; y < rows.height; y++) {
      if (rows.ensure) await rows.ensure(y);
      sink.add(rows.row(y), y);
    }
    await state.rows?.finish();
  } finally {
    // As run.ts does: the feed's memory, and the bytes read whole here, are given back now rather than left to V8.
    state.feed?.dispose();
    if (!given.bytes) releaseBuffer(state.bytes?.buffer);
    state.session?.recycle();
  }
}

/**
 * Largest JPEG scanned for its border at full resolution: libjpeg's budget for a progressive file's coefficients
 * (steps/decode.ts JPEG_WORK_BYTES) holds ~16 MP at 1/1; larger ones are scanned at 1/2 or less.
 */
const FULL_SCALE_JPEG_PIXELS = 16_000_000;

/** The whole stored image, decoded at full resolution where that fits (JPEG and PNG streamed), as a source of rows. */
function fullPlan(input: PrepassInput): DecodePlan {
  const { width, height } = input.info;
  const whole = { x: 0, y: 0, width, height };
  const plan = planDecode(input.info, whole, { width, height }, input.limits);
  if (plan.kind !== 'jpeg') return plan;
  const denom = ([1, 2, 4, 8] as const).find((d) => Math.ceil(width / d) * Math.ceil(height / d) <= FULL_SCALE_JPEG_PIXELS) ?? 8;
  return { kind: 'jpeg', denom, width: Math.ceil(width / denom), height: Math.ceil(height / denom) };
}

/**
 * The box `trim=border` keeps, in stored coordinates: found on the decoded rows (full resolution, but for a WebP too
 * large to hold whole, which is decoded smaller and the box scaled back), grown by `keep × dpr`.
 */
export async function findBorder(master: PrepassMaster | ArrayBuffer, input: PrepassInput): Promise<Box> {
  const border = input.options.trimBorder!;
  const decodePlan = fullPlan(input);
  const { width, height } = input.info;
  let scan: BorderScan | undefined;
  await scanRows(master, input, decodePlan, (rows) => (scan = new BorderScan(rows.width, rows.height, { colour: border.colour, tolerance: border.tolerance })));
  const box = scan!.result(0);
  const sx = width / decodePlan.width;
  const sy = height / decodePlan.height;
  const keep = trimPixels(border.keep, input.options.dpr);
  const x = Math.max(0, Math.floor(box.x * sx) - keep);
  const y = Math.max(0, Math.floor(box.y * sy) - keep);
  return {
    x,
    y,
    width: Math.min(width, Math.ceil((box.x + box.width) * sx) + keep) - x,
    height: Math.min(height, Math.ceil((box.y + box.height) * sy) + keep) - y,
  };
}

/** A preview of the stored image no larger than PREVIEW_SIDE a side (JPEG shrinks in the DCT first). */
export async function previewOf(master: PrepassMaster | ArrayBuffer, input: PrepassInput): Promise<Pixels> {
  const { width, height } = input.info;
  const scale = Math.min(1, PREVIEW_SIDE / Math.max(width, height));
  const size = { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
  const decodePlan = planDecode(input.info, { x: 0, y: 0, width, height }, size, input.limits);
  let shrink: BoxShrink | undefined;
  await scanRows(master, input, decodePlan, (rows) => (shrink = new BoxShrink(rows.width, rows.height, Math.min(size.width, rows.width), Math.min(size.height, rows.height))));
  return shrink!.result();
}

/**
 * The focal point for `plan`'s crop, in 0..1 of its region: the centre of the window, the size of the crop, that
 * holds the most saliency of `preview` (of the stored image) within the region.
 */
export function focusOf(preview: Pixels, input: PrepassInput, plan: TransformPlan): { x: number; y: number } {
  const stored = { width: input.info.width, height: input.info.height };
  const s = preview.width / stored.width;
  const t = preview.height / stored.height;
  const region = rectToStored(plan.region, stored, plan.orientation);
  const crop = plan.storedCrop;
  // The region on the preview, and the saliency map cut to it.
  const rx = Math.min(preview.width - 1, Math.floor(region.x * s));
  const ry = Math.min(preview.height - 1, Math.floor(region.y * t));
  const rw = Math.max(1, Math.min(preview.width - rx, Math.round(region.width * s)));
  const rh = Math.max(1, Math.min(preview.height - ry, Math.round(region.height * t)));
  const map = saliencyMap(preview, input.options.gravity === 'face' ? SKIN_FIRST : ATTENTION);
  const cut = new Float32Array(rw * rh);
  for (let y = 0; y < rh; y++) cut.set(map.subarray((ry + y) * preview.width + rx, (ry + y) * preview.width + rx + rw), y * rw);
  // With zoom, the crop will be planned within a region that much smaller: look for a window that size.
  const share = 1 - (input.options.zoom ?? 0) * (1 - MIN_ZOOM_SHARE);
  const window = bestWindow(cut, rw, rh, crop.width * share * s, crop.height * share * t);
  // The window's centre, back in stored pixels, then in the displayed region.
  const centre: Rect = { x: (rx + window.x + window.width / 2) / s, y: (ry + window.y + window.height / 2) / t, width: 0, height: 0 };
  const shown = rectFromStored(centre, stored, plan.orientation);
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return { x: clamp((shown.x - plan.region.x) / plan.region.width), y: clamp((shown.y - plan.region.y) / plan.region.height) };
}

/**
 * The plan the transform runs with: `input.plan` when nothing needs the pixels, else a second plan with the border
 * found and the focal point. `master` is read once per pass.
 */
export async function refinePlan(master: MasterBytes, input: PrepassInput): Promise<TransformPlan> {
  if (!needsPrepass(input.options, input.plan)) return input.plan;
  const { info, options, limits } = input;
  const found: Found = {};
  let plan = input.plan;
  if (options.trimBorder) {
    found.border = await findBorder(await master(), input);
    plan = planTransform(info, options, limits, found);
  }
  if ((options.gravity === 'auto' || options.gravity === 'face') && (cropCuts(plan) || (options.zoom ?? 0) > 0)) {
    const preview = await previewOf(await master(), { ...input, plan });
    found.focus = focusOf(preview, input, plan);
    plan = planTransform(info, options, limits, found);
  }
  if (plan.geometry.canvas.width < 1 || plan.geometry.canvas.height < 1) {
    throw new ImageError(422, 'undecodable', 'the pre-pass left nothing of the image');
  }
  return plan;
}
