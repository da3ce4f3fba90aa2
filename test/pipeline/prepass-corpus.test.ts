/**
 * gravity=auto against boxes labelled by eye on real photos of the shared corpus: for a narrow (1:3) and a wide (3:1)
 * cover crop, does the subject stay inside the crop, with the saliency's focal point and with the centre crop? The
 * table it prints is the one in bench/README.md. Skipped (with a message) where the corpus is absent; the fixture
 * tests in prepass.test.ts always run.
 */
import { describe, expect, it } from 'vitest';
import { inputLimits } from '../../src/config.js';
import { readImageHeader } from '../../src/formats/header.js';
import { parseOptions } from '../../src/options/parse.js';
import { planTransform, type TransformPlan } from '../../src/options/plan.js';
import { refinePlan } from '../../src/pipeline/prepass.js';
import { corpusAvailable, corpusFile } from '../helpers/corpus.js';
import { defaults } from '../helpers/pipeline.js';

/** The subject as labelled by eye on the displayed image, in 0..1 of each axis: [left, top, right, bottom]. */
type Box = [number, number, number, number];

const labelled: Array<{ path: string; subject: string; box: Box }> = [
  { path: 'photos/phone-13mp.jpg', subject: 'the face of the man at night', box: [0.42, 0.14, 0.6, 0.34] },
  { path: 'photos/flower-q85-420.jpg', subject: 'the yellow heart of the central daisy', box: [0.52, 0.44, 0.66, 0.64] },
  { path: 'alpha/flyingkonqui-2560x1600-alpha.png', subject: 'Konqui, top right', box: [0.6, 0.12, 0.78, 0.4] },
  { path: 'alpha/goldfish-3640x2400-alpha.png', subject: 'the goldfish’s head', box: [0.52, 0.3, 0.68, 0.58] },
  { path: 'photos/FreshFlower.jpg', subject: 'the bright petal below the centre', box: [0.4, 0.45, 0.6, 0.72] },
  { path: 'photos/honeywave-5120x2880.jpg', subject: 'the orange shape, right', box: [0.66, 0.3, 0.84, 0.75] },
  { path: 'photos/Storm.jpg', subject: 'the road and its guard rail, bottom', box: [0, 0.66, 1, 0.95] },
];

const crops = { 'narrow 1:3': 'width=100,height=300', 'wide 3:1': 'width=300,height=100' } as const;

type Outcome = 'kept' | 'cut' | 'n/a';

/** Whether the plan's crop holds the box (n/a when the box is larger than the crop on an axis). */
function outcome(plan: TransformPlan, box: Box): Outcome {
  const { crop } = plan.geometry;
  const { region } = plan;
  const [l, t, r, b] = [box[0] * region.width, box[1] * region.height, box[2] * region.width, box[3] * region.height];
  if (r - l > crop.width || b - t > crop.height) return 'n/a';
  return crop.x <= l && crop.x + crop.width >= r && crop.y <= t && crop.y + crop.height >= b ? 'kept' : 'cut';
}

/**
 * What this implementation gives today, measured and checked by eye (bench/README.md): a change that loses a subject
 * fails here. The misses are listed, not hidden.
 */
const expected: Record<string, Partial<Record<keyof typeof crops, Outcome>>> = {
  // The strip (rows 0.23..0.48) sits on the man's body: the top of the face is cut.
  'photos/phone-13mp.jpg': { 'wide 3:1': 'cut' },
  // A near miss: the strip (columns 0.54..0.76) cuts the heart's left edge (0.52).
  'photos/flower-q85-420.jpg': { 'narrow 1:3': 'cut' },
  // The strip (columns 0.43..0.65) centres on the whole fish, fins and tail included, and cuts the head's front.
  'alpha/goldfish-3640x2400-alpha.png': { 'narrow 1:3': 'cut' },
  // The strip (rows 0.03..0.62) is too high for the orange shape (0.30..0.75).
  'photos/honeywave-5120x2880.jpg': { 'wide 3:1': 'cut' },
};

describe.skipIf(!corpusAvailable)('gravity=auto on labelled corpus photos', () => {
  it('keeps the labelled subject inside narrow and wide crops (table printed for bench/README.md)', { timeout: 120_000 }, async () => {
    const rows: string[] = ['| photo | subject (box, 0..1) | crop | centre crop | gravity=auto |', '|---|---|---|---|---|'];
    const results: Record<string, Record<string, Outcome>> = {};
    for (const { path, subject, box } of labelled) {
      const master = await corpusFile(path);
      const info = readImageHeader(master);
      results[path] = {};
      for (const [name, segment] of Object.entries(crops)) {
        const centre = planTransform(info, parseOptions(`${segment},fit=cover`, defaults), defaults);
        const options = parseOptions(`${segment},fit=cover,gravity=auto`, defaults);
        const plan = planTransform(info, options, defaults);
        const auto = await refinePlan(() => master.slice().buffer, { info, options, plan, limits: { ...defaults, ...inputLimits(defaults) } });
        const got = outcome(auto, box);
        results[path][name] = got;
        rows.push(`| ${path} | ${subject} (${box.join(', ')}) | ${name} | ${outcome(centre, box)} | ${got} |`);
      }
    }
    console.log(rows.join('\n'));
    for (const { path } of labelled) {
      for (const name of Object.keys(crops)) {
        const want = expected[path]?.[name as keyof typeof crops];
        if (want !== undefined) expect(`${path} ${name}: ${results[path]![name]}`).toBe(`${path} ${name}: ${want}`);
        else expect(`${path} ${name}: ${results[path]![name]}`).not.toBe(`${path} ${name}: cut`);
      }
    }
  });
});

if (!corpusAvailable) console.warn('prepass-corpus: the shared corpus is absent, the labelled-photo check is skipped');
