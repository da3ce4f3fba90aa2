/** Signed URLs: the canonical string, key lists, and every way a signature fails. */
import { describe, expect, it } from 'vitest';
import { importedKeyCount, MAX_IMPORTED_KEYS, readSigningKeys, signingString, signSegment, verifySignature } from '../../src/options/signature.js';

const k1 = { id: 'k1', secret: 'old-secret-0123456789abcdef0123456789' };
const k2 = { id: 'k2', secret: 'new-secret-0123456789abcdef0123456789' };
const keys = readSigningKeys(`${k2.id}:${k2.secret}, ${k1.id}:${k1.secret}`);
const now = 1_800_000_000;

describe('signingString', () => {
  it('folds aliases, sorts by name, keeps values as written and leaves sig out', () => {
    expect(signingString('w=800,f=auto,exp=1767225600,sig=k1.xyz', 'photos/cat.jpg')).toBe('edge-image-v1\nexp=1767225600,format=auto,width=800\nphotos/cat.jpg');
    expect(signingString('format=auto,width=800', 'a.jpg')).toBe(signingString('w=800,f=auto', 'a.jpg'));
  });
  it('writes a bare preset name as preset=<name>', () => {
    expect(signingString('thumb,format=webp', 'a.jpg')).toBe(signingString('preset=thumb,format=webp', 'a.jpg'));
  });
  it('differs when the key or any option differs', () => {
    expect(signingString('w=800', 'a.jpg')).not.toBe(signingString('w=800', 'b.jpg'));
    expect(signingString('w=800', 'a.jpg')).not.toBe(signingString('w=801', 'a.jpg'));
    expect(signingString('preset=card', 'a.jpg')).not.toBe(signingString('preset=card,dpr=2', 'a.jpg'));
  });
});

describe('readSigningKeys', () => {
  it('reads id:secret pairs, the first one current', () => {
    expect(keys.current).toEqual(k2);
    expect([...keys.byId.keys()]).toEqual(['k2', 'k1']);
    expect(readSigningKeys(undefined).current).toBeUndefined();
  });
  it.each([
    ['k1', 'no colon'],
    ['k1:short', 'short secret'],
    [':' + k1.secret, 'empty id'],
    ['a.b:' + k1.secret, 'bad id'],
    [`k1:${k1.secret},k1:${k2.secret}`, 'duplicate id'],
    [Array.from({ length: 9 }, (_, i) => `k${i}:${k1.secret}`).join(','), 'too many'],
    ['k'.repeat(17) + ':' + k1.secret, 'long id'],
    ['k1:' + 'x'.repeat(257), 'long secret'],
  ])('refuses %#: %s', (raw, _why) => {
    expect(() => readSigningKeys(raw)).toThrow(/SIGNING_KEYS/);
  });
  it('never prints a secret in its errors', () => {
    expect(() => readSigningKeys('k1:short-secret-here')).toThrow(/^((?!short-secret-here).)*$/);
  });
});

describe('verifySignature', () => {
  const segment = 'width=800,format=auto';
  it('accepts a signature by the current key and by the one being rotated out', async () => {
    for (const signer of [k1, k2]) {
      const sig = await signSegment(segment, 'a.jpg', signer);
      expect(sig.startsWith(`${signer.id}.`)).toBe(true);
      expect(await verifySignature(keys, segment, 'a.jpg', { sig }, now)).toBe(true);
    }
  });
  it('accepts any spelling that signs the same string', async () => {
    const sig = await signSegment('w=800,f=auto', 'a.jpg', k2);
    expect(await verifySignature(keys, 'format=auto,width=800', 'a.jpg', { sig }, now)).toBe(true);
  });
  it('refuses a changed option, key, or MAC', async () => {
    const sig = await signSegment(segment, 'a.jpg', k2);
    expect(await verifySignature(keys, 'width=801,format=auto', 'a.jpg', { sig }, now)).toBe(false);
    expect(await verifySignature(keys, segment, 'b.jpg', { sig }, now)).toBe(false);
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A');
    expect(await verifySignature(keys, segment, 'a.jpg', { sig: flipped }, now)).toBe(false);
  });
  it('refuses an unknown key id, even with a MAC made by a key of that id', async () => {
    const sig = await signSegment(segment, 'a.jpg', { id: 'k3', secret: k1.secret });
    expect(await verifySignature(keys, segment, 'a.jpg', { sig }, now)).toBe(false);
  });
  it('refuses a signature moved to a key id that names another key', async () => {
    const sig = await signSegment(segment, 'a.jpg', k1);
    expect(await verifySignature(keys, segment, 'a.jpg', { sig: sig.replace(/^k1\./, 'k2.') }, now)).toBe(false);
  });
  it.each(['', 'k1', 'k1.', 'k1.short', 'k1.' + 'A'.repeat(44), 'k1:' + 'A'.repeat(43), '.' + 'A'.repeat(43), 'x'.repeat(2000)])(
    'refuses the malformed sig %#',
    async (sig) => {
      expect(await verifySignature(keys, segment, 'a.jpg', { sig }, now)).toBe(false);
    },
  );
  it('refuses a signed exp that has passed, accepts one still ahead', async () => {
    const past = `${segment},exp=${now - 1}`;
    const future = `${segment},exp=${now + 60}`;
    expect(await verifySignature(keys, past, 'a.jpg', { sig: await signSegment(past, 'a.jpg', k2), exp: now - 1 }, now)).toBe(false);
    expect(await verifySignature(keys, future, 'a.jpg', { sig: await signSegment(future, 'a.jpg', k2), exp: now + 60 }, now)).toBe(true);
  });
  it('refuses everything when no key is configured', async () => {
    const sig = await signSegment(segment, 'a.jpg', k1);
    expect(await verifySignature(readSigningKeys(''), segment, 'a.jpg', { sig }, now)).toBe(false);
  });
  it('keeps a bounded number of imported keys in the isolate, and still verifies after forgetting some', async () => {
    for (let i = 0; i < 3 * MAX_IMPORTED_KEYS; i++) {
      const signer = { id: `r${i}`, secret: `rotating-secret-number-${i}-of-many` };
      const sig = await signSegment(segment, 'a.jpg', signer);
      expect(await verifySignature(readSigningKeys(`r${i}:${signer.secret}`), segment, 'a.jpg', { sig }, now)).toBe(true);
      expect(importedKeyCount()).toBeLessThanOrEqual(MAX_IMPORTED_KEYS);
    }
  });
});
