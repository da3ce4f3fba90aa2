/** Master keys: what a URL may name, checked once at the edge so storage never sees a hostile key. */
import { ImageError } from '../http/problem.js';

export const MAX_KEY_BYTES = 512;

/** Decodes a raw (still percent-encoded) key once and validates it; throws 400 with the reason. */
export function decodeKey(raw: string): string {
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw new ImageError(400, 'invalid-key', 'the key is not valid percent-encoded UTF-8');
  }
  return validateKey(key);
}

export function validateKey(key: string): string {
  const bytes = new TextEncoder().encode(key).length;
  if (bytes === 0) throw new ImageError(400, 'invalid-key', 'the key is empty');
  if (bytes > MAX_KEY_BYTES) throw new ImageError(400, 'invalid-key', `the key is ${bytes} bytes, over ${MAX_KEY_BYTES}`);
  if (key.startsWith('/')) throw new ImageError(400, 'invalid-key', 'the key must not start with /');
  if (key.includes('\\')) throw new ImageError(400, 'invalid-key', 'the key must not contain a backslash');
  // C0, DEL and C1 controls; also lone surrogates, which TextEncoder would silently replace.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(key)) throw new ImageError(400, 'invalid-key', 'the key must not contain control characters');
  if (/[\ud800-\udfff]/u.test(key.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    throw new ImageError(400, 'invalid-key', 'the key is not valid UTF-8');
  }
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ImageError(400, 'invalid-key', 'the key must not have empty, "." or ".." segments');
    }
  }
  return key;
}
