/**
 * Real-world masters through the worker's fetch, checked on pixels: embedded colour profiles, CMYK, depth and type,
 * alpha edges, gamma, animation. Expected colours come from test/fixtures/README.md (sharp's own decode) and, for the
 * corpus, from sharp's decode of the same files (recorded below).
 */
import { describe, expect, it } from 'vitest';
import { decodeFirstWebpFrame } from '../../src/pipeline/codec/index.js';
import adobeJpeg from '../fixtures/adobergb-quadrants-64x48.jpg?bytes';
import alphaPng from '../fixtures/alpha-left-half-32x32.png?bytes';
import animatedGif from '../fixtures/animated-8-frames-32x32.gif?bytes';
import animatedWebp from '../fixtures/animated-3-frames-32x32.webp?bytes';
import arithmetic from '../fixtures/arithmetic-64x48.jpg?bytes';
import cmyk from '../fixtures/cmyk-64x48.jpg?bytes';
import greyAlpha from '../fixtures/grey-alpha-32x32.png?bytes';
import greyJpeg from '../fixtures/grey-64x48.jpg?bytes';
import alphaWebp from '../fixtures/lossless-alpha-32x32.webp?bytes';
import p3Avif from '../fixtures/p3-srgb-quadrants-24x16.avif?bytes';
import p3Webp from '../fixtures/p3-srgb-quadrants-40x30.webp?bytes';
import p3Jpeg from '../fixtures/p3-quadrants-64x48.jpg?bytes';
import p3Png from '../fixtures/p3-quadrants-64x48.png?bytes';
import paletteTrns from '../fixtures/palette-trns-32x32.png?bytes';
import precision12 from '../fixtures/precision12-64x48.jpg?bytes';
import interlaced from '../fixtures/quadrants-interlaced-64x48.png?bytes';
import progressive from '../fixtures/quadrants-progressive-64x48.jpg?bytes';
import rgb16 from '../fixtures/rgb16-32x32.png?bytes';
import stripes from '../fixtures/stripes-64x64.png?bytes';
import { deltaE76 } from '../helpers/colour.js';
import { corpusAvailable, corpusFile } from '../helpers/corpus.js';
import { type Decoded, decodeAny } from '../helpers/images.js';
import { bodyBytes, get, putMaster } from '../helpers/worker.js';

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];

const at = (image: Decoded, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
/** Quadrant centres, top-left, top-right, bottom-left, bottom-right. */
const centres = (image: Decoded) =>
  [[1, 1], [3, 1], [1, 3], [3, 3]].map(([i, j]) => at(image, Math.floor((i! * image.width) / 4), Math.floor((j! * image.height) / 4)));

/** Puts `bytes` as master `key`, asks for `options`, expects 200 and decodes the body. */
async function variant(key: string, bytes: Uint8Array, options: string): Promise<{ image: Decoded; bytes: Uint8Array }> {
  await putMaster(key, bytes);
  const response = await get(`/cdn-cgi/image/${options}/${key}`);
  if (response.status !== 200) expect.fail(`${key} ${options}: ${response.status} ${await response.text()}`);
  const body = await bodyBytes(response);
  return { image: await decodeAny(body), bytes: body };
}

/** Mean premultiplied R, G, B and mean alpha (colour under transparent pixels differs between decoders, and is invisible). */
function premultipliedMean(image: Decoded): number[] {
  const sum = [0, 0, 0, 0];
  for (let i = 0; i < image.data.length; i += 4) {
    const a = image.data[i + 3]!;
    for (let c = 0; c < 3; c++) sum[c]! += (image.data[i + c]! * a) / 255;
    sum[3]! += a;
  }
  return sum.map((s) => s / (image.width * image.height));
}

describe('embedded colour profiles are converted to sRGB (ΔE is CIE76)', () => {
  // sharp's (lcms) conversion of the stored (255,0,0) (0,255,0) (200,80,60) (128,128,128), test/fixtures/README.md.
  const p3Reference = [RED, GREEN, [216, 69, 51], [128, 128, 128]];

  it.each([
    { name: 'Display P3 PNG (iCCP), exact pixels', key: 'rw/p3.png', bytes: p3Png, reference: p3Reference, limit: 1 },
    { name: 'Display P3 JPEG (APP2)', key: 'rw/p3.jpg', bytes: p3Jpeg, reference: [RED, GREEN, [217, 69, 52], [128, 128, 128]], limit: 1.5 },
    { name: 'Adobe RGB (1998) JPEG (APP2)', key: 'rw/adobe.jpg', bytes: adobeJpeg, reference: [RED, GREEN, [231, 79, 57], [129, 129, 129]], limit: 1.5 },
  ])('$name: within ΔE $limit of sharp at every quadrant', async ({ key, bytes, reference, limit }) => {
    const { image } = await variant(key, bytes, 'format=png');
    centres(image).forEach((c, i) => expect(deltaE76(c, reference[i]!), `quadrant ${i}: ${c}`).toBeLessThan(limit));
  });

  it('the P3 in-gamut colour would be ΔE ≈ 10 off without the conversion (so the test above can fail)', () => {
    expect(deltaE76([200, 80, 60], [216, 69, 51])).toBeGreaterThan(8);
  });

  it.each([
    ['WebP (ICCP)', 'rw/p3.webp', p3Webp, 2],
    ['AVIF (colr rICC)', 'rw/p3.avif', p3Avif, 4],
  ] as const)('sRGB quadrants stored as Display P3 in %s come back to sRGB, not desaturated', async (_, key, bytes, limit) => {
    const { image } = await variant(key, bytes, 'format=png');
    const [topLeft] = centres(image);
    centres(image).forEach((c, i) => expect(deltaE76(c, [RED, GREEN, BLUE, WHITE][i]!), `quadrant ${i}: ${c}`).toBeLessThan(limit));
    // Shown as if sRGB, the stored P3 red (234, 51, 34) is ΔE ≈ 17 from red.
    expect(deltaE76([234, 51, 34], RED)).toBeGreaterThan(15);
    expect(topLeft![1]).toBeLessThan(10);
  });

  it('after a resize and into JPEG and WebP outputs too; the output carries no profile', async () => {
    for (const format of ['jpeg', 'webp', 'avif']) {
      const { image, bytes } = await variant('rw/p3-small.png', p3Png, `width=32,format=${format}`);
      expect(deltaE76(centres(image)[2]!, [216, 69, 51]), format).toBeLessThan(3);
      expect(String.fromCharCode(...bytes)).not.toMatch(/ICC_PROFILE|iCCP|ICCP|colr(prof|rICC)/);
    }
  });
});

describe('CMYK and YCCK JPEGs decode to their colours, not negatives', () => {
  // sharp (through libvips' CMYK profile): (232,0,21) (191,207,0) (27,60,140) (255,255,255); we convert inks without
  // a profile (as libvips does when there is none), so the hues match and the saturation is higher.
  const reference = [[232, 0, 21], [191, 207, 0], [27, 60, 140], WHITE];

  it('the Adobe CMYK fixture: each quadrant is far nearer its colour than its negative', async () => {
    const { image } = await variant('rw/cmyk.jpg', cmyk, 'format=png');
    const got = centres(image);
    got.forEach((c, i) => {
      const negative = c.slice(0, 3).map((v) => 255 - v);
      expect(deltaE76(c, reference[i]!), `quadrant ${i}: ${c}`).toBeLessThan(deltaE76(negative, reference[i]!) / 2);
    });
    expect(got[0]!.slice(0, 3)).toEqual([255, expect.any(Number), expect.any(Number)]);
    expect(got[3]).toEqual([255, 255, 255, 255]);
  });

  it.skipIf(!corpusAvailable)('corpus cmyk-video-001.jpg looks like the RGB JPEG of the same frame; a truncated CMYK file is a 422', async () => {
    const { image: fromCmyk } = await variant('rw/corpus/cmyk-video.jpg', await corpusFile('edge/cmyk-video-001.jpg'), 'format=png');
    const { image: fromRgb } = await variant('rw/corpus/video.jpg', await corpusFile('edge/video-001.q50.444.progressive.jpeg'), 'format=png');
    let difference = 0;
    let negative = 0;
    for (let i = 0; i < fromRgb.data.length; i++) {
      if (i % 4 === 3) continue;
      difference += Math.abs(fromCmyk.data[i]! - fromRgb.data[i]!);
      negative += Math.abs(255 - fromCmyk.data[i]! - fromRgb.data[i]!);
    }
    const pixels = (fromRgb.data.length / 4) * 3;
    // sharp's own CMYK decode (with libvips' CMYK profile) differs from the RGB file by 30.7 on average.
    expect(difference / pixels).toBeLessThan(40);
    expect(negative / pixels).toBeGreaterThan(3 * (difference / pixels));

    await putMaster('rw/corpus/cmyk-truncated.jpg', await corpusFile('edge/cmyk-premature-end.jpg'));
    expect((await get('/cdn-cgi/image/format=png/rw/corpus/cmyk-truncated.jpg')).status).toBe(422);
  });
});

describe('depth and type', () => {
  it('16-bit RGB PNG: the high bytes, not black', async () => {
    const { image } = await variant('rw/rgb16.png', rgb16, 'format=png');
    centres(image).forEach((c, i) => c.slice(0, 3).forEach((v, k) => expect(Math.abs(v - [RED, GREEN, BLUE, [64, 128, 192]][i]![k]!)).toBeLessThanOrEqual(1)));
  });

  it('grey + alpha PNG and palette + tRNS PNG: exact grey levels and alpha', async () => {
    expect(centres((await variant('rw/grey-alpha.png', greyAlpha, 'format=png')).image)).toEqual([[0, 0, 0, 255], [255, 255, 255, 255], [128, 128, 128, 128], [expect.any(Number), expect.any(Number), expect.any(Number), 0]]);
    const { image } = await variant('rw/palette-trns.png', paletteTrns, 'format=png');
    expect([at(image, 4, 4)[3], at(image, 28, 4), at(image, 28, 28)]).toEqual([0, [255, 0, 0, 255], [0, 0, 255, 128]]);
  });

  it.each([
    ['interlaced (Adam7) PNG', 'rw/interlaced.png', interlaced, 0],
    ['progressive JPEG', 'rw/progressive.jpg', progressive, 3],
    ['arithmetic-coded JPEG (decoded, not refused)', 'rw/arithmetic.jpg', arithmetic, 3],
  ] as const)('%s: quadrant colours', async (_, key, bytes, tolerance) => {
    const { image } = await variant(key, bytes, 'format=png');
    centres(image).forEach((c, i) => c.slice(0, 3).forEach((v, k) => expect(Math.abs(v - [RED, GREEN, BLUE, WHITE][i]![k]!)).toBeLessThanOrEqual(tolerance)));
  });

  it('greyscale JPEG: grey levels 0, 85, 170, 255, as neutral RGB', async () => {
    const { image } = await variant('rw/grey.jpg', greyJpeg, 'format=png');
    centres(image).forEach((c, i) => {
      expect(Math.abs(c[0]! - [0, 85, 170, 255][i]!)).toBeLessThanOrEqual(4);
      expect(c[0] === c[1] && c[1] === c[2]).toBe(true);
    });
  });

  it('12-bit JPEG: a clear 422 problem, never an image', async () => {
    await putMaster('rw/precision12.jpg', precision12);
    const response = await get('/cdn-cgi/image/format=png/rw/precision12.jpg');
    expect(response.status).toBe(422);
    expect(response.headers.get('Content-Type')).toMatch(/problem\+json/);
    expect((await response.json<{ detail: string }>()).detail).toMatch(/precision 12/);
  });

  // sharp's decode of the same files: width, height, mean premultiplied R, G, B and mean alpha.
  const pngsuite: [string, number, number, number[]][] = [
    ['basn0g01.png', 32, 32, [124.5, 124.5, 124.5, 255]],
    ['basn0g02-29.png', 29, 29, [128, 128, 128, 255]],
    ['basn0g04.png', 32, 32, [119, 119, 119, 255]],
    ['basn0g16.png', 32, 32, [144.2, 144.2, 144.2, 255]],
    ['basn2c16.png', 32, 32, [127.5, 127.5, 43.8, 255]],
    ['basn3p01.png', 32, 32, [136, 178.5, 144.5, 255]],
    ['basn3p04-31i.png', 31, 31, [69, 184.7, 130.7, 255]],
    ['basn3p08-trns.png', 32, 32, [48.9, 93.8, 47, 127.8]],
    ['basn4a08.png', 32, 32, [63.3, 63.3, 63.3, 127]],
    ['basn4a16.png', 32, 32, [38.9, 38.9, 38.9, 79.7]],
    ['basn6a08.png', 32, 32, [50.1, 95.3, 47.2, 127]],
    ['basn6a16.png', 32, 32, [39.8, 39.8, 19.9, 79.7]],
    ['ftbbn0g04.png', 32, 32, [56.2, 56.2, 56.2, 139.5]],
    ['ftbwn0g16.png', 32, 32, [58.8, 58.8, 58.8, 142.2]],
    ['ftbbn2c16.png', 32, 32, [54.4, 61.6, 56.5, 142.2]],
    ['ftp1n3p08.png', 32, 32, [54.1, 61.3, 56.3, 141.9]],
  ];
  it.skipIf(!corpusAvailable).each(pngsuite)('corpus pngsuite/%s (%d×%d) decodes as sharp does', async (file, width, height, mean) => {
    const { image } = await variant(`rw/pngsuite/${file}`, await corpusFile(`pngsuite/${file}`), 'format=png');
    expect([image.width, image.height]).toEqual([width, height]);
    premultipliedMean(image).forEach((v, c) => expect(Math.abs(v - mean[c]!), `channel ${c}`).toBeLessThan(1));
  });

  it.skipIf(!corpusAvailable)('corpus: progressive with separate DC scans matches the other encoding; greyscale stays neutral', async () => {
    const { image: separate } = await variant('rw/corpus/sep-dc.jpg', await corpusFile('edge/video-001.separate.dc.progression.progressive.jpeg'), 'format=png');
    const { image: q50 } = await variant('rw/corpus/q50.jpg', await corpusFile('edge/video-001.q50.444.progressive.jpeg'), 'format=png');
    let difference = 0;
    for (let i = 0; i < q50.data.length; i++) difference += Math.abs(separate.data[i]! - q50.data[i]!);
    expect(difference / q50.data.length).toBeLessThan(6); // sharp: 5.4 over R, G, B
    const { image: grey } = await variant('rw/corpus/grey.jpg', await corpusFile('edge/video-005.gray.jpeg'), 'format=png');
    for (let i = 0; i < grey.data.length; i += 4) expect(grey.data[i] === grey.data[i + 1] && grey.data[i] === grey.data[i + 2]).toBe(true);
  });
});

describe('alpha edges after a resize (premultiplied): no dark fringe', () => {
  it.each([
    ['PNG → PNG', 'rw/alpha.png', alphaPng, 'format=png', RED, 0],
    ['PNG → WebP', 'rw/alpha.png', alphaPng, 'format=webp', RED, 12],
    ['lossless WebP → PNG', 'rw/alpha.webp', alphaWebp, 'format=png', GREEN, 0],
  ] as const)('%s: every pixel with any alpha keeps the opaque colour', async (_, key, bytes, format, colour, tolerance) => {
    for (const width of [8, 7, 5]) {
      const { image } = await variant(key, bytes, `width=${width},${format}`);
      let partial = 0;
      for (let i = 0; i < image.data.length; i += 4) {
        const a = image.data[i + 3]!;
        if (a === 0) continue;
        if (a < 255) partial++;
        for (let c = 0; c < 3; c++) expect(Math.abs(image.data[i + c]! - colour[c]!), `width ${width}, alpha ${a}`).toBeLessThanOrEqual(tolerance);
      }
      // At width 7 the edge falls inside an output pixel, whichever resampler ran (ours, or libwebp's for WebP).
      if (width === 7) expect(partial, 'the edge is soft').toBeGreaterThan(0);
    }
  });

  it('flattened onto white (background=%23fff, and JPEG): the edge runs from red to white, never darker', async () => {
    const { image } = await variant('rw/alpha.png', alphaPng, 'width=7,background=%23fff,format=png');
    for (let i = 0; i < image.data.length; i += 4) {
      expect(image.data[i]!).toBeGreaterThanOrEqual(254);
      expect(image.data[i + 1]).toBe(image.data[i + 2]);
    }
    // JPEG rings at a red/white edge, but a dark fringe would take the luminance below red's own (54).
    const { image: jpeg } = await variant('rw/alpha.png', alphaPng, 'width=7,format=jpeg');
    for (let i = 0; i < jpeg.data.length; i += 4) {
      expect(0.2126 * jpeg.data[i]! + 0.7152 * jpeg.data[i + 1]! + 0.0722 * jpeg.data[i + 2]!).toBeGreaterThan(50);
    }
  });
});

describe('gamma: downscaling in linear light', () => {
  it.each([16, 13, 5])('1-px black/white stripes at width=%d average to sRGB ≈ 188, not 128', async (width) => {
    const { image } = await variant('rw/stripes.png', stripes, `width=${width},format=png`);
    // Away from the edges, where the filter window is clamped.
    for (let y = 1; y < image.height - 1; y++) {
      for (let x = 1; x < image.width - 1; x++) expect(Math.abs(at(image, x, y)[0]! - 188), `(${x}, ${y})`).toBeLessThanOrEqual(4);
    }
  });
});

describe('animation: the first frame', () => {
  // format=webp keeps the animation (test/routes/image-animation.test.ts) unless anim=false.
  it.each(['format=png', 'format=png,anim=false', 'format=webp,anim=false', 'format=jpeg,anim=true'])('animated GIF, %s: frame 0 (red)', async (options) => {
    const { image } = await variant('rw/animated.gif', animatedGif, options);
    centres(image).forEach((c) => expect(deltaE76(c, RED)).toBeLessThan(3));
  });

  it('animated WebP: jSquash refuses it; src/pipeline/codec/webp-anim.ts decodes frame 0 (red) on its own canvas', () => {
    const frame = decodeFirstWebpFrame(animatedWebp);
    expect([frame.width, frame.height]).toEqual([32, 32]);
    expect(Array.from(frame.data.subarray(0, 4))).toEqual([255, 0, 0, 255]);
  });

  it('animated WebP through the worker, anim=false and default: frame 0 (red)', async () => {
    for (const options of ['format=png', 'format=png,anim=false']) {
      const { image } = await variant('rw/animated.webp', animatedWebp, options);
      centres(image).forEach((c) => expect(deltaE76(c, RED)).toBeLessThan(3));
    }
  });

  const gifs: [string, number, number, number[]][] = [
    ['animated-alpha-traffic-light.gif', 60, 105, [193.6, 177.2, 177.2, 255]],
    ['animated-aero.gif', 350, 189, [2.2, 2.2, 2, 3]],
    ['animated-45-frames.gif', 660, 666, [160.6, 131.5, 121.2, 255]],
  ];
  it.skipIf(!corpusAvailable).each(gifs)('corpus gif/%s: frame 0 as sharp decodes page 0', async (file, width, height, mean) => {
    const { image } = await variant(`rw/gif/${file}`, await corpusFile(`gif/${file}`), 'anim=false,format=png');
    expect([image.width, image.height]).toEqual([width, height]);
    premultipliedMean(image).forEach((v, c) => expect(Math.abs(v - mean[c]!), `channel ${c}`).toBeLessThan(1));
  });
});
