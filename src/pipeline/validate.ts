/**
 * Upload validation by decoding: before anything is stored, the upload is decoded end to end at the smallest scale
 * its format allows (JPEG at 1/8, entropy-decoded in full and streamed; WebP through libwebp's scaler to 1/8; GIF's
 * first frame in strict mode; PNG streamed row by row (Adam7 whole); AVIF decoded to YUV in the codec session and
 * converted strip by strip, or whole by jSquash when the session cannot fit it, as the transform path decodes it), by the same decoders and under
 * the same memory budgets as a transform. So a truncated or corrupt file is a 422 saying what is wrong, and a file the
 * transform path would refuse for size is a 413 at upload naming the limit, never a stored master that fails on
 * every request.
 *
 * @example await validateByDecoding(bytes, inspectUpload(bytes, type, limits), limits) // throws ImageError 413/422
 */
import { checkAvifFrames } from '../formats/avif-bounds.js';
import type { HeaderInfo } from '../formats/header.js';
import { checkPngChunks } from '../formats/png-chunks.js';
import { ImageError } from '../http/problem.js';
import type { InputLimits } from '../options/decode-plan.js';
import { streamAvifRows } from './codec/avif-stream.js';
import { decodeGifFirstFrame } from './codec/gif-decode.js';
import { decodePng } from './codec/png.js';
import { ByteFeed, FeedError } from './codec/byte-feed.js';
import { CodecError, CodecSession } from './codec/session.js';
import { beginJpegRows, beginPngRows, type StreamedRows } from './codec/streamed.js';
import { decodeFirstWebpFrame } from './codec/webp-anim.js';
import { decodeWebpScaled } from './codec/webp.js';
import { checkInterlacedPng, isInterlacedPng, JPEG_WORK_BYTES } from './steps/decode.js';

const MiB = 1024 * 1024;

/** What a decoder's failure at upload means, with the same statuses as a transform's (decode.ts `decodeFailure`). */
function failure(info: HeaderInfo, error: unknown): ImageError {
  const what = `the ${info.format} upload (${info.width}×${info.height})`;
  if (error instanceof ImageError && error.status === 422) {
    // Our own decoders' words, said of the upload rather than of a stored master.
    const detail = error.detail.replace(/^the \w+ master could not be decoded: /, '');
    return new ImageError(422, 'undecodable', `${what} is truncated or corrupt: ${detail}`);
  }
  if (error instanceof ImageError) return error;
  if (error instanceof CodecError && (error.code === 'too-large' || error.code === 'out-of-memory')) {
    const why =
      info.format === 'jpeg' && info.progressive
        ? `a progressive JPEG keeps its DCT coefficients while it decodes (at 4:2:0, 3.0 MB per MP at full size, 0.94 at 1/2, 0.57 at 1/4, 0.28 at 1/8), and this one's are over the ${JPEG_WORK_BYTES / MiB} MiB budget of a transform even at 1/8; re-encode it as baseline (sequential) JPEG, or make it smaller`
        : `it needs more memory to decode than a transform may use (the codec module is capped at 96 MiB); make it smaller or save it in another format`;
    return new ImageError(413, 'input-too-large', `${what} cannot be served: ${why} (${error.message})`);
  }
  const message = String((error as Error)?.message ?? error);
  return new ImageError(422, 'undecodable', `${what} is truncated or corrupt: ${message}`);
}

function mismatch(info: HeaderInfo, width: number, height: number, expected: { width: number; height: number }): ImageError {
  return new ImageError(422, 'undecodable', `the ${info.format} upload decodes to ${width}×${height}, but its header says ${expected.width}×${expected.height}`);
}

/** Reads every strip of a stream, and its tail. */
async function readAllRows(rows: StreamedRows): Promise<void> {
  for (let y = 0; y < rows.height; y += 16) await rows.ensure(y);
  await rows.ensure(rows.height - 1);
  await rows.finish();
}

/** Reads every row of a JPEG at 1/8: every scan of a progressive file, every entropy-coded segment, the tail. */
async function validateJpeg(bytes: Uint8Array, info: HeaderInfo): Promise<void> {
  const session = CodecSession.acquire();
  try {
    session.setInput(bytes);
    const rows = await beginJpegRows(session, 8, { maxWorkBytes: JPEG_WORK_BYTES });
    const expected = { width: Math.ceil(info.width / 8), height: Math.ceil(info.height / 8) };
    if (rows.width !== expected.width || rows.height !== expected.height) throw mismatch(info, rows.width * 8, rows.height * 8, info);
    await readAllRows(rows);
  } finally {
    session.recycle();
  }
}

/** Reads every row of a non-interlaced PNG through the streamed decoder, and its tail to IEND. */
async function validatePngStream(bytes: Uint8Array): Promise<void> {
  const session = CodecSession.acquire();
  try {
    session.setInput(bytes);
    await readAllRows(await beginPngRows(session));
  } finally {
    session.recycle();
  }
}

/** Decodes an AVIF in the codec session, as a transform does, and converts every row (one strip at a time). */
function validateAvifStream(bytes: Uint8Array, info: HeaderInfo, limits: InputLimits): void {
  const session = CodecSession.acquire();
  try {
    const rows = streamAvifRows(session, bytes, { maxPixels: limits.maxAvifPixels });
    if (rows.width !== info.width || rows.height !== info.height) throw mismatch(info, rows.width, rows.height, info);
    for (let y = 0; y < rows.height; y += 16) rows.row(y);
    rows.row(rows.height - 1);
    rows.finish();
  } finally {
    session.recycle();
  }
}

/**
 * Whether an upload whose header was read can be validated as a stream (JPEG, non-interlaced PNG): the others'
 * decoders need the whole file. `head` holds at least the first 29 bytes.
 */
export function streamsForValidation(info: HeaderInfo, head: Uint8Array): boolean {
  return info.format === 'jpeg' || (info.format === 'png' && !isInterlacedPng(head));
}

/**
 * `validateByDecoding` for a JPEG or non-interlaced PNG upload arriving as a stream of `size` bytes: the decoder
 * reads it from a ByteFeed chunk by chunk (JSPI), so the upload never exists whole. The same decoders, checks and
 * errors as for bytes in memory, except PNG's up-front chunk walk (`checkPngChunks`), which needs the whole file: the
 * streamed decoder checks each chunk's CRC as it reads it. A failure of the stream itself (the body broke off) is
 * thrown as the FeedError it is.
 */
export async function validateStreamByDecoding(stream: ReadableStream<Uint8Array>, size: number, info: HeaderInfo): Promise<void> {
  const feed = new ByteFeed(stream, size, 0);
  const session = CodecSession.acquire();
  try {
    if (!session.streaming) throw new CodecError('unsupported', 'streamed upload validation needs a streaming codec session (JSPI)');
    session.setFeed(feed);
    if (info.format === 'jpeg') {
      const rows = await beginJpegRows(session, 8, { maxWorkBytes: JPEG_WORK_BYTES });
      const expected = { width: Math.ceil(info.width / 8), height: Math.ceil(info.height / 8) };
      if (rows.width !== expected.width || rows.height !== expected.height) throw mismatch(info, rows.width * 8, rows.height * 8, info);
      await readAllRows(rows);
    } else {
      const rows = await beginPngRows(session);
      if (rows.width !== info.width || rows.height !== info.height) throw mismatch(info, rows.width, rows.height, info);
      await readAllRows(rows);
    }
  } catch (error) {
    if (error instanceof FeedError) throw error;
    throw failure(info, error);
  } finally {
    session.recycle();
  }
}

function validateWebp(bytes: Uint8Array, info: HeaderInfo): void {
  if (info.animated) {
    // Frame 0 is what a transform serves; it is decoded (and placed on its canvas) as the transform path does.
    const image = decodeFirstWebpFrame(bytes);
    if (image.width !== info.width || image.height !== info.height) throw mismatch(info, image.width, image.height, info);
    return;
  }
  // libwebp decodes every macroblock (or every lossless pixel) whatever the output size; its scaler drops the rest.
  const session = CodecSession.acquire();
  try {
    decodeWebpScaled(bytes, Math.ceil(info.width / 8), Math.ceil(info.height / 8), {}, session);
  } finally {
    session.recycle();
  }
}

/**
 * Decodes an upload whose header `inspectUpload` has read and checked against `limits`; resolves when it decodes
 * whole, throws `ImageError` 422 (truncated, corrupt, or not the size its header says) or 413 (over a limit) if not.
 */
export async function validateByDecoding(bytes: Uint8Array, info: HeaderInfo, limits: InputLimits): Promise<void> {
  try {
    switch (info.format) {
      case 'jpeg':
        return await validateJpeg(bytes, info);
      case 'webp':
        return validateWebp(bytes, info);
      case 'gif': {
        const image = decodeGifFirstFrame(bytes, { strict: true, maxWorkPixels: limits.maxDecodedPixels });
        if (image.width !== info.width || image.height !== info.height) throw mismatch(info, image.width, image.height, info);
        return;
      }
      case 'png': {
        // Adam7 cannot be streamed: decoded whole, as its transforms decode it, under the same limit.
        if (isInterlacedPng(bytes)) checkInterlacedPng(info, limits.maxDecodedPixels);
        checkPngChunks(bytes);
        if (!isInterlacedPng(bytes)) return await validatePngStream(bytes);
        const image = await decodePng(bytes.slice().buffer);
        if (image.width !== info.width || image.height !== info.height) throw mismatch(info, image.width, image.height, info);
        return;
      }
      case 'avif': {
        checkAvifFrames(bytes, info);
        return validateAvifStream(bytes, info, limits);
      }
    }
  } catch (error) {
    throw failure(info, error);
  }
}
