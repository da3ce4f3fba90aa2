/** Presets, allowlists and signed URLs through the worker's fetch: every rejection, rotation, snapping, overrides. */
import { beforeAll, describe, expect, it } from 'vitest';
import storm from '../../samples/photos/storm.jpg?bytes';
import { imageUrl, signedImageUrl } from '../../src/client/index.js';
import { getWith, k1, k2, SIGNING_KEYS } from '../helpers/governance.js';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes, ORIGIN, putMaster } from '../helpers/worker.js';
import { expectProblem } from './masters-client.js';

// storm.jpg is 1920 × 1280.
const KEY = 'gov/storm.jpg';
const BASE = `${ORIGIN}/img`;
const required = { SIGNED_URLS: 'required', SIGNING_KEYS };

beforeAll(async () => {
  await putMaster(KEY, storm);
});

async function decoded(response: Response) {
  const bytes = await bodyBytes(response);
  return { magic: magicOf(bytes), ...(await decodeAny(bytes)) };
}

describe('presets', () => {
  it('serves /img/<preset>/<key> with the preset’s options', async () => {
    const response = await getWith({}, `/img/thumb/${KEY}`, { Accept: 'image/webp' });
    expect(response.status).toBe(200);
    const image = await decoded(response);
    expect([image.magic, image.width, image.height]).toEqual(['webp', 160, 160]);
  });
  it('takes preset= as an option, with the overrides it allows', async () => {
    const response = await getWith({}, `/cdn-cgi/image/preset=card,format=png,dpr=2/${KEY}`);
    expect(response.status).toBe(200);
    const image = await decoded(response);
    expect([image.magic, image.width, image.height]).toEqual(['png', 800, 600]);
  });
  it('names the same variant as the options it stands for (one cache entry)', async () => {
    const viaPreset = await getWith({}, `/img/card,format=webp/${KEY}`);
    const spelled = await getWith({}, `/img/width=400,height=300,fit=cover,quality=75,format=webp/${KEY}`);
    expect(viaPreset.headers.get('ETag')).toBe(spelled.headers.get('ETag'));
  });
  it('refuses an option the preset fixes, and an unknown preset, with 400', async () => {
    await expectProblem(await getWith({}, `/img/card,width=900/${KEY}`), 400, 'invalid-option', /width is fixed by preset "card"/);
    await expectProblem(await getWith({}, `/img/nope/${KEY}`), 400, 'invalid-option', /unknown preset "nope"/);
    await expectProblem(await getWith({}, `/img/preset=card,preset=thumb/${KEY}`), 400, 'invalid-option', /preset is given twice/);
  });
});

describe('allowlists', () => {
  const snap = { ALLOWED_WIDTHS: '320,640,960', ALLOWED_QUALITIES: '60,80' };
  it('are off by default: any width is served', async () => {
    const response = await getWith({}, `/img/width=701,format=png/${KEY}`);
    expect(response.status).toBe(200);
    expect((await decoded(response)).width).toBe(701);
  });
  it('snap: serves the allowed width at or above the one asked, sharing its cache entry', async () => {
    const allowed = await getWith(snap, `/img/width=960,format=png/${KEY}`);
    const snapped = await getWith(snap, `/img/width=700,format=png/${KEY}`);
    expect(snapped.status).toBe(200);
    expect(snapped.headers.get('X-Snapped')).toBe('width=700->960');
    expect(snapped.headers.get('ETag')).toBe(allowed.headers.get('ETag'));
    expect((await decoded(snapped)).width).toBe(960);
    await allowed.arrayBuffer();
  });
  it('snap: counts dpr (device pixels) and snaps quality to the nearest', async () => {
    const response = await getWith(snap, `/img/width=300,dpr=2,quality=75,format=png/${KEY}`);
    expect(response.headers.get('X-Snapped')).toBe('width=600->640, quality=75->80');
    expect((await decoded(response)).width).toBe(640);
  });
  it('refuse: 400 naming the allowed widths', async () => {
    await expectProblem(await getWith({ ...snap, ALLOWLIST_MODE: 'refuse' }, `/img/width=700/${KEY}`), 400, 'not-allowed', /width=700 is not allowed here; allowed: 320, 640, 960/);
    const listed = await getWith({ ...snap, ALLOWLIST_MODE: 'refuse' }, `/img/width=640,format=png/${KEY}`);
    expect(listed.status).toBe(200);
    await listed.arrayBuffer();
  });
  it('do not apply to a signed URL (the operator vouched for it)', async () => {
    const url = await signedImageUrl(BASE, KEY, { width: 700, format: 'png' }, k2);
    const response = await getWith({ ...snap, ALLOWLIST_MODE: 'refuse', SIGNED_URLS: 'optional', SIGNING_KEYS }, url);
    expect(response.status).toBe(200);
    expect((await decoded(response)).width).toBe(700);
  });
});

describe('signed URLs', () => {
  it('required: refuses an unsigned URL with 403 problem+json', async () => {
    await expectProblem(await getWith(required, `/img/width=320/${KEY}`), 403, 'invalid-signature');
  });
  it('rotation: accepts the old key and the new one', async () => {
    for (const signer of [k1, k2]) {
      const response = await getWith(required, await signedImageUrl(BASE, KEY, { width: 320, format: 'webp' }, signer));
      expect(response.status).toBe(200);
      const image = await decoded(response);
      expect([image.magic, image.width]).toEqual(['webp', 320]);
    }
  });
  it('a signature does not fragment the cache: both keys’ URLs and the unsigned one share one entry', async () => {
    const unsigned = await getWith({}, imageUrl(BASE, KEY, { width: 330, format: 'jpeg' }));
    await unsigned.arrayBuffer();
    const a = await getWith(required, await signedImageUrl(BASE, KEY, { width: 330, format: 'jpeg' }, k1));
    const b = await getWith(required, await signedImageUrl(BASE, KEY, { format: 'jpeg', width: 330 }, k2));
    expect([a.headers.get('X-Cache'), b.headers.get('X-Cache')]).toEqual(['HIT', 'HIT']);
    expect(a.headers.get('ETag')).toBe(unsigned.headers.get('ETag'));
    expect(b.headers.get('ETag')).toBe(unsigned.headers.get('ETag'));
    await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
  });

  describe('every failure is the same 403, whatever failed (no oracle)', () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, () => Promise<string>]> = [
      ['a wrong MAC', async () => (await signedImageUrl(BASE, KEY, { width: 320 }, k2)).replace(/sig=k2\.(.)/, (_, c) => `sig=k2.${c === 'A' ? 'B' : 'A'}`)],
      ['an option changed after signing', async () => (await signedImageUrl(BASE, KEY, { width: 320 }, k2)).replace('width=320', 'width=321')],
      ['another key (path) than signed', async () => (await signedImageUrl(BASE, KEY, { width: 320 }, k2)).replace(KEY, 'gov/other.jpg')],
      ['an unknown key id', async () => signedImageUrl(BASE, KEY, { width: 320 }, { id: 'k9', secret: k2.secret })],
      ['an expired exp', async () => signedImageUrl(BASE, KEY, { width: 320 }, k2, { expires: now - 10 })],
      ['an exp changed after signing', async () => (await signedImageUrl(BASE, KEY, { width: 320 }, k2, { expires: now - 10 })).replace(`exp=${now - 10}`, `exp=${now + 3600}`)],
      ['a malformed sig', async () => `${BASE}/width=320,sig=k2.short/${KEY}`],
      ['no sig at all', async () => `${BASE}/width=320/${KEY}`],
    ];
    it.each(cases)('%s', async (_name, url) => {
      const body = await expectProblem(await getWith(required, await url()), 403, 'invalid-signature');
      expect(body.detail).toBe('this URL needs a valid signature that has not expired');
    });
    it('and so is a bad signature in optional mode, while no signature passes', async () => {
      const bad = (await signedImageUrl(BASE, KEY, { width: 320 }, k2)).replace('width=320', 'width=322');
      await expectProblem(await getWith({ SIGNED_URLS: 'optional', SIGNING_KEYS }, bad), 403, 'invalid-signature');
      const unsigned = await getWith({ SIGNED_URLS: 'optional', SIGNING_KEYS }, `/img/width=320/${KEY}`);
      expect(unsigned.status).toBe(200);
      await unsigned.arrayBuffer();
    });
  });

  it('exp: serves until then, and no cache may keep it longer', async () => {
    const expires = Math.floor(Date.now() / 1000) + 120;
    const response = await getWith(required, await signedImageUrl(BASE, KEY, { width: 320, format: 'webp' }, k2, { expires }));
    expect(response.status).toBe(200);
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('Cache-Control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(100);
    expect(maxAge).toBeLessThanOrEqual(120);
    await response.arrayBuffer();
  });
  it('accepts what `npm run sign` printed (SIGNING_KEYS=k1:…, the key being rotated out)', async () => {
    // SIGNING_KEYS="k1:old-signing-secret-0123456789abcdefgh" npm run sign -- http://images.test/img/w=320,f=webp/gov/storm.jpg
    const url = 'http://images.test/img/w=320,f=webp,sig=k1.RFuJeSEqJHw2Qgyatd-T3eOSHcD6OwNND8L1PVvRNMU/gov/storm.jpg';
    const response = await getWith(required, url);
    expect(response.status).toBe(200);
    expect((await decoded(response)).width).toBe(320);
  });
  it('exp without sig is a bad option (400)', async () => {
    await expectProblem(await getWith({ SIGNED_URLS: 'optional', SIGNING_KEYS }, `/img/width=320,exp=99999999999/${KEY}`), 400, 'invalid-option', /exp needs a signature/);
  });
  it('presets stay usable unsigned, with their allowed overrides, unless ALLOW_UNSIGNED_PRESETS=false', async () => {
    const preset = await getWith(required, `/img/thumb,format=webp/${KEY}`);
    expect(preset.status).toBe(200);
    await preset.arrayBuffer();
    await expectProblem(await getWith({ ...required, ALLOW_UNSIGNED_PRESETS: 'false' }, `/img/thumb/${KEY}`), 403, 'invalid-signature');
    const signedPreset = await getWith({ ...required, ALLOW_UNSIGNED_PRESETS: 'false' }, await signedImageUrl(BASE, KEY, { preset: 'thumb', format: 'webp' }, k1));
    expect(signedPreset.status).toBe(200);
    await signedPreset.arrayBuffer();
  });
  it('unsigned preset overrides must be bounded: enumerations and named values, sizes and qualities only with a list', async () => {
    const bounded = { ...required, ALLOWED_WIDTHS: '320,700', ALLOWED_HEIGHTS: '320', ALLOWED_QUALITIES: '50,80' };
    const refused = [
      [required, `/img/hero,width=700/${KEY}`],
      [required, `/img/hero,quality=55/${KEY}`],
      [required, `/img/thumb,dpr=2/${KEY}`],
      [bounded, `/img/card,gravity=0.2x0.8/${KEY}`],
      [{ ...bounded, ALLOWED_HEIGHTS: '' }, `/img/thumb,dpr=2/${KEY}`],
    ] as const;
    for (const [vars, path] of refused) await expectProblem(await getWith(vars, path), 403, 'invalid-signature');
    const served = [
      [required, `/img/card,gravity=left,format=png/${KEY}`, 400],
      [required, `/img/hero,quality=low,format=png/${KEY}`, 1600],
      [bounded, `/img/hero,width=650,quality=55,format=png/${KEY}`, 700],
      [bounded, `/img/thumb,dpr=2,format=png/${KEY}`, 320],
    ] as const;
    for (const [vars, path, width] of served) {
      const response = await getWith(vars, path);
      expect(response.status, path).toBe(200);
      expect((await decoded(response)).width, path).toBe(width);
    }
  });
  it('a hit is checked like a miss, and so is a conditional request', async () => {
    const url = await signedImageUrl(BASE, KEY, { width: 320, format: 'webp' }, k2);
    const first = await getWith(required, url);
    const etag = first.headers.get('ETag')!;
    await first.arrayBuffer();
    await expectProblem(await getWith(required, `/img/width=320,format=webp/${KEY}`, { 'If-None-Match': etag }), 403, 'invalid-signature');
    expect((await getWith(required, url, { 'If-None-Match': etag })).status).toBe(304);
  });
  it('off (the default): sig= and exp= are accepted and not checked', async () => {
    const response = await getWith({}, `/img/width=320,exp=1,sig=k2.${'A'.repeat(43)}/${KEY}`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });
  it('required with no key configured refuses every signature', async () => {
    const url = await signedImageUrl(BASE, KEY, { width: 320 }, k2);
    await expectProblem(await getWith({ SIGNED_URLS: 'required', SIGNING_KEYS: '' }, url), 403, 'invalid-signature');
  });
});
