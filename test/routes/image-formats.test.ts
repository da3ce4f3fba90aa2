/** Every input format × every output format, checked by magic bytes and by decoding what comes back. */
import { beforeAll, describe, expect, it } from 'vitest';
import avif from '../../samples/avif/tiny.avif?bytes';
import gif from '../../samples/gif/traffic-light.gif?bytes';
import png from '../../samples/alpha/rose.png?bytes';
import jpeg from '../../samples/photos/storm.jpg?bytes';
import webp from '../../samples/webp/rose.webp?bytes';
import { decodeAny, magicOf } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

// Sizes as sharp reports them for the sample files; width=48 with fit=scale-down (the default) keeps the
// aspect ratio and never enlarges.
const inputs = [
  { key: 'm/storm.jpg', bytes: jpeg, expected: { width: 48, height: 32 }, alpha: false },
  { key: 'm/rose.png', bytes: png, expected: { width: 48, height: 36 }, alpha: true },
  { key: 'm/rose.webp', bytes: webp, expected: { width: 48, height: 36 }, alpha: true },
  { key: 'm/tiny.avif', bytes: avif, expected: { width: 23, height: 42 }, alpha: false },
  // The GIF's first frame has no transparent index (checked with omggif): its later frames do. It is animated:
  // `anim=false` keeps this matrix about stills (animated output: test/routes/image-animation.test.ts).
  { key: 'm/traffic-light.gif', bytes: gif, expected: { width: 48, height: 84 }, alpha: false, options: 'anim=false,' },
];

const outputs = [
  { format: 'avif', type: 'image/avif', magic: 'avif', keepsAlpha: true },
  { format: 'webp', type: 'image/webp', magic: 'webp', keepsAlpha: true },
  { format: 'jpeg', type: 'image/jpeg', magic: 'jpeg', keepsAlpha: false },
  { format: 'baseline-jpeg', type: 'image/jpeg', magic: 'jpeg', keepsAlpha: false },
  { format: 'png', type: 'image/png', magic: 'png', keepsAlpha: true },
] as const;

/** Whether a JPEG has a progressive frame header (SOF2), found by walking its markers. */
function isProgressiveJpeg(bytes: Uint8Array): boolean {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    const marker = bytes[offset + 1]!;
    if (marker === 0xc2) return true;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xda) return false;
    offset += 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
  }
  return false;
}

beforeAll(async () => {
  for (const input of inputs) await putMaster(input.key, input.bytes);
});

describe.each(inputs)('$key', (input) => {
  it.each(outputs)('→ $format', async (output) => {
    const response = await get(`/cdn-cgi/image/${input.options ?? ''}width=48,format=${output.format}/${input.key}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe(output.type);
    const bytes = await bodyBytes(response);
    expect(magicOf(bytes)).toBe(output.magic);
    const image = await decodeAny(bytes);
    expect({ width: image.width, height: image.height }).toEqual(input.expected);
    // An explicit format is not negotiated: no Vary.
    expect(response.headers.get('Vary')).toBeNull();

    let minAlpha = 255;
    for (let i = 3; i < image.data.length; i += 4) minAlpha = Math.min(minAlpha, image.data[i]!);
    if (input.alpha && output.keepsAlpha) expect(minAlpha).toBeLessThan(255);
    else expect(minAlpha).toBe(255);

    if (output.magic === 'jpeg') expect(isProgressiveJpeg(bytes)).toBe(output.format === 'jpeg');
  });
});
