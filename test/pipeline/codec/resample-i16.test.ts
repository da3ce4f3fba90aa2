/**
 * The default resampler, int16 fixed point (native/src/resample-i16.c), against the float one it replaces
 * (native/src/resample.c, `arithmetic: 'float'`, itself within ±1 of src/pipeline/pixels/resample.ts) on real photos:
 *
 * - opaque images: at most 2 per channel apart, and (outputs of 1024 pixels or more) mean |difference| < 0.1 and
 *   under 10% of samples differing;
 * - with transparency, the colour a viewer sees (premultiplied: colour × alpha / 255) at most 2 apart and on
 *   average < 0.1 (1024 pixels or more), alpha at most 1, colour itself at most 2 wherever alpha ≥ 64 (below that,
 *   both are a few levels of a faint edge's colour and un-premultiplying magnifies either's rounding; under alpha 0
 *   either may keep any colour);
 * - beyond a 128× reduction the fixed path hands over to the float one: identical bytes;
 *
 * and determinism: the SHA-256 of fixed outputs for fixed inputs, written down once the outputs were looked at and
 * compared with the float path (tools: bench/native/resample-fixed.mjs). The shared corpus adds the 13 MP phone
 * photo and two alpha PNGs when present. Every comparison's numbers are logged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import dune from '../../../samples/photos/dune.jpg?bytes';
import storm from '../../../samples/photos/storm.jpg?bytes';
import wood from '../../../samples/photos/wood.jpg?bytes';
import rosePng from '../../../samples/alpha/rose.png?bytes';
import alphaPng from '../../fixtures/alpha-left-half-32x32.png?bytes';
import type { Rect } from '../../../src/options/types.js';
import type { Pixels } from '../../../src/pipeline/pixels/rgba.js';
import type { ResampleOptions } from '../../../src/pipeline/pixels/resample.js';
import { CodecSession, decodeJpegScaled, decodePng, type JpegScale, streamJpegScaled, streamPngRows } from '../../../src/pipeline/codec/index.js';
import { corpusAvailable, corpusFile } from '../../helpers/corpus.js';
import { gradient } from '../../helpers/pixels.js';

const MODES: ResampleOptions[] = [
  { premultiply: false, linear: true }, // opaque masters, what the resize step asks for
  { premultiply: true, linear: true }, // masters with alpha
  { premultiply: false, linear: false },
  { premultiply: true, linear: false },
];
const name = (o: ResampleOptions) => [o.premultiply && 'premultiply', o.linear && 'linear'].filter(Boolean).join('+') || 'plain';

const report: string[] = [];
afterAll(() => console.log(`fixed-point resample vs float (max |Δ| / mean |Δ| / share of samples that differ):\n${report.join('\n')}`));

/** Fixed vs float within the tolerances above; logs the spread. */
function expectWithinTolerance(label: string, fixed: Pixels, float: Pixels, alpha: boolean): void {
  expect([fixed.width, fixed.height]).toEqual([float.width, float.height]);
  const a = fixed.data;
  const b = float.data;
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  let differ = 0;
  let maxSeen = 0; // colour × alpha / 255
  let sumSeen = 0;
  let maxAlpha = 0;
  let maxOpaqueEnough = 0; // colour where alpha >= 64
  let where = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d) differ++;
    if (d > max) {
      max = d;
      where = i;
    }
    if ((i & 3) === 3) maxAlpha = Math.max(maxAlpha, d);
    else {
      const p = i | 3;
      const seen = Math.abs((a[i]! * a[p]!) / 255 - (b[i]! * b[p]!) / 255);
      maxSeen = Math.max(maxSeen, seen);
      sumSeen += seen;
      if (a[p]! >= 64 && b[p]! >= 64) maxOpaqueEnough = Math.max(maxOpaqueEnough, d);
    }
  }
  const mean = sum / a.length;
  const share = differ / a.length;
  const meanSeen = sumSeen / ((a.length / 4) * 3);
  report.push(
    `  ${label}: max ${max}, mean ${mean.toFixed(4)}, ${(100 * share).toFixed(2)}% differ` +
      (alpha ? `; seen (c·a) max ${maxSeen.toFixed(2)} mean ${meanSeen.toFixed(4)}, alpha ${maxAlpha}, colour where a ≥ 64 ${maxOpaqueEnough}` : ''),
  );
  const at = `sample ${where} (pixel ${where >> 2}): fixed ${a[where]}, float ${b[where]}`;
  if (alpha) {
    expect(maxSeen, `${label}: premultiplied colour`).toBeLessThanOrEqual(2);
    expect(maxAlpha, `${label}: alpha`).toBeLessThanOrEqual(1);
    expect(maxOpaqueEnough, `${label}: colour where alpha ≥ 64`).toBeLessThanOrEqual(2);
    if (a.length >= 4096) expect(meanSeen, `${label}: mean premultiplied difference`).toBeLessThan(0.1);
  } else {
    expect(max, `${label}: ${at}`).toBeLessThanOrEqual(2);
    if (a.length >= 4096) {
      expect(mean, label).toBeLessThan(0.1);
      expect(share, label).toBeLessThan(0.1);
    }
  }
}

const whole = (image: { width: number; height: number }): Rect => ({ x: 0, y: 0, width: image.width, height: image.height });
const copy = (p: Pixels): Pixels => ({ data: p.data.slice(), width: p.width, height: p.height });

/** `crop` of `source` to width × height in a fresh session, fixed and float. */
function both(source: Pixels, crop: Rect, width: number, height: number, options: ResampleOptions): [Pixels, Pixels] {
  const run = (arithmetic: 'fixed' | 'float') => {
    const session = CodecSession.open();
    const out = session.resample(session.hold(source), crop, session.allocate(width, height), { ...options, arithmetic });
    return { data: out.data.slice(), width, height };
  };
  return [run('fixed'), run('float')];
}

/** The same from the streamed JPEG (or PNG) decode, as the resize step reads it. */
function bothStreamed(bytes: Uint8Array, kind: 'jpeg' | 'png', crop: Rect | undefined, width: number, height: number, options: ResampleOptions): [Pixels, Pixels] {
  const run = (arithmetic: 'fixed' | 'float') => {
    const session = CodecSession.open();
    const rows = kind === 'jpeg' ? streamJpegScaled(session, bytes, 1 as JpegScale) : streamPngRows(session, bytes);
    const out = session.resample('jpeg-stream', crop ?? whole(rows), session.allocate(width, height), { ...options, arithmetic });
    rows.finish();
    return { data: out.data.slice(), width, height };
  };
  return [run('fixed'), run('float')];
}

async function sha256(data: Uint8ClampedArray): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const photo = copy(decodeJpegScaled(dune, 1)); // 1680×1050

describe('fixed point within tolerance of float on photos', () => {
  it.each([
    [800, 500],
    [400, 250],
    [211, 131],
    [37, 23],
    [1600, 1000],
  ])('dune 1680×1050 → %i×%i, every mode', (width, height) => {
    for (const options of MODES) {
      expectWithinTolerance(`dune → ${width}×${height} ${name(options)}`, ...both(photo, whole(photo), width, height, options), options.premultiply);
    }
  });

  it('upscales and crops', () => {
    for (const options of MODES) {
      const corner = { x: 0, y: 0, width: 160, height: 100 };
      expectWithinTolerance(`dune 160×100 → 500×313 ${name(options)}`, ...both(photo, corner, 500, 313, options), options.premultiply);
      const mid = { x: 517, y: 301, width: 640, height: 401 };
      expectWithinTolerance(`dune 640×401+517+301 → 320×200 ${name(options)}`, ...both(photo, mid, 320, 200, options), options.premultiply);
    }
  });

  it('1×N, N×1 and 1×1 sources and targets', () => {
    const options = MODES[0]!;
    const cases: Array<[Rect, number, number]> = [
      [whole(photo), 1, 300],
      [whole(photo), 300, 1],
      [whole(photo), 1, 1],
      [whole(photo), 3, 2],
      [{ x: 800, y: 0, width: 1, height: 1050 }, 1, 100],
      [{ x: 0, y: 500, width: 1680, height: 1 }, 201, 3],
      [{ x: 3, y: 3, width: 1, height: 1 }, 5, 4],
    ];
    for (const [crop, w, h] of cases) {
      expectWithinTolerance(`dune ${crop.width}×${crop.height}+${crop.x}+${crop.y} → ${w}×${h}`, ...both(photo, crop, w, h, options), false);
    }
  });

  it('reductions beyond 128× either way go to the float path, byte for byte (Q14 weights would be too coarse)', () => {
    for (const [w, h] of [[13, 8], [1, 300], [300, 1], [1, 1]] as const) {
      const [fixed, float] = both(photo, whole(photo), w, h, MODES[0]!);
      expect([...fixed.data], `dune → ${w}×${h}`).toEqual([...float.data]);
    }
    // Just inside the limit (1680 / 14 = 120×) the fixed path runs, within tolerance.
    expectWithinTolerance('dune → 14×9 (120×)', ...both(photo, whole(photo), 14, 9, MODES[0]!), false);
  });

  it('streamed JPEGs (storm 1920×1280 progressive, wood 2560×1920 4:2:2) to 800 and 1600 px', () => {
    for (const [label, bytes, w, h] of [
      ['storm', storm, 800, 533],
      ['storm', storm, 1600, 1067],
      ['wood', wood, 800, 600],
      ['wood', wood, 1600, 1200],
    ] as const) {
      expectWithinTolerance(`${label} streamed → ${w}×${h}`, ...bothStreamed(bytes, 'jpeg', undefined, w, h, MODES[0]!), false);
    }
  });

  it('transparency: rose.png (cut out on transparent) and a half-transparent fixture, every mode', async () => {
    const rose = await decodePng(rosePng.slice().buffer);
    const half = await decodePng(alphaPng.slice().buffer);
    for (const options of MODES) {
      for (const [w, h] of [[200, 150], [97, 73], [640, 482]] as const) {
        expectWithinTolerance(`rose 400×301 → ${w}×${h} ${name(options)}`, ...both(rose, whole(rose), w, h, options), true);
      }
      expectWithinTolerance(`alpha-left-half 32×32 → 13×7 ${name(options)}`, ...both(half, whole(half), 13, 7, options), true);
      expectWithinTolerance(`alpha-left-half 32×32 → 80×80 ${name(options)}`, ...both(half, whole(half), 80, 80, options), true);
    }
    const ramp = gradient(301, 203, { alpha: true, fine: true });
    expectWithinTolerance('alpha ramp 301×203 → 97×64 premultiply+linear', ...both(ramp, whole(ramp), 97, 64, MODES[1]!), true);
    expectWithinTolerance('rose streamed → 200×150 premultiply+linear', ...bothStreamed(rosePng, 'png', undefined, 200, 150, MODES[1]!), true);
  });

  it('a flat image stays exactly flat (weights sum to exactly 1)', () => {
    const flat: Pixels = { data: new Uint8ClampedArray(97 * 61 * 4), width: 97, height: 61 };
    for (let i = 0; i < flat.data.length; i += 4) flat.data.set([200, 31, 7, 255], i);
    for (const options of MODES) {
      const [fixed] = both(flat, whole(flat), 40, 25, options);
      for (let i = 0; i < fixed.data.length; i += 4) expect([...fixed.data.subarray(i, i + 4)], name(options)).toEqual([200, 31, 7, 255]);
      const [up] = both(flat, whole(flat), 301, 177, options);
      for (let i = 0; i < up.data.length; i += 4) expect([...up.data.subarray(i, i + 4)], name(options)).toEqual([200, 31, 7, 255]);
    }
  });
});

describe('opaque sources: three channels filtered, the same bytes as four', () => {
  const sameBytes = (a: Uint8ClampedArray, b: Uint8ClampedArray) => a.length === b.length && a.every((v, i) => v === b[i]);

  /** `crop` of `source` (or of the streamed JPEG) to width × height in linear light, told it is opaque and not. */
  function opaqueAndNot(source: Pixels | Uint8Array, crop: Rect | undefined, width: number, height: number): [Uint8ClampedArray, Uint8ClampedArray] {
    const run = (opaque: boolean) => {
      const session = CodecSession.open();
      const options = { premultiply: false, linear: true, opaque };
      if (source instanceof Uint8Array) {
        const rows = streamJpegScaled(session, source, 1 as JpegScale);
        const out = session.resample('jpeg-stream', crop ?? whole(rows), session.allocate(width, height), options);
        rows.finish();
        return out.data.slice();
      }
      return session.resample(session.hold(source), crop ?? whole(source), session.allocate(width, height), options).data.slice();
    };
    return [run(true), run(false)];
  }

  it.each([
    [800, 500],
    [211, 131],
    [37, 23],
    [7, 5],
    [1600, 1000],
    [2000, 1250],
  ])('dune 1680×1050 → %i×%i', (width, height) => {
    const [opaque, four] = opaqueAndNot(photo, undefined, width, height);
    expect(opaque.length).toBe(width * height * 4);
    expect(sameBytes(opaque, four)).toBe(true);
    for (let i = 3; i < opaque.length; i += 4) if (opaque[i] !== 255) expect.unreachable(`alpha ${opaque[i]} at ${i}`);
  });

  it('is told, not guessed: alpha is not read, and comes out 255', () => {
    const clear = copy(photo);
    for (let i = 3; i < clear.data.length; i += 4) clear.data[i] = 0;
    const [fromClear] = opaqueAndNot(clear, undefined, 211, 131);
    const [fromPhoto] = opaqueAndNot(photo, undefined, 211, 131);
    expect(sameBytes(fromClear, fromPhoto)).toBe(true);
  });

  it('crops, odd sizes, single rows and columns, streamed JPEGs', () => {
    const cases: Array<[Pixels | Uint8Array, Rect | undefined, number, number]> = [
      [photo, { x: 517, y: 301, width: 640, height: 401 }, 320, 200],
      [photo, { x: 3, y: 5, width: 161, height: 99 }, 503, 311],
      [photo, { x: 800, y: 0, width: 1, height: 1050 }, 1, 100],
      [photo, { x: 0, y: 500, width: 1680, height: 1 }, 201, 3],
      [photo, { x: 0, y: 0, width: 1680, height: 3 }, 9, 2],
      [photo, undefined, 1, 1],
      [storm, undefined, 800, 533],
      [wood, undefined, 1600, 1200],
      [wood, { x: 11, y: 7, width: 2001, height: 1501 }, 999, 751],
    ];
    for (const [source, crop, w, h] of cases) {
      const [opaque, four] = opaqueAndNot(source, crop, w, h);
      const label = `${source instanceof Uint8Array ? 'streamed' : 'dune'} ${JSON.stringify(crop)} → ${w}×${h}`;
      expect(sameBytes(opaque, four), label).toBe(true);
    }
  });
});

describe('fixed point on the shared corpus', () => {
  it.runIf(corpusAvailable)('phone-13mp.jpg streamed → 1600 and 800 px; alpha PNGs → 800 px', async () => {
    const phone = await corpusFile('photos/phone-13mp.jpg');
    expectWithinTolerance('phone-13mp streamed → 1600×2158', ...bothStreamed(phone, 'jpeg', undefined, 1600, 2158, MODES[0]!), false);
    expectWithinTolerance('phone-13mp streamed → 800×1079', ...bothStreamed(phone, 'jpeg', undefined, 800, 1079, MODES[0]!), false);
    for (const [path, w, h] of [
      ['alpha/flyingkonqui-2560x1600-alpha.png', 800, 500],
      ['alpha/goldfish-3640x2400-alpha.png', 800, 527],
    ] as const) {
      expectWithinTolerance(`${path} streamed → ${w}×${h}`, ...bothStreamed(await corpusFile(path), 'png', undefined, w, h, MODES[1]!), true);
    }
  }, 60_000);
  it.skipIf(corpusAvailable)('skipped: the shared corpus is absent (the samples above still run)', () => {});
});

describe('fixed point is deterministic', () => {
  it('gives the same bytes twice, and the recorded SHA-256 for fixed inputs', async () => {
    const rose = await decodePng(rosePng.slice().buffer);
    const outputs = {
      'dune → 400×250 linear': both(photo, whole(photo), 400, 250, MODES[0]!)[0],
      'dune streamed → 640×400 linear': bothStreamed(dune, 'jpeg', undefined, 640, 400, MODES[0]!)[0],
      'rose → 200×150 premultiply+linear': both(rose, whole(rose), 200, 150, MODES[1]!)[0],
      'dune → 211×131 plain': both(photo, whole(photo), 211, 131, MODES[2]!)[0],
    };
    const again = both(photo, whole(photo), 400, 250, MODES[0]!)[0];
    expect(await sha256(again.data)).toBe(await sha256(outputs['dune → 400×250 linear'].data));
    const hashes: Record<string, string> = {};
    for (const [label, image] of Object.entries(outputs)) hashes[label] = await sha256(image.data);
    expect(hashes).toEqual(EXPECTED_SHA256);
  });
});

/**
 * Recorded from the outputs above after looking at them (written out as PNG) and comparing them with the float path's
 * (within 1) and sharp's non-linear Lanczos-3 (mean 0.8); Node's V8 gives the same hashes
 * (bench/native/resample-fixed.mjs's session code).
 */
const EXPECTED_SHA256: Record<string, string> = {
  'dune → 400×250 linear': '91d3b03c86e3a7d1c09c1902f1186af6616fa08459668f4a7f8d748f786a5fba',
  'dune streamed → 640×400 linear': 'd9b09749c3f320c6d93bcdbbe40e2b149043f5a33cf9ff37862c9d18157850f4',
  'rose → 200×150 premultiply+linear': '16e783a53ec88f69c575f77a9467a366a0d1142d1350fc9dcbf12c66573ce297',
  'dune → 211×131 plain': 'efa195417026f46af1aeab8b7b8a0fb2e006f670306583dbfc6e428e316a0a74',
};
