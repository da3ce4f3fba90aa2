/** width=auto through the worker: the hinted bucket, Vary and Accept-CH, and one cache entry per bucket. */
import { beforeAll, describe, expect, it } from 'vitest';
import jpeg from '../../samples/photos/storm.jpg?bytes';
import { decodeAny } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

beforeAll(async () => {
  await putMaster('auto/storm.jpg', jpeg); // 1920×1280
});

async function fetchAuto(options: string, hints: Record<string, string> = {}) {
  const response = await get(`/cdn-cgi/image/${options}/auto/storm.jpg`, hints);
  if (response.status !== 200) expect.fail(`${response.status}: ${await response.text()}`);
  const image = await decodeAny(await bodyBytes(response));
  return { response, width: image.width };
}

describe('width=auto', () => {
  it.each<[Record<string, string>, number]>([
    [{ 'Sec-CH-Viewport-Width': '390', 'Sec-CH-DPR': '2' }, 960],
    [{ 'Sec-CH-Width': '300' }, 320],
    [{ 'Sec-CH-Viewport-Width': '700' }, 768],
    [{}, 1200],
  ])('hints %j serve %i px', async (hints, width) => {
    expect((await fetchAuto('width=auto,format=jpeg', hints)).width).toBe(width);
  });

  it('says which hints it used in Vary and asks for them with Accept-CH', async () => {
    const { response } = await fetchAuto('width=auto,format=auto', { 'Sec-CH-Width': '300', Accept: 'image/webp' });
    const vary = response.headers.get('Vary')!;
    for (const name of ['Accept', 'Sec-CH-Width', 'Sec-CH-Viewport-Width', 'Sec-CH-DPR']) expect(vary).toContain(name);
    expect(response.headers.get('Accept-CH')).toContain('Sec-CH-Viewport-Width');
  });

  it('one variant per bucket: hints in the same bucket share an ETag, other buckets do not', async () => {
    const etag = async (hints: Record<string, string>) => (await fetchAuto('width=auto,format=jpeg', hints)).response.headers.get('ETag');
    const a = await etag({ 'Sec-CH-Width': '700' });
    expect(await etag({ 'Sec-CH-Width': '760' })).toBe(a);
    expect(await etag({ 'Sec-CH-Viewport-Width': '380', 'Sec-CH-DPR': '2' })).toBe(a);
    expect(await etag({ 'Sec-CH-Width': '800' })).not.toBe(a);
  });

  it('is the variant of its bucket width, still answered with the hint headers when that entry was cached first', async () => {
    const plain = await fetchAuto('width=1200,format=jpeg');
    expect(plain.response.headers.get('Accept-CH')).toBeNull();
    const auto = await fetchAuto('width=auto,format=jpeg');
    expect(auto.response.headers.get('ETag')).toBe(plain.response.headers.get('ETag'));
    expect(auto.response.headers.get('Vary')).toContain('Sec-CH-Width');
    expect(auto.response.headers.get('Accept-CH')).not.toBeNull();
  });
});
