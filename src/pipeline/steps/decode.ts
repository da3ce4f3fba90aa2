/**
 * Decodes the master to RGBA pixels in its stored orientation, as the decode plan says: JPEG, PNG, WebP and AVIF in the
 * transform's codec session (our module), interlaced PNG and AVIFs too large for the session through jSquash, GIF's
 * first frame by our own bounded decoder. JPEG, PNG and AVIF are only started here: the resize step reads their rows a
 * strip at a time, so the decoded RGBA image never exists whole (an AVIF's YUV planes do); and from a source (R2) JPEG
 * and PNG bytes are streamed into the decoder as it asks for them
 * (codec/byte-feed.ts), so the file never exists whole either. The other formats' decoders need the whole file: it is
 * read whole, under its own byte limit. A file a codec cannot read is a 422; one whose decode would not fit its memory
 * budget is a 413.
 */
import { checkAvifFrames } from '../../formats/avif-bounds.js';
import { ImageError } from '../../http/problem.js';
import type { JpegScale } from '../../options/decode-plan.js';
import { streamAvifRows } from '../codec/avif-stream.js';
import { decodeFailure } from '../codec/failures.js';
import { decodeGifFirstFrame } from '../codec/gif.js';
import { ByteFeed } from '../codec/byte-feed.js';
import { decodePng } from '../codec/png.js';
import { beginJpegRows, beginPngRows, type StreamedRows } from '../codec/streamed.js';
import { decodeFirstWebpFrame } from '../codec/webp-anim.js';
import { decodeWebpScaled } from '../codec/webp.js';
import type { Pixels } from '../pixels/rgba.js';
import { type ImageState, sessionOf, type TransformInput } from '../state.js';

/**
 * libjpeg's own budget for a progressive JPEG's coefficients: at 4:2:0, 3.0 MB per source MP at 1/1, 0.94 at 1/2,
 * 0.57 at 1/4, 0.28 at 1/8 (native/src/progressive.c keeps only what the scale uses), so ~16, 53, 88 and 178 MP.
 */
export const JPEG_WORK_BYTES = 48 * 1024 * 1024;

function decodeBytes(state: ImageState, view: Uint8Array): Pixels | Promise<Pixels> {
  const { info, decode: plan } = state.input;
  const bytes = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? (view.buffer as ArrayBuffer) : (view.slice().buffer as ArrayBuffer);
  const outputBytes = plan.width * plan.height * 4;
  switch (plan.kind) {
    case 'jpeg':
      throw new Error('unreachable: JPEG is streamed');
    case 'webp':
      return decodeWebpScaled(view, plan.width, plan.height, { maxOutputBytes: outputBytes }, sessionOf(state));
    case 'png':
      return decodePng(bytes); // an interlaced PNG, decoded whole
    case 'avif':
      throw new Error('unreachable: AVIF is streamed');
    case 'full':
      break;
  }
  switch (info.format) {
    case 'png':
      return decodePng(bytes);
    case 'webp':
      // Only animated WebP comes here (stills shrink on load); libwebp's still decoder refuses animations.
      return decodeFirstWebpFrame(view);
    case 'avif':
      throw new Error('unreachable: AVIF always has an avif plan');
    case 'gif':
      return decodeGifFirstFrame(bytes, { maxWorkPixels: plan.maxWorkPixels });
    case 'jpeg':
      throw new Error('unreachable: JPEG always has a scaled plan');
  }
}

/**
 * An interlaced (Adam7) PNG cannot be streamed (its passes spread every row over the whole file), so it is decoded
 * whole, under the limit for images held decoded (`MAX_INPUT_PIXELS`).
 */
export function checkInterlacedPng(info: { width: number; height: number }, maxDecodedPixels: number): void {
  const pixels = info.width * info.height;
  if (pixels > maxDecodedPixels) {
    throw new ImageError(413, 'input-too-large', `the png master is interlaced (Adam7) and ${info.width}×${info.height} (${(pixels / 1e6).toFixed(1)} MP): interlaced PNGs are decoded whole, up to the ${(maxDecodedPixels / 1e6).toFixed(1)} MP limit for png when interlaced (MAX_INPUT_PIXELS); save it without interlacing to have it streamed`);
  }
}

/** Whether a PNG's IHDR says Adam7 (interlace method 1): such a file cannot be streamed. */
export function isInterlacedPng(bytes: Uint8Array): boolean {
  return bytes[28] === 1;
}

/** Hands a started stream to the resize step: its rows are read (and its errors found) there. */
function streamRows(state: ImageState, rows: StreamedRows): void {
  const plan = state.input.decode;
  const { format } = state.input.info;
  if (rows.width !== plan.width || rows.height !== plan.height) {
    throw new ImageError(422, 'undecodable', `the ${format} master decodes to ${rows.width}×${rows.height}, but its header says ${plan.width}×${plan.height}`);
  }
  // Errors found later, as rows are read, are the decoder's too; so is the time (the resize step's clock runs
  // around it, so it moves from 'resize' to 'decode').
  const decoding = async (read: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    try {
      await read();
    } catch (error) {
      throw decodeFailure(format, error);
    } finally {
      const spent = performance.now() - started;
      state.timings.decode = (state.timings.decode ?? 0) + spent;
      state.timings.resize = (state.timings.resize ?? 0) - spent;
    }
  };
  state.rows = {
    width: rows.width,
    height: rows.height,
    stats: rows.stats,
    ensure: (y) => decoding(() => rows.ensure(y)),
    row: (y) => rows.row(y),
    finish: () => decoding(() => rows.finish()),
  };
}

/**
 * Starts the AVIF stream (native/src/avif-decode.c): the file is decoded to YUV in the session (dav1d's pictures), and
 * rows are converted to RGBA a strip at a time as the resize step reads them. One whose pictures do not fit the
 * session's memory (a 12-bit 4:4:4 AVIF with alpha near the pixel limit) is a 413, as it would be at upload.
 */
function startAvif(state: ImageState, bytes: Uint8Array, plan: { maxPixels: number }): void {
  const { info } = state.input;
  let rows: ReturnType<typeof streamAvifRows>;
  try {
    // The decoder allocates what the AV1 sequence headers say, not what `ispe` (our limits' input) says.
    checkAvifFrames(bytes, info);
    rows = streamAvifRows(sessionOf(state), bytes, { maxPixels: plan.maxPixels });
  } catch (error) {
    throw decodeFailure(info.format, error);
  }
  // Its strips are decoded synchronously (the whole file is in the session): `ensure` only moves them on.
  streamRows(state, {
    width: rows.width,
    height: rows.height,
    stats: rows.stats,
    ensure: async (y) => void rows.row(y),
    row: (y) => rows.row(y),
    finish: async () => rows.finish(),
  });
}

/** Starts the JPEG or PNG stream over the session's input. */
async function startStream(state: ImageState, begin: () => Promise<StreamedRows>): Promise<void> {
  let rows: StreamedRows;
  try {
    rows = await begin();
  } catch (error) {
    throw decodeFailure(state.input.info.format, error);
  }
  streamRows(state, rows);
}

/**
 * Opens the master's source as a feed (checking its start against the lookup), or takes the bytes given. A master
 * replaced since its lookup is MasterChanged, thrown as it is.
 */
async function openInput(state: ImageState): Promise<Uint8Array> {
  const { source, bytes } = state.input;
  if (bytes) {
    state.bytes = new Uint8Array(bytes);
    return state.bytes;
  }
  if (!source) throw new Error('a transform needs its master: a source or bytes');
  // Opening the object (until R2 answers) is the `r2` phase; reading its chunks, as the decoder asks, is decoding.
  const opening = performance.now();
  const stream = await source.open();
  const r2 = performance.now() - opening;
  state.timings.r2 = (state.timings.r2 ?? 0) + r2;
  state.timings.decode = (state.timings.decode ?? 0) - r2;
  const feed = new ByteFeed(stream, source.size);
  state.feed = feed;
  try {
    await source.verify?.(feed);
    return await feed.peek(29);
  } catch (error) {
    throw decodeFailure(state.input.info.format, error);
  }
}

/** A master whose decoder needs the whole file must fit `maxWholeBytes` (MAX_BUFFERED_INPUT_BYTES): a 413 if not. */
export function checkWholeSize(format: string, size: number, limit: number, why: string): void {
  if (size > limit) {
    throw new ImageError(413, 'input-too-large', `the ${format} master is ${size} bytes, and ${why} reads the whole file into memory: up to ${limit} bytes (MAX_BUFFERED_INPUT_BYTES)`);
  }
}

/** Reads the rest of the master whole, for a decoder that needs the whole file, under `maxWholeBytes`. */
async function readWhole(state: ImageState, why: string): Promise<Uint8Array> {
  if (state.bytes) return state.bytes;
  const feed = state.feed!;
  checkWholeSize(state.input.info.format, feed.size, state.input.maxWholeBytes ?? Number.POSITIVE_INFINITY, why);
  try {
    state.bytes = await feed.readAll();
  } catch (error) {
    throw decodeFailure(state.input.info.format, error);
  }
  // The head is not needed once the whole file is here (masterHead reads `bytes`).
  feed.dispose();
  state.feed = undefined;
  return state.bytes;
}

/**
 * The whole master of a transform given a source, for a path that needs the whole file before any step runs (an
 * animation's frames): opened, checked against its lookup and read under `maxWholeBytes`, as the decode step would.
 */
export async function readSourceWhole(input: TransformInput, why: string): Promise<ArrayBuffer> {
  if (input.bytes) return input.bytes;
  const { info, source, maxWholeBytes } = input;
  if (!source) throw new Error('a transform needs its master: a source or bytes');
  checkWholeSize(info.format, source.size, maxWholeBytes ?? Number.POSITIVE_INFINITY, why);
  const feed = new ByteFeed(await source.open(), source.size);
  try {
    await source.verify?.(feed);
    const bytes = await feed.readAll();
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  } catch (error) {
    feed.cancel();
    throw decodeFailure(info.format, error);
  }
}

/** Feeds the session from the stream, or from the bytes. */
function setSessionInput(state: ImageState): void {
  const session = sessionOf(state);
  if (state.feed) session.setFeed(state.feed);
  else session.setInput(state.bytes!);
}

export async function decode(state: ImageState): Promise<void> {
  const { info, decode: plan, source, maxWholeBytes } = state.input;
  // Formats always decoded from the whole file are refused on size before they are opened.
  if (source && plan.kind !== 'jpeg' && plan.kind !== 'png') checkWholeSize(info.format, source.size, maxWholeBytes ?? Number.POSITIVE_INFINITY, `the ${info.format} decoder`);
  const start = await openInput(state);
  if (plan.kind === 'jpeg') {
    setSessionInput(state);
    const { denom } = plan;
    return startStream(state, () => beginJpegRows(sessionOf(state), denom, { maxWorkBytes: JPEG_WORK_BYTES }));
  }
  if (plan.kind === 'png') {
    if (!isInterlacedPng(start.subarray(0, 29))) {
      setSessionInput(state);
      return startStream(state, () => beginPngRows(sessionOf(state)));
    }
    checkInterlacedPng(info, plan.maxDecodedPixels);
  }
  const whole = await readWhole(state, info.format === 'png' ? 'an interlaced (Adam7) PNG' : `the ${info.format} decoder`);
  if (plan.kind === 'avif') return startAvif(state, whole, plan);
  let image: Pixels;
  try {
    image = await decodeBytes(state, whole);
  } catch (error) {
    throw decodeFailure(info.format, error);
  }
  if (image.width !== plan.width || image.height !== plan.height) {
    throw new ImageError(422, 'undecodable', `the ${info.format} master decodes to ${image.width}×${image.height}, but its header says ${plan.width}×${plan.height}`);
  }
  state.image = image;
}
