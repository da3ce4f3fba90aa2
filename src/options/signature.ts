/**
 * Signed image URLs: HMAC-SHA256 over the canonical option string and the master key, with the key
 * chosen by id so that keys can be rotated. Pure WebCrypto: the worker, the client module and `npm run sign` share it.
 *
 * A signed URL carries two more options: `exp=<unix seconds>` (optional, signed like any option) and
 * `sig=<key id>.<43 base64url characters>` (the MAC, never signed itself):
 * `/img/width=800,format=auto,exp=1767225600,sig=k2.Jc0…/photos/cat.jpg`.
 */
import { fullOptionName, splitSegment } from './parse.js';

/** One signing key: its public id (what a URL names) and its secret. */
export interface SigningKey {
  id: string;
  secret: string;
}

export interface SigningKeys {
  /** Every key a signature may name: the current one and those being rotated out. */
  byId: ReadonlyMap<string, string>;
  /** The key new signatures use: the first one listed. */
  current?: SigningKey;
}

/** Key ids: short, so that a URL names them cheaply and a hostile one cannot be long. */
export const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
/** A secret is 32..256 printable ASCII characters without spaces or commas (e.g. `openssl rand -base64 32`). */
const SECRET = /^[\x21-\x2b\x2d-\x7e]{32,256}$/;
/** At most this many keys at once: rotation needs two, a few more cover overlapping rotations. */
export const MAX_SIGNING_KEYS = 8;
/** `sig=<id>.<mac>`: the MAC is the 32-byte HMAC in base64url without padding. */
const SIG = /^([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{43})$/;
/** `exp=` is whole seconds since 1970, at most 12 digits (well past any date a URL lives to). */
const EXP = /^\d{1,12}$/;

/**
 * Reads `SIGNING_KEYS`: `id:secret` pairs separated by commas or whitespace, the current key first
 * (`k2:new-secret…,k1:old-secret…`). A malformed list throws, naming the entry but never printing a secret.
 */
export function readSigningKeys(raw: string | undefined): SigningKeys {
  const byId = new Map<string, string>();
  let current: SigningKey | undefined;
  const entries = (raw ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length > MAX_SIGNING_KEYS) throw new Error(`SIGNING_KEYS holds ${entries.length} keys, over the limit of ${MAX_SIGNING_KEYS}`);
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (colon <= 0 || !KEY_ID.test(id)) throw new Error(`SIGNING_KEYS entry ${index + 1} must be id:secret with an id of 1..16 characters A-Z a-z 0-9 _ -`);
    if (!SECRET.test(secret)) throw new Error(`SIGNING_KEYS key ${id}: the secret must be 32..256 printable characters without spaces or commas`);
    if (byId.has(id)) throw new Error(`SIGNING_KEYS names key ${id} twice`);
    byId.set(id, secret);
    current ??= { id, secret };
  });
  return { byId, current };
}

/** What a request's option segment says about signing, once `sig=` and `exp=` are read. */
export interface SignatureParts {
  /** The `sig=` value as written, if any. */
  sig?: string;
  /** The `exp=` time, seconds since 1970, if any. */
  exp?: number;
}

/** Reads an `exp=` value; a malformed one is a bad option (400), not a bad signature. */
export function readExpiry(value: string): number {
  if (!EXP.test(value)) throw new RangeError(`exp must be whole seconds since 1970 (1..12 digits), got ${JSON.stringify(value.slice(0, 20))}`);
  return Number(value);
}

/**
 * The string a signature covers: a version line, the options in canonical order (full names, sorted, each
 * value as written, `sig=` left out, a bare preset name written `preset=<name>`), and the master key.
 *
 * @example
 * signingString('w=800,f=auto,exp=1767225600', 'photos/cat.jpg')
 * // → 'edge-image-v1\nexp=1767225600,format=auto,width=800\nphotos/cat.jpg'
 */
export function signingString(segment: string, key: string): string {
  const elements: Array<[string, string]> = [];
  splitSegment(segment).forEach((raw, index) => {
    if (raw === '') return;
    const equals = raw.indexOf('=');
    // The first element may be a bare preset name (`/img/thumb/<key>`).
    if (equals === -1) {
      if (index === 0) elements.push(['preset', raw]);
      return;
    }
    const written = raw.slice(0, equals);
    if (written === 'sig') return;
    elements.push([fullOptionName(written) ?? written, raw.slice(equals + 1)]);
  });
  const options = elements
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
  return `edge-image-v1\n${options}\n${key}`;
}

const encoder = new TextEncoder();
const imported = new Map<string, Promise<CryptoKey>>();
/** The configured keys and the decoy, twice over (a config read anew with other secrets): more is forgotten. */
export const MAX_IMPORTED_KEYS = 2 * MAX_SIGNING_KEYS + 2;

/** The HMAC key of a secret, imported once per isolate (importKey costs more than the MAC itself). */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = imported.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    if (imported.size >= MAX_IMPORTED_KEYS) imported.clear();
    imported.set(secret, key);
  }
  return key;
}

/** For tests: how many imported keys the isolate holds. */
export function importedKeyCount(): number {
  return imported.size;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The `sig=` value for a segment (without `sig=`) and key, made with `signer`. */
export async function signSegment(segment: string, key: string, signer: SigningKey): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(signer.secret), encoder.encode(signingString(segment, key)));
  return `${signer.id}.${base64url(new Uint8Array(mac))}`;
}

/** Stands in for an unknown key id, so that an unknown id costs the same time as a wrong MAC. */
let decoy: string | undefined;

/**
 * Whether `sig` is a valid signature of `segment` and `key` by one of `keys`, and `exp` (if signed) is not past.
 * Every failure looks alike (false) and costs about the same: an unknown key id is checked against a decoy key,
 * and the MAC is compared by `crypto.subtle.verify`, which compares in constant time.
 */
export async function verifySignature(keys: SigningKeys, segment: string, key: string, parts: SignatureParts, nowSeconds: number): Promise<boolean> {
  const match = SIG.exec(parts.sig ?? '');
  const id = match?.[1] ?? '';
  const known = keys.byId.get(id);
  decoy ??= base64url(crypto.getRandomValues(new Uint8Array(32)));
  const mac = match ? fromBase64url(match[2]!) : new Uint8Array(32);
  const valid = await crypto.subtle.verify('HMAC', await hmacKey(known ?? decoy), mac, encoder.encode(signingString(segment, key)));
  const fresh = parts.exp === undefined || parts.exp > nowSeconds;
  return valid && match !== null && known !== undefined && fresh;
}
