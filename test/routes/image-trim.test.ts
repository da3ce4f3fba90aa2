/** trim through the worker: exactly the border is removed, before resize and rotation, with dpr, on the pixels. */
import { beforeAll, describe, expect, it } from 'vitest';
import orientation6 from '../fixtures/exif-orientation-6-48x32.jpg?bytes';
import quadrantsJpeg from '../fixtures/quadrants-64x48.jpg?bytes';
import quadrants from '../fixtures/quadrants-64x48.png?bytes';
import { type Decoded, decodeAny, meanColour } from '../helpers/images.js';
import { inputFor } from '../helpers/pipeline.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

const red = [255, 0, 0, 255];
const green = [0, 255, 0, 255];
const blue = [0, 0, 255, 255];
const white = [255, 255, 255, 255];

beforeAll(async () => {
  await putMaster('trim/q.png', quadrants);
  await putMaster('trim/o6.jpg', orientation6);
  await putMaster('trim/q.jpg', quadrantsJpeg);
});

async function transform(options: string, key = 'trim/q.png'): Promise<Decoded> {
  const response = await get(`/cdn-cgi/image/${options}/${key}`);
  if (response.status !== 200) expect.fail(`${response.status}: ${await response.text()}`);
  return decodeAny(await bodyBytes(response));
}

/** Every pixel of the image, as the set of distinct colours in it. */
function colours(image: Decoded): string[] {
  const seen = new Set<string>();
  for (let i = 0; i < image.data.length; i += 4) seen.add(Array.from(image.data.subarray(i, i + 4)).join());
  return [...seen].sort();
}

describe('trim', () => {
  it.each([
    ['trim=0;32;24;0', '32×24', [red]],
    ['trim.left=32,trim.top=24', '32×24', [white]],
    ['trim.left=32,trim.width=32,trim.height=24', '32×24', [green]],
    ['trim=24;32;0;0', '32×24', [blue]],
    ['trim=0;16;12;0,dpr=2', '32×24', [red]],
  ])('%s keeps exactly one quadrant (%s)', async (options, size, expected) => {
    const image = await transform(`${options},format=png`);
    expect(`${image.width}×${image.height}`).toBe(size);
    expect(colours(image)).toEqual(expected.map((c) => c.join()));
  });

  it('trims before the resize: width applies to what is left', async () => {
    const image = await transform('trim=0;32;0;0,width=16,format=png');
    expect(`${image.width}×${image.height}`).toBe('16×24');
  });

  it('trims before rotate: trim.left cuts the left of the unrotated image, which rotate=90 then turns to the top', async () => {
    // Keep the left half (red over blue), then rotate clockwise: blue on the left, red on the right, 48×32.
    const image = await transform('trim.width=32,rotate=90,format=png');
    expect(`${image.width}×${image.height}`).toBe('48×32');
    expect(colours(image)).toEqual([red, blue].map((c) => c.join()).sort());
    expect(Array.from(image.data.subarray(0, 4))).toEqual(blue);
  });

  it('trims the image as EXIF orientation shows it', async () => {
    // o6.jpg is shown 32×48: TL blue, TR red, BL white, BR green. Keep the displayed top-right quadrant.
    const image = await transform('trim=0;0;24;16,format=png', 'trim/o6.jpg');
    expect(`${image.width}×${image.height}`).toBe('16×24');
    const [r, g, b] = meanColour(image, 2, 2, 12, 20);
    expect(r).toBeGreaterThan(240);
    expect(g + b).toBeLessThan(30);
  });

  it('answers 400 naming trim when nothing would be left', async () => {
    const response = await get('/cdn-cgi/image/trim=0;64;0;0,format=png/trim/q.png');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('trim');
  });

  it('keeps shrink-on-load: a JPEG trimmed to a quadrant and scaled by 8 is decoded at 1/8', () => {
    const input = inputFor(quadrantsJpeg, 'trim=0;32;24;0,width=4', 'png');
    expect(input.plan.storedCrop).toEqual({ x: 0, y: 0, width: 32, height: 24 });
    expect(input.decode).toMatchObject({ kind: 'jpeg', denom: 8 });
  });

  it('and what comes back from that 1/8 decode is the trimmed quadrant only', async () => {
    const image = await transform('trim=24;0;0;32,width=4,format=png', 'trim/q.jpg');
    expect(`${image.width}×${image.height}`).toBe('4×3');
    const [r, g, b] = meanColour(image, 0, 0, 4, 3);
    expect(Math.min(r, g, b)).toBeGreaterThan(235); // the white quadrant, no red, green or blue bleeding in
  });
});
