/**
 * The pre-pass through the real codecs: gravity=auto/face find the off-centre subject of our own fixture, trim=border
 * cuts exactly the border of bordered fixtures, and requests that do not need the pixels do not pay for them.
 */
import { describe, expect, it } from 'vitest';
import { inputLimits } from '../../src/config.js';
import { readImageHeader } from '../../src/formats/header.js';
import { planDecode } from '../../src/options/decode-plan.js';
import { parseOptions } from '../../src/options/parse.js';
import { planTransform, type TransformPlan } from '../../src/options/plan.js';
import { needsPrepass, refinePlan } from '../../src/pipeline/prepass.js';
import { transform } from '../../src/pipeline/run.js';
import borderedJpeg from '../fixtures/bordered-64x48.jpg?bytes';
import borderedPng from '../fixtures/bordered-64x48.png?bytes';
import borderedAlpha from '../fixtures/bordered-alpha-64x48.png?bytes';
import subjectJpeg from '../fixtures/subject-right-192x64.jpg?bytes';
import subjectPng from '../fixtures/subject-right-192x64.png?bytes';
import { decodeAny } from '../helpers/images.js';
import { defaults } from '../helpers/pipeline.js';

const limits = { ...defaults, ...inputLimits(defaults) };

/** The route's plan from the header, and the plan after the pre-pass, with how many times the bytes were read. */
async function plans(master: Uint8Array, segment: string) {
  const info = readImageHeader(master);
  const options = parseOptions(segment, defaults);
  const plan = planTransform(info, options, defaults);
  let reads = 0;
  const refined = await refinePlan(() => {
    reads++;
    return master.slice().buffer;
  }, { info, options, plan, limits });
  return { info, options, plan, refined, reads };
}

/** Whether the displayed x-range [from, to) lies inside the plan's crop. */
function keepsColumns(plan: TransformPlan, from: number, to: number): boolean {
  const { crop } = plan.geometry;
  return crop.x <= from && crop.x + crop.width >= to;
}



describe('gravity=auto', () => {
  // The subject (a disc of radius 18) is centred at (150, 30) of 192×64: columns 132..168.
  it.each([['png', subjectPng], ['jpeg', subjectJpeg]])('moves a cover crop onto the off-centre subject (%s)', async (_, master) => {
    const { plan, refined, reads } = await plans(master, 'width=64,height=64,fit=cover,gravity=auto');
    expect(keepsColumns(plan, 132, 168)).toBe(false); // the header's plan is the centre crop
    expect(keepsColumns(refined, 132, 168)).toBe(true);
    expect(refined.geometry.crop.width).toBe(plan.geometry.crop.width);
    expect(refined.geometry.canvas).toEqual(plan.geometry.canvas);
    expect(reads).toBe(1);
  });

  it('finds it after rotate=90 too (the point is mapped from stored to displayed coordinates)', async () => {
    const { refined } = await plans(subjectPng, 'width=64,height=64,fit=cover,gravity=auto,rotate=90');
    // Rotated 90° clockwise the image is 64×192 and the subject's rows are 132..168.
    const { crop } = refined.geometry;
    expect(crop.y).toBeLessThanOrEqual(132);
    expect(crop.y + crop.height).toBeGreaterThanOrEqual(168);
  });

  it('the output shows the subject: the disc is orange, the background blue-grey', async () => {
    const { info, options, refined } = await plans(subjectPng, 'width=64,height=64,fit=cover,gravity=auto');
    const result = await transform({ bytes: subjectPng.slice().buffer, info, options, plan: refined, decode: planDecode(info, refined.storedCrop, refined.storedResize, inputLimits(defaults)), format: 'png', quality: 100, avifSpeed: 10 });
    const image = await decodeAny(new Uint8Array(result.bytes));
    expect(image).toMatchObject({ width: 64, height: 64 });
    // The disc's top (150, 14) is orange; where the crop starts, at x = 150 - crop.x.
    const x = 150 - refined.geometry.crop.x;
    const at = (px: number, py: number) => Array.from(image.data.subarray((py * 64 + px) * 4, (py * 64 + px) * 4 + 3));
    expect(at(x, 14)).toEqual([255, 128, 0]);
  });

  it('costs nothing when it cannot matter: gravity=center, or a crop that cuts nothing', async () => {
    for (const segment of ['width=64,height=64,fit=cover', 'width=64,height=64,fit=cover,gravity=center', 'width=96,gravity=auto', 'width=96,height=32,fit=cover,gravity=auto']) {
      const { plan, refined, reads } = await plans(subjectPng, segment);
      expect(refined).toBe(plan);
      expect(reads).toBe(0);
      expect(needsPrepass(parseOptions(segment, defaults), plan)).toBe(false);
    }
  });
});

describe('gravity=face', () => {
  it('without zoom, crops like auto here (no face model; skin weighs more)', async () => {
    const { refined } = await plans(subjectPng, 'width=64,height=64,fit=cover,gravity=face');
    expect(keepsColumns(refined, 132, 168)).toBe(true);
  });

  it('zoom=1 frames a quarter of each side around the focal point, whatever the fit', async () => {
    const { refined, reads } = await plans(subjectPng, 'width=48,gravity=face,zoom=1');
    expect(reads).toBe(1);
    expect(refined.geometry.crop).toMatchObject({ width: 48, height: 16 });
    expect(keepsColumns(refined, 140, 160)).toBe(true);
    expect(refined.geometry.canvas).toEqual({ width: 48, height: 16 });
  });
});

describe('trim=border', () => {
  it.each([['png', borderedPng], ['alpha png', borderedAlpha]])('cuts exactly the border (%s), colour found at the corners', async (_, master) => {
    const { refined, reads } = await plans(master, 'trim=border');
    expect(reads).toBe(1);
    expect(refined.geometry.crop).toEqual({ x: 10, y: 6, width: 40, height: 32 });
    expect(refined.geometry.canvas).toEqual({ width: 40, height: 32 });
  });

  it('a JPEG border, with its ringing, within the default tolerance', async () => {
    const { refined } = await plans(borderedJpeg, 'trim=border');
    expect(refined.geometry.crop).toEqual({ x: 10, y: 6, width: 40, height: 32 });
  });

  it('keep leaves that much border, × dpr; a colour that is not the border trims nothing', async () => {
    expect((await plans(borderedPng, 'trim=border,trim.border.keep=2')).refined.geometry.crop).toEqual({ x: 8, y: 4, width: 44, height: 36 });
    expect((await plans(borderedPng, 'trim=border,trim.border.keep=2,dpr=2')).refined.geometry.crop).toEqual({ x: 6, y: 2, width: 48, height: 40 });
    expect((await plans(borderedPng, 'trim=border,trim.border.color=red')).refined.geometry.crop).toEqual({ x: 0, y: 0, width: 64, height: 48 });
  });

  it('happens before resize and rotate: the trimmed image is what width and rotate act on', async () => {
    const { refined } = await plans(borderedPng, 'trim=border,width=20,rotate=90');
    // Rotated, the 40×32 content is 32×40 and scaled to width 20.
    expect(refined.geometry.canvas).toEqual({ width: 20, height: 25 });
    expect(refined.storedCrop).toEqual({ x: 10, y: 6, width: 40, height: 32 });
  });

  it('the output is the content alone: red, green / blue, black corners', async () => {
    const { info, options, refined } = await plans(borderedPng, 'trim=border');
    const result = await transform({ bytes: borderedPng.slice().buffer, info, options, plan: refined, decode: planDecode(info, refined.storedCrop, refined.storedResize, inputLimits(defaults)), format: 'png', quality: 100, avifSpeed: 10 });
    const image = await decodeAny(new Uint8Array(result.bytes));
    expect(image).toMatchObject({ width: 40, height: 32 });
    const at = (x: number, y: number) => Array.from(image.data.subarray((y * 40 + x) * 4, (y * 40 + x) * 4 + 3));
    expect([at(0, 0), at(39, 0), at(0, 31), at(39, 31)]).toEqual([[255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 0]]);
  });

  it('with gravity=auto, the focal point is looked for within the trimmed image', async () => {
    const { refined, reads } = await plans(borderedPng, 'trim=border,width=20,height=32,fit=cover,gravity=auto');
    expect(reads).toBe(2);
    const { crop } = refined.geometry;
    expect(crop.x).toBeGreaterThanOrEqual(10);
    expect(crop.x + crop.width).toBeLessThanOrEqual(50);
  });
});
