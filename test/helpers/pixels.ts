/** Synthetic pixels and the checks the codec tests share. */
import { expect } from 'vitest';
import type { Pixels } from '../../src/pipeline/pixels/rgba.js';
import { CodecError, type CodecErrorCode } from '../../src/pipeline/codec/index.js';

/**
 * A width×height gradient: red across, green down, and a sine in blue so no two rows are alike (`fine` makes it a
 * short-wavelength texture, for resampling tests). `alpha` makes alpha a diagonal ramp from 0 to 255.
 */
export function gradient(width: number, height: number, options: { alpha?: boolean; fine?: boolean } = {}): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (255 * x) / width;
      data[i + 1] = (255 * y) / height;
      data[i + 2] = options.fine ? 128 + 120 * Math.sin((x * 3 + y) / 5) : 128 + 100 * Math.sin((x + y) / 9);
      data[i + 3] = options.alpha ? (255 * (x + y)) / (width + height - 2 || 1) : 255;
    }
  }
  return { data, width, height };
}

/** The error `call` throws, checked to be a CodecError (with `code`, when given). */
export function scaledFailure(call: () => unknown, code?: CodecErrorCode): CodecError {
  let caught: unknown;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CodecError);
  if (code) expect((caught as CodecError).code).toBe(code);
  return caught as CodecError;
}
