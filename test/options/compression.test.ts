/** compression=fast: the format it picks for format=auto. Pure. */
import { describe, expect, it } from 'vitest';
import { FAST_AVIF_SPEED, FAST_WEBP_METHOD, fastFormat } from '../../src/options/compression.js';

describe('fastFormat', () => {
  it.each<[string | null, boolean, string]>([
    ['image/avif,image/webp,*/*', false, 'baseline-jpeg'],
    [null, false, 'baseline-jpeg'],
    ['image/avif,image/webp,*/*', true, 'webp'],
    ['image/avif,*/*', true, 'png'],
    ['image/webp;q=0', true, 'png'],
    [null, true, 'png'],
  ])('Accept %j, alpha %s → %s', (accept, hasAlpha, format) => {
    expect(fastFormat({ accept, hasAlpha })).toBe(format);
  });

  it('names the encoders’ fastest settings', () => {
    expect(FAST_WEBP_METHOD).toBe(0);
    expect(FAST_AVIF_SPEED).toBe(10);
  });
});
