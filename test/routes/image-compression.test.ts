/** compression=fast through the worker: the format it picks, baseline JPEG, and each format still decodes. */
import { beforeAll, describe, expect, it } from 'vitest';
import png from '../../samples/alpha/rose.png?bytes';
import jpeg from '../../samples/photos/storm.jpg?bytes';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

const browser = 'image/avif,image/webp,image/apng,*/*;q=0.8';

beforeAll(async () => {
  await putMaster('fast/storm.jpg', jpeg);
  await putMaster('fast/rose.png', png);
});

/** The JPEG frame type: 0xc2 progressive, 0xc0/0xc1 baseline, found by walking the markers. */
function frameMarker(bytes: Uint8Array): number {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    const marker = bytes[offset + 1]!;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) return marker;
    offset += 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
  }
  return -1;
}

async function fetchImage(options: string, key: string, accept = browser) {
  const response = await get(`/cdn-cgi/image/${options}/fast/${key}`, { Accept: accept });
  if (response.status !== 200) expect.fail(`${response.status}: ${await response.text()}`);
  const bytes = await bodyBytes(response);
  return { response, bytes, magic: magicOf(bytes), decoded: await decodeAny(bytes) };
}

describe('compression=fast', () => {
  it('serves an opaque image as baseline JPEG even to a browser that takes AVIF and WebP', async () => {
    const { response, bytes, magic, decoded } = await fetchImage('width=48,compression=fast', 'storm.jpg');
    expect(response.headers.get('Content-Type')).toBe('image/jpeg');
    expect(magic).toBe('jpeg');
    expect(frameMarker(bytes)).toBe(0xc0);
    expect(decoded.width).toBe(48);
  });

  it('serves transparency as WebP when Accept lists it, else PNG', async () => {
    expect((await fetchImage('width=48,compression=fast', 'rose.png')).magic).toBe('webp');
    expect((await fetchImage('width=48,compression=fast', 'rose.png', 'image/*')).magic).toBe('png');
  });

  it('keeps an explicit format, at its fastest settings: format=jpeg becomes baseline', async () => {
    const fast = await fetchImage('width=48,format=jpeg,compression=fast', 'storm.jpg');
    const normal = await fetchImage('width=48,format=jpeg', 'storm.jpg');
    expect(frameMarker(fast.bytes)).toBe(0xc0);
    expect(frameMarker(normal.bytes)).toBe(0xc2);
  });

  it.each(['webp', 'avif'])('format=%s,compression=fast decodes, differs from the default encoding and has its own ETag', async (format) => {
    const fast = await fetchImage(`width=48,format=${format},compression=fast`, 'storm.jpg');
    const normal = await fetchImage(`width=48,format=${format}`, 'storm.jpg');
    expect(fast.magic).toBe(format);
    expect(fast.decoded.width).toBe(48);
    expect(fast.response.headers.get('ETag')).not.toBe(normal.response.headers.get('ETag'));
    expect(Array.from(fast.bytes)).not.toEqual(Array.from(normal.bytes));
  });

  it('answers 400 naming the option for any other value', async () => {
    const response = await get('/cdn-cgi/image/compression=slow/fast/storm.jpg');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('compression');
  });
});
