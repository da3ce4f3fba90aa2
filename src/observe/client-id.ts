/**
 * What request events keep about a client: a pseudonym, never its address. The pseudonym is HMAC-SHA-256 over the
 * UTC day and the client's quota bucket (an IPv4 address or an IPv6 /64), cut to 16 hex characters, keyed by the
 * `EVENTS_SALT` secret. Within a day one client has one pseudonym (a flood can be told apart from many clients); from
 * one day to the next they cannot be linked, and without the salt nobody can test an address against them. With no
 * salt configured, each isolate draws a random one that never leaves its memory: pseudonyms then hold for one
 * isolate's life only, and not even the operator can map them back.
 */

const encoder = new TextEncoder();
let isolateSalt: Uint8Array | undefined;
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(salt: string | null): Promise<CryptoKey> {
  const name = salt ?? '';
  let key = keys.get(name);
  if (!key) {
    isolateSalt ??= crypto.getRandomValues(new Uint8Array(32));
    const material = salt === null ? isolateSalt : encoder.encode(salt);
    key = crypto.subtle.importKey('raw', material, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    if (keys.size > 4) keys.clear();
    keys.set(name, key);
  }
  return key;
}

/** The pseudonym of the client charged as `bucket` (see `clientKey`) on the UTC day of `now`. */
export async function clientPseudonym(bucket: string, salt: string | null, now: number): Promise<string> {
  const day = new Date(now).toISOString().slice(0, 10);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await keyFor(salt), encoder.encode(`${day} ${bucket}`)));
  return Array.from(mac.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}
