/**
 * The one check every new master passes, whether uploaded or pulled from an origin: its header (type, size limits,
 * polyglots: upload-checks.ts), then a decode end to end at the smallest scale the format allows, under the isolate's
 * codec gate and the transform path's own budgets (pipeline/validate.ts). Nothing is stored before it passes.
 */
import { type Config, inputLimits } from '../config.js';
import type { MasterInfo } from '../options/types.js';
import { validateByDecoding } from '../pipeline/validate.js';
import { codecGate } from './transform-gate.js';
import { inspectUpload } from './upload-checks.js';

export async function validateMaster(bytes: Uint8Array, declaredType: string | undefined, config: Config): Promise<MasterInfo> {
  const limits = inputLimits(config);
  const header = inspectUpload(bytes, declaredType, limits);
  await codecGate(config.maxQueuedTransforms).run(() => validateByDecoding(bytes, header, limits));
  const { format, width, height, hasAlpha, animated, orientation } = header;
  return { format, width, height, hasAlpha, animated, orientation };
}
