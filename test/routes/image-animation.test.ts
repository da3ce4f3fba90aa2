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
import { GifFrames, gifAnimationInfo } from '../../src/pipeline/codec/gif-frames.js';

function base64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Mean absolute difference per channel (RGB weighted by alpha, and alpha) between two RGBA buffers. */
function meanDifference(a: Uint8Array | Uint8ClampedArray, b: Uint8Array, skip?: (pixel: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < a.length / 4; p++) {
    if (skip?.(p)) continue;
    for (let c = 0; c < 4; c++) {
      const va = c === 3 ? a[p * 4 + 3]! : (a[p * 4 + c]! * a[p * 4 + 3]!) / 255;
      const vb = c === 3 ? b[p * 4 + 3]! : (b[p * 4 + c]! * b[p * 4 + 3]!) / 255;
      sum += Math.abs(va - vb);
      n++;
    }
  }
  return sum / n;
}

// The disposal GIF's frame 1 square (8..24 × 8..24 of 48×32) is cleared to transparent after it, as browsers do;
// sharp paints the background colour there (see test/pipeline/animate.test.ts).
const disposedSquare = (p: number, width: number, scale: number) => {
  const x = (p % width) / scale;
  const y = Math.floor(p / width) / scale;
  return x >= 7 && x < 25 && y >= 7 && y < 25;
};

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
    ['format=auto,anim=false', 'still', { Accept: 'image/png,image/*;q=0.8' }],
  ] as const)('%s (%j): the first frame', async (options, magic, headers) => {
    const { magic: got } = await fetchVariant(`/img/width=24,${options}/${key}`, headers);
    expect(got).toBe(magic === 'still' ? stillAuto : magic);
  });

  it('format=auto without WebP in Accept: an animated GIF (frames, delays, loop count, size, pixels); Vary; its own ETag; then a cache hit', async () => {
    const path = `/img/width=24,format=auto/${key}`;
    const { response, bytes, magic } = await fetchVariant(path, { Accept: 'image/png,image/*;q=0.8' });
    expect(magic).toBe('gif');
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('GIF89a');
    expect(response.headers.get('Content-Type')).toBe('image/gif');
    expect(response.headers.get('Vary')).toContain('Accept');
    // Our own GIF reader: the block walk (frames, NETSCAPE2.0 repeats) and the compositing decoder (canvases, delays).
    const info = gifAnimationInfo(bytes, 1000);
    expect([info.width, info.height]).toEqual([ref.resized.width, ref.resized.height]);
    expect(info.frames).toBe(ref.pages);
    // WebP's n plays are n − 1 repeats in NETSCAPE2.0 (0 forever, one play no extension).
    expect(info.loopCount).toBe(ref.loop === 0 ? 0 : ref.loop === 1 ? undefined : ref.loop - 1);
    // The decoder yields one canvas, redrawn at each step: copied as it goes.
    const decoded = Array.from(new GifFrames(bytes, { maxFrames: 1000, maxTotalWorkPixels: 1e8 }).frames(), (f) => ({ delayMs: f.delayMs, data: f.canvas.slice() }));
    expect(decoded.map((f) => f.delayMs)).toEqual([...durations]);
    // Every frame against sharp's resized frame, mean difference per channel < 6 of 255 (measured ≤ 3.5): 256 colours
    // a frame without dithering, and resampling differences.
    decoded.forEach((frame, i) => {
      const expected = base64(ref.resized.frames[i]!);
      const skip = key.endsWith('.gif') && i >= 2 ? (p: number) => disposedSquare(p, 24, 0.5) : undefined;
      expect(meanDifference(frame.data, expected, skip), `frame ${i}`).toBeLessThan(6);
    });
    if (key.endsWith('.gif')) {
      // Where frame 1's square was disposed (2): transparent in frames 2 and 3 of the GIF too.
      const alphaAt = (f: number, x: number, y: number) => decoded[f]!.data[(y * 24 + x) * 4 + 3];
      expect([alphaAt(1, 8, 8), alphaAt(2, 8, 8), alphaAt(3, 8, 8)]).toEqual([255, 0, 0]);
    }
    // Not the WebP variant's tag, nor the first frame's.
    const webp = await get(path, { Accept: accept.chrome });
    const still = await get(`/img/width=24,format=auto,anim=false/${key}`, { Accept: 'image/png,image/*;q=0.8' });
    const tags = new Set([response.headers.get('ETag'), webp.headers.get('ETag'), still.headers.get('ETag')]);
    expect(tags.size).toBe(3);
    const again = await get(path, { Accept: accept.curl });
    expect(again.headers.get('Content-Type')).toBe('image/gif');
    expect(again.headers.get('X-Cache')).toBe('HIT');
    expect(again.headers.get('ETag')).toBe(response.headers.get('ETag'));
    expect(await bodyBytes(again)).toEqual(bytes);
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

describe('bad and extreme animations: clear answers, never a 500', () => {
  /** A GIF of `frames` 1×1 frames alternating red and blue, 20 ms each, looping forever. */
  function manyFrames(frames: number): Uint8Array {
    const bytes = [...'GIF89a'].map((c) => c.charCodeAt(0));
    bytes.push(1, 0, 1, 0, 0x81, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0);
    bytes.push(0x21, 0xff, 11, ...[...'NETSCAPE2.0'].map((c) => c.charCodeAt(0)), 3, 1, 0, 0, 0);
    for (let i = 0; i < frames; i++) {
      // GCE (20 ms), descriptor 1×1, LZW min size 2: clear (4), index, end (5) in 3-bit codes.
      const index = i % 2;
      const code = 4 | (index << 3) | (5 << 6);
      bytes.push(0x21, 0xf9, 4, 0, 2, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, code & 0xff, code >> 8, 0);
    }
    bytes.push(0x3b);
    return new Uint8Array(bytes);
  }

  it('1000 frames stay animated; 1001 frames are served as the first frame', async () => {
    await putMaster('anim/bad/1000.gif', manyFrames(1000));
    await putMaster('anim/bad/1001.gif', manyFrames(1001));
    const kept = await fetchVariant('/img/format=webp/anim/bad/1000.gif');
    expect(kept.container!.animated).toBe(true);
    expect(kept.container!.frames).toHaveLength(1000);
    const still = await fetchVariant('/img/format=webp/anim/bad/1001.gif');
    expect(still.magic).toBe('webp');
    expect(still.container!.animated).toBe(false);
  });

  it('without WebP, over the frame cap: the first frame as a one-frame GIF (the variant is GIF before the frames are counted)', async () => {
    await putMaster('anim/bad/1000.gif', manyFrames(1000));
    await putMaster('anim/bad/1001.gif', manyFrames(1001));
    const kept = await fetchVariant('/img/format=auto/anim/bad/1000.gif', { Accept: accept.curl });
    expect(kept.response.headers.get('Content-Type')).toBe('image/gif');
    expect(gifAnimationInfo(kept.bytes, 1001)).toMatchObject({ frames: 1000, loopCount: 0 });
    const still = await fetchVariant('/img/format=auto/anim/bad/1001.gif', { Accept: accept.curl });
    expect(still.response.headers.get('Content-Type')).toBe('image/gif');
    expect(gifAnimationInfo(still.bytes, 1001)).toMatchObject({ frames: 1, loopCount: undefined });
  });

  it('format=gif is not an option (Cloudflare documents none): 400', async () => {
    const response = await get('/img/format=gif/anim/disposal.gif');
    expect(response.status).toBe(400);
  });

  it('a GIF cut inside its third frame: the frames before the cut, animated', async () => {
    // Frames start after the header (13 + 12 palette bytes) and the NETSCAPE block (19 bytes); cut the last 40 bytes.
    await putMaster('anim/bad/cut.gif', disposalGif.slice(0, disposalGif.length - 40));
    const { container } = await fetchVariant('/img/format=webp/anim/bad/cut.gif');
    expect(container!.animated).toBe(true);
    expect(container!.frames.length).toBeGreaterThanOrEqual(2);
    expect(container!.frames.length).toBeLessThanOrEqual(4);
  });

  it('garbage after the second frame ends the animation there (as browsers play it)', async () => {
    const two = manyFrames(2);
    const garbage = new Uint8Array([...two.subarray(0, two.length - 1), 0x99, 1, 2, 3]);
    await putMaster('anim/bad/garbage.gif', garbage);
    const { container } = await fetchVariant('/img/format=webp/anim/bad/garbage.gif');
    expect(container!.frames).toHaveLength(2);
  });

  it('an animated WebP whose frame data is corrupt: 422 problem+json', async () => {
    const corrupt = movingWebp.slice();
    // Inside the first ANMF's bitstream (the chunks: RIFF header 12, VP8X 18, ANIM 14, then ANMF header 8 + 16).
    for (let i = 90; i < 200; i++) corrupt[i] = 0x5a;
    await putMaster('anim/bad/corrupt.webp', corrupt);
    const response = await get('/img/format=webp/anim/bad/corrupt.webp');
    expect(response.status).toBe(422);
    expect(response.headers.get('Content-Type')).toContain('application/problem+json');
    // The session that failed is not reused: the next animation still works.
    const next = await fetchVariant('/img/width=20,format=webp/anim/moving.webp');
    expect(next.container!.animated).toBe(true);
  });
});
