/** What a codec's error means for the request: 413 for a limit of the session's memory, 422 for a file it cannot read or write. */
import { ImageError } from '../../http/problem.js';
import { FeedError } from './byte-feed.js';
import { CodecError } from './session.js';

const overBudget = (error: unknown) => error instanceof CodecError && (error.code === 'too-large' || error.code === 'out-of-memory');
const messageOf = (error: unknown) => String((error as Error)?.message ?? error);

/** A decoder's error: 413 when the master needs more memory than a transform may use, else 422. */
export function decodeFailure(format: string, error: unknown): ImageError {
  if (error instanceof ImageError) return error;
  if (error instanceof FeedError) {
    console.error('reading a master from storage failed', error);
    return new ImageError(503, 'storage-unavailable', `reading the ${format} master from storage failed; try again`, { 'Retry-After': '1' });
  }
  if (overBudget(error)) {
    return new ImageError(413, 'input-too-large', `the ${format} master needs more memory to decode than a transform may use: ${(error as Error).message}`);
  }
  return new ImageError(422, 'undecodable', `the ${format} master could not be decoded: ${messageOf(error)}`);
}

/** An encoder's error: 413 when the output needs more memory than the session may grow to, else 422. */
export function encodeFailure(format: string, error: unknown): ImageError {
  const detail = messageOf(error);
  if (overBudget(error)) {
    // The session's memory is capped below the isolate's: e.g. a large transparent WebP whose alpha is noise.
    return new ImageError(413, 'output-too-large', `the ${format} output needs more memory to encode than a transform may use; ask for a smaller size or another format (${detail})`);
  }
  return new ImageError(422, 'unencodable', `the ${format} encoder failed: ${detail}`);
}
