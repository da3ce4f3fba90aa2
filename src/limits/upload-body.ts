/** An upload's body, read into memory but never past `MAX_UPLOAD_BYTES`, whatever `Content-Length` says or omits. */
import { ImageError } from '../http/problem.js';

/** First allocation when the length is unknown; doubled as bytes arrive, never past the limit. */
const INITIAL_CAPACITY = 64 * 1024;

function tooLarge(maxBytes: number, what: string, limitName: string): ImageError {
  return new ImageError(413, 'upload-too-large', `${what}; uploads are limited to ${maxBytes} bytes (${limitName})`);
}

/**
 * The whole body as bytes. A declared `Content-Length` over `maxBytes` is refused before anything is read; the
 * bytes are counted as they stream in as well (an absent or lying length gets no further), and the stream is
 * cancelled at the first byte past the limit. A body that breaks off mid-stream is a 400, not a 500.
 *
 * @example const bytes = await readBoundedBody(c.req.raw, config.maxUploadBytes)
 */
export async function readBoundedBody(request: Request, maxBytes: number, limitName = 'MAX_UPLOAD_BYTES'): Promise<Uint8Array> {
  const declared = request.headers.get('Content-Length');
  let expected: number | undefined;
  if (declared !== null) {
    if (!/^\s*\d+\s*$/.test(declared)) throw new ImageError(400, 'bad-content-length', `Content-Length: ${declared.slice(0, 40)} is not a number`);
    expected = Number(declared);
    if (expected > maxBytes) throw tooLarge(maxBytes, `the body is declared as ${expected} bytes`, limitName);
  }
  if (!request.body) return new Uint8Array(0);

  const reader = request.body.getReader();
  let buffer = new Uint8Array(Math.min(maxBytes, expected ?? INITIAL_CAPACITY));
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw new ImageError(400, 'upload-aborted', `the body broke off after ${size} bytes; nothing was stored`);
    }
    if (chunk.done) break;
    const value = chunk.value;
    if (size + value.byteLength > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes, `the body is longer than ${maxBytes} bytes`, limitName);
    }
    if (size + value.byteLength > buffer.byteLength) {
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(size + value.byteLength, buffer.byteLength * 2)));
      grown.set(buffer.subarray(0, size));
      buffer = grown;
    }
    buffer.set(value, size);
    size += value.byteLength;
  }
  return buffer.subarray(0, size);
}
