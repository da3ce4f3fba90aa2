/**
 * Animated masters through the worker: which requests get an animated WebP (and which the first frame), the cache
 * key and ETag with `anim`, and corpus GIFs end to end. Containers are read with our own RIFF reader
 * (test/helpers/webp-anim.ts); pixels of frames are test/pipeline/animate.test.ts's and the browser test's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import disposalGif from '../fixtures/anim-disposal-48x32.gif?bytes';
import movingWebp from '../fixtures/anim-moving-40x30.webp?bytes';
import reference from '../fixtures/anim-sharp.json';
import { corpusAvailable, corpusFile } from '../helpers/corpus.js';
import { magicOf } from '../helpers/images.js';
import { readWebpAnimation } from '../helpers/webp-anim.js';
import { accept, bodyBytes, get, putMaster } from '../helpers/worker.js';

beforeAll(async () => {
  await putMaster('anim/disposal.gif', disposalGif);
  await putMaster('anim/moving.webp', movingWebp);
});

async function fetchVariant(path: string, headers: Record<string, string> = {}) {
  const response = await get(path, headers);
  expect(response.status, await response.clone().text().then((t) => t.slice(0, 200))).toBe(200);
  const bytes = await bodyBytes(response);
  return { response, bytes, magic: magicOf(bytes), container: magicOf(bytes) === 'webp' ? readWebpAnimation(bytes) : undefined };
}

describe.each([
  // The GIF has a transparent index (PNG without WebP); the WebP is opaque (JPEG).
  ['anim/disposal.gif', reference['anim-disposal-48x32.gif'], [100, 50, 120, 200], 'png'],
  ['anim/moving.webp', reference['anim-moving-40x30.webp'], [70, 120, 200], 'jpeg'],
] as const)('%s', (key, ref, durations, stillAuto) => {
  it('format=auto with a browser Accept (AVIF and WebP): an animated WebP, not a still AVIF; Vary: Accept', async () => {
    const { response, magic, container } = await fetchVariant(`/img/width=24,format=auto/${key}`, { Accept: accept.chrome });
    expect(magic).toBe('webp');
    expect(response.headers.get('Content-Type')).toBe('image/webp');
    expect(response.headers.get('Vary')).toContain('Accept');
    expect(container!.animated).toBe(true);
    expect([container!.canvasWidth, container!.canvasHeight]).toEqual([ref.resized.width, ref.resized.height]);
    expect(container!.frames.map((f) => f.duration)).toEqual([...durations]);
    expect(container!.loopCount).toBe(ref.loop);
  });

  it('format=webp: animated; anim=false: the first frame as a still WebP, with another ETag', async () => {
    const animated = await fetchVariant(`/img/width=24,format=webp/${key}`);
    expect(animated.container!.animated).toBe(true);
    expect(animated.container!.frames).toHaveLength(ref.pages);
    const still = await fetchVariant(`/img/width=24,format=webp,anim=false/${key}`);
    expect(still.magic).toBe('webp');
    expect(still.container!.animated).toBe(false);
    expect(still.response.headers.get('ETag')).not.toBe(animated.response.headers.get('ETag'));
    // anim=true is the default: the same variant (ETag) as leaving it out, served from the cache.
    const again = await get(`/img/width=24,format=webp,anim=true/${key}`);
    expect(again.headers.get('ETag')).toBe(animated.response.headers.get('ETag'));
    expect(again.headers.get('X-Cache')).toBe('HIT');
  });

  it.each([
    ['format=jpeg', 'jpeg', {}],
    ['format=png', 'png', {}],
    ['format=avif', 'avif', {}],
    ['format=auto', 'still', { Accept: 'image/png,image/*;q=0.8' }],
  ] as const)('%s (%j): the first frame', async (options, magic, headers) => {
    const { magic: got } = await fetchVariant(`/img/width=24,${options}/${key}`, headers);
    expect(got).toBe(magic === 'still' ? stillAuto : magic);
  });
});

describe('corpus GIFs', () => {
  const gifs: [string, number][] = [
    ['animated-alpha-traffic-light.gif', 4],
    ['animated-aero.gif', 56],
    ['animated-45-frames.gif', 45],
  ];
  it.skipIf(!corpusAvailable).each(gifs)('gif/%s → an animated WebP of its %d frames, 160 px wide', async (file, frames) => {
    await putMaster(`anim/corpus/${file}`, await corpusFile(`gif/${file}`));
    const { container } = await fetchVariant(`/img/width=160,format=webp/anim/corpus/${file}`);
    expect(container!.animated).toBe(true);
    expect(container!.canvasWidth).toBeLessThanOrEqual(160);
    expect(container!.frames).toHaveLength(frames);
    for (const frame of container!.frames) expect(frame.duration).toBeGreaterThanOrEqual(20);
  });
});
