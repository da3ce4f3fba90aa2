/** width=auto: client hints to one of Cloudflare's four widths. Pure. */
import { describe, expect, it } from 'vitest';
import { autoWidth, hintedWidth } from '../../src/options/client-hints.js';

describe('autoWidth', () => {
  it.each<[Record<string, string>, number]>([
    [{}, 1200],
    [{ 'Sec-CH-Width': '300' }, 320],
    [{ 'Sec-CH-Width': '320' }, 320],
    [{ 'Sec-CH-Width': '321' }, 768],
    [{ 'Sec-CH-Width': '900.5' }, 960],
    [{ 'Sec-CH-Width': '5000' }, 1200],
    [{ 'Sec-CH-Viewport-Width': '390', 'Sec-CH-DPR': '2' }, 960],
    [{ 'Sec-CH-Viewport-Width': '390' }, 768],
    [{ 'Sec-CH-Viewport-Width': '1024', 'Sec-CH-DPR': '1' }, 1200],
    [{ 'Viewport-Width': '300', DPR: '1' }, 320],
    [{ Width: '700' }, 768],
    [{ 'Sec-CH-Width': '300', 'Sec-CH-Viewport-Width': '1920' }, 320],
    // malformed hints are ignored
    [{ 'Sec-CH-Width': '-5' }, 1200],
    [{ 'Sec-CH-Width': '1e3' }, 1200],
    [{ 'Sec-CH-Width': 'abc', 'Sec-CH-Viewport-Width': '300' }, 320],
    [{ 'Sec-CH-Viewport-Width': '300', 'Sec-CH-DPR': '0' }, 320],
    [{ 'Sec-CH-Width': '0' }, 1200],
  ])('%j → %i', (headers, width) => {
    expect(autoWidth(new Headers(headers), 8192)).toBe(width);
  });

  it('never goes over the output limit', () => {
    expect(autoWidth(new Headers(), 1000)).toBe(1000);
  });

  it('multiplies the viewport by the DPR hint', () => {
    expect(hintedWidth(new Headers({ 'Sec-CH-Viewport-Width': '400', 'Sec-CH-DPR': '2.5' }))).toBe(1000);
    expect(hintedWidth(new Headers())).toBeUndefined();
  });
});
