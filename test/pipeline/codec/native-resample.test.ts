/**
 * The module's float Lanczos-3 resampler (native/resample.c, CodecSession.resample with `arithmetic: 'float'`; the
 * default fixed-point one is compared with it in resample-i16.test.ts) against the TypeScript one it ports
 * (src/pipeline/pixels/resample.ts): within ±1 per channel everywhere, from pixels in the session's memory and from the
 * streamed JPEG decode, for downscales, upscales, crops, premultiplied alpha, linear light and one-pixel sizes.
 * The largest and mean differences are logged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import dune from '../../../samples/photos/dune.jpg?bytes';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import { decodePng } from '../../../src/pipeline/codec/index.js';
import { resample, type ResampleOptions } from '../../../src/pipeline/pixels/resample.js';
import { CodecSession, decodeJpegScaled, type JpegScale, type SessionPixels, streamJpegScaled } from '../../../src/pipeline/codec/index.js';
import alphaPng from '../../fixtures/alpha-left-half-32x32.png?bytes';
import { gradient } from '../../helpers/pixels.js';
import type { Rect } from '../../../src/options/types.js';

const MODES: ResampleOptions[] = [
  { premultiply: false, linear: false },
  { premultiply: true, linear: false },
  { premultiply: false, linear: true },
  { premultiply: true, linear: true },
];
const name = (o: ResampleOptions) => [o.premultiply && 'premultiply', o.linear && 'linear'].filter(Boolean).join('+') || 'plain';

const report: string[] = [];
afterAll(() => console.log(`native resample vs TypeScript (max / mean |difference| per sample):\n${report.join('\n')}`));

/** Largest and mean absolute difference per sample; fails above 1, logs both. */
function expectClose(label: string, native: Pixels, ts: Pixels): void {
  expect(native.width).toBe(ts.width);
  expect(native.height).toBe(ts.height);
  const a = native.data;
  const b = ts.data;
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  let where = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) {
      max = d;
      where = i;
    }
  }
  report.push(`  ${label}: max ${max}, mean ${(sum / a.length).toExponential(2)}`);
  expect(max, `${label}: sample ${where} (pixel ${where >> 2}) is ${a[where]} natively, ${b[where]} in TypeScript`).toBeLessThanOrEqual(1);
}

function whole(image: { width: number; height: number }): Rect {
  return { x: 0, y: 0, width: image.width, height: image.height };
}

/** The native resample of `crop` of `source` (copied into a fresh session) to width × height, and the TS one. */
function both(source: Pixels, crop: Rect, width: number, height: number, options: ResampleOptions): [Pixels, Pixels] {
  const session = CodecSession.open();
  const held = session.hold(source);
  const target = session.resample(held, crop, session.allocate(width, height), { ...options, arithmetic: 'float' });
  const native = { data: target.data.slice(), width, height };
  return [native, resample(source, crop, width, height, options)];
}

const photo = ((): Pixels => {
  const decoded = decodeJpegScaled(dune, 1); // 1680×1050
  return { data: decoded.data.slice(), width: decoded.width, height: decoded.height };
})();

describe('native resample equals the TypeScript from memory (dune.jpg 1680×1050)', () => {
  it.each([
    [800, 500],
    [400, 250],
    [1600, 1000],
    [211, 131],
    [37, 23],
  ])('downscale to %i×%i, every mode', (width, height) => {
    for (const options of MODES) expectClose(`dune → ${width}×${height} ${name(options)}`, ...both(photo, whole(photo), width, height, options));
  });

  it('upscales (a 160×100 corner to 500×313, and 1/8 of the photo to 2.5×)', () => {
    for (const options of MODES) {
      expectClose(`dune 160×100+0+0 → 500×313 ${name(options)}`, ...both(photo, { x: 0, y: 0, width: 160, height: 100 }, 500, 313, options));
    }
    const small = decodeJpegScaled(dune, 8); // 210×132
    const pixels = { data: small.data.slice(), width: small.width, height: small.height };
    expectClose('dune 1/8 → 525×330 plain', ...both(pixels, whole(pixels), 525, 330, MODES[0]!));
  });

  it('reads a crop from the middle of the image', () => {
    const crop = { x: 517, y: 301, width: 640, height: 401 };
    for (const options of MODES) {
      expectClose(`dune 640×401+517+301 → 320×200 ${name(options)}`, ...both(photo, crop, 320, 200, options));
      expectClose(`dune 640×401+517+301 → 700×439 ${name(options)}`, ...both(photo, crop, 700, 439, options));
    }
  });

  it('handles 1×N and N×1 sources and targets', () => {
    for (const options of [MODES[0]!, MODES[2]!]) {
      expectClose(`dune → 1×300 ${name(options)}`, ...both(photo, whole(photo), 1, 300, options));
      expectClose(`dune → 300×1 ${name(options)}`, ...both(photo, whole(photo), 300, 1, options));
      expectClose(`dune → 1×1 ${name(options)}`, ...both(photo, whole(photo), 1, 1, options));
      expectClose(`dune column 1×1050+800+0 → 1×100 ${name(options)}`, ...both(photo, { x: 800, y: 0, width: 1, height: 1050 }, 1, 100, options));
      expectClose(`dune row 1680×1+0+500 → 200×1 ${name(options)}`, ...both(photo, { x: 0, y: 500, width: 1680, height: 1 }, 200, 1, options));
      expectClose(`dune row 1680×1+0+500 → 200×3 ${name(options)}`, ...both(photo, { x: 0, y: 500, width: 1680, height: 1 }, 200, 3, options));
      expectClose(`dune pixel 1×1+3+3 → 5×4 ${name(options)}`, ...both(photo, { x: 3, y: 3, width: 1, height: 1 }, 5, 4, options));
    }
  });
});

describe('native resample with transparency', () => {
  it('matches on alpha-left-half-32x32.png (transparent black | opaque red)', async () => {
    const image = await decodePng(alphaPng.slice().buffer);
    for (const options of MODES) {
      for (const [w, h] of [[5, 2], [13, 7], [32, 32], [80, 80]] as const) {
        const [native, ts] = both(image, whole(image), w, h, options);
        expectClose(`alpha-left-half 32×32 → ${w}×${h} ${name(options)}`, native, ts);
      }
    }
  });

  it('matches on a gradient with an alpha ramp', () => {
    const image = gradient(301, 203, { alpha: true, fine: true });
    for (const options of MODES) {
      expectClose(`alpha ramp 301×203 → 97×64 ${name(options)}`, ...both(image, whole(image), 97, 64, options));
      expectClose(`alpha ramp 301×203 → 450×333 ${name(options)}`, ...both(image, whole(image), 450, 333, options));
      expectClose(`alpha ramp 120×90+100+50 → 47×40 ${name(options)}`, ...both(image, { x: 100, y: 50, width: 120, height: 90 }, 47, 40, options));
    }
  });
});

/** The native resample straight from the JPEG stream (then finished), and the TS one of the whole decode. */
function fromStream(bytes: Uint8Array, denom: JpegScale, crop: Rect | undefined, width: number, height: number, options: ResampleOptions): [Pixels, Pixels] {
  const session = CodecSession.open();
  const rows = streamJpegScaled(session, bytes, denom);
  const region = crop ?? whole(rows);
  const target = session.resample('jpeg-stream', region, session.allocate(width, height), { ...options, arithmetic: 'float' });
  rows.finish();
  const native = { data: target.data.slice(), width, height };
  const decoded = decodeJpegScaled(bytes, denom);
  return [native, resample(decoded, region, width, height, options)];
}

describe('native resample from the streamed JPEG decode (dune.jpg)', () => {
  it.each([1, 2, 4, 8] as const)('at 1/%i, whole image, every mode', (denom) => {
    for (const options of MODES) {
      expectClose(`stream 1/${denom} → 200×125 ${name(options)}`, ...fromStream(dune, denom, undefined, 200, 125, options));
    }
    expectClose(`stream 1/${denom} → 1000×625 plain`, ...fromStream(dune, denom, undefined, 1000, 625, MODES[0]!));
  });

  it('a crop from the middle, and one that ends before the last row (the stream still finishes)', () => {
    const mid = { x: 300, y: 200, width: 900, height: 500 };
    for (const options of [MODES[0]!, MODES[3]!]) expectClose(`stream 900×500+300+200 → 450×250 ${name(options)}`, ...fromStream(dune, 1, mid, 450, 250, options));
    const top = { x: 0, y: 0, width: 1680, height: 17 };
    expectClose('stream 1680×17+0+0 → 100×1', ...fromStream(dune, 1, top, 100, 1, MODES[0]!));
    expectClose('stream 1/2 840×3+0+520 → 840×9', ...fromStream(dune, 2, { x: 0, y: 520, width: 840, height: 3 }, 840, 9, MODES[0]!));
  });

  it('leaves the rest of the stream for finish(), and closes the JavaScript reader', () => {
    const session = CodecSession.open();
    const rows = streamJpegScaled(session, dune, 2); // 840×525
    const target = session.allocate(60, 30);
    session.resample('jpeg-stream', { x: 100, y: 40, width: 120, height: 60 }, target, MODES[0]!);
    expect(() => rows.row(200)).toThrow(RangeError);
    expect(() => session.resample('jpeg-stream', { x: 0, y: 0, width: 10, height: 10 }, target, MODES[0]!)).toThrow(/already/);
    expect(() => rows.finish()).not.toThrow();
    // The session is healthy afterwards: it decodes and resamples again.
    const again = streamJpegScaled(session, dune, 8);
    session.resample('jpeg-stream', whole(again), session.allocate(21, 13), MODES[0]!);
    again.finish();
  });

  it('rejects a crop outside the source, and a target or source of another session', () => {
    const session = CodecSession.open();
    const source = session.hold(gradient(20, 10, { fine: true }));
    const target = session.allocate(5, 5);
    expect(() => session.resample(source, { x: 10, y: 0, width: 11, height: 10 }, target, MODES[0]!)).toThrow(RangeError);
    expect(() => session.resample(source, { x: 0, y: 0, width: 0, height: 10 }, target, MODES[0]!)).toThrow(RangeError);
    expect(() => session.resample('jpeg-stream', whole(source), target, MODES[0]!)).toThrow(/no JPEG stream/);
    const other = CodecSession.open();
    expect(() => other.resample(source, whole(source), other.allocate(5, 5), MODES[0]!)).toThrow(/this session/);
    expect(() => session.resample(source, whole(source), other.allocate(5, 5), MODES[0]!)).toThrow(/this session/);
    // None of that touched the module: the session still works.
    const out = session.resample(source, whole(source), target, MODES[0]!) as SessionPixels;
    expect(out.data.length).toBe(100);
  });
});
