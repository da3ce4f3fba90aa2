/**
 * CSS colours for `background`. Expected values are CSS Color 4's own examples and definitions (named colours from its
 * table, hsl() by its conversion algorithm: e.g. hsl(120 100% 25%) is rgb(0 128 0), the spec's "green" example).
 */
import { describe, expect, it } from 'vitest';
import { parseCssColour } from '../../src/options/css-colour.js';

const rgba = (r: number, g: number, b: number, a = 255) => ({ r, g, b, a });

describe('parseCssColour', () => {
  it.each([
    ['red', rgba(255, 0, 0)],
    ['RebeccaPurple', rgba(102, 51, 153)],
    ['cornflowerblue', rgba(100, 149, 237)],
    ['transparent', rgba(0, 0, 0, 0)],
    ['#f00', rgba(255, 0, 0)],
    ['%23f008', rgba(255, 0, 0, 136)],
    ['#1a2b3c', rgba(26, 43, 60)],
    ['#1A2B3C80', rgba(26, 43, 60, 128)],
    ['rgb(255,0,10)', rgba(255, 0, 10)],
    ['rgb(255, 0, 10)', rgba(255, 0, 10)],
    ['rgb(255 0 10)', rgba(255, 0, 10)],
    ['rgb(255 0 10 / 0.5)', rgba(255, 0, 10, 128)],
    ['rgb(100% 0% 50% / 25%)', rgba(255, 0, 128, 64)],
    ['rgba(1,2,3,0.2)', rgba(1, 2, 3, 51)],
    ['rgba(1,2,3)', rgba(1, 2, 3)],
    ['hsl(0, 100%, 50%)', rgba(255, 0, 0)],
    ['hsl(120 100% 25%)', rgba(0, 128, 0)],
    ['hsl(240deg 100% 50% / 50%)', rgba(0, 0, 255, 128)],
    ['hsl(0.5turn 100% 50%)', rgba(0, 255, 255)],
    ['hsl(-120, 100%, 50%)', rgba(0, 0, 255)],
    ['hsla(60, 100%, 50%, 1)', rgba(255, 255, 0)],
    ['hsl(0 0% 100%)', rgba(255, 255, 255)],
  ])('%s', (text, expected) => {
    expect(parseCssColour(text)).toEqual(expected);
  });

  it.each([
    '', 'fff', '#ff', '#fffff', '#ggg', 'notacolour', 'constructor', '__proto__', 'rgb(256,0,0)', 'rgb(-1,0,0)',
    'rgba(0,0,0,1.5)', 'rgb(0,0)', 'rgb(1 2 3 4)', 'rgb(1,2 3)', 'rgb(1,2,3', 'rgb(1, 2, 3,)', 'rgb(1 2 3 / )',
    'hsl(120,100,25)', 'hsl(a 1% 1%)', 'hsl(1 101% 1%)', 'cmyk(0,0,0,0)', `rgb(${'1'.repeat(80)},0,0)`,
  ])('refuses %j', (text) => {
    expect(parseCssColour(text)).toBeNull();
  });
});
