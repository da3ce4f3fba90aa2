/**
 * The codecs, one adapter per format: JPEG, WebP (still, an animation's first frame, and animations in
 * webp-animation.ts), AVIF and streamed PNG run in our native codec session (session.ts, module built from
 * native/src); interlaced PNG, PNG encoding and AVIFs too large for the session are jSquash's; GIF is our own decoder
 * (gif-decode.ts; an animation's frames gif-frames.ts). The pipeline's steps import the adapter they need; this index
 * is for tests and benchmarks.
 */
export { encodeAvifScaled } from './avif.js';
export { type AvifStreamInfo, streamAvifRows } from './avif-stream.js';
export { type DecodedPixels, type DecodeOptions, type DecodeStats } from './decoded.js';
export { decodeFailure, encodeFailure } from './failures.js';
export { decodeGifFirstFrame } from './gif.js';
export { decodeJpegScaled, encodeJpegScaled, type JpegRows, type JpegScale, jpegScaleFor, streamJpegScaled } from './jpeg.js';
export { decodePng, encodePng } from './png.js';
export { streamPngRows } from './png-stream.js';
export { CodecError, type CodecErrorCode, CodecSession, POOL_LIMIT_BYTES, SessionPixels, trapForTesting } from './session.js';
export { decodeFirstWebpFrame } from './webp-anim.js';
export { decodeWebpScaled, encodeWebpScaled } from './webp.js';
