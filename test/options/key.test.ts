import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/http/problem.js';
import { decodeKey, validateKey } from '../../src/options/key.js';

describe('master keys', () => {
  it.each(['a.jpg', 'photos/2024/cat.jpg', 'ünïcödé/日本.png', 'with space.jpg', 'a'.repeat(512)])('accepts %s', (key) => {
    expect(validateKey(key)).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(513)],
    ['too long in UTF-8 bytes', 'é'.repeat(257)],
    ['a leading slash', '/a.jpg'],
    ['an empty segment', 'a//b.jpg'],
    ['a trailing slash', 'a/'],
    ['a dot segment', 'a/./b.jpg'],
    ['a dot-dot segment', 'a/../b.jpg'],
    ['only dot-dot', '..'],
    ['a backslash', 'a\\b.jpg'],
    ['NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a lone surrogate', 'a\ud800b'],
  ])('refuses %s', (_, key) => {
    expect(() => validateKey(key)).toThrow(ImageError);
    try {
      validateKey(key);
    } catch (error) {
      expect((error as ImageError).status).toBe(400);
    }
  });

  it('percent-decodes exactly once', () => {
    expect(decodeKey('a%20b.jpg')).toBe('a b.jpg');
    expect(decodeKey('a%252E.jpg')).toBe('a%2E.jpg');
    expect(() => decodeKey('a/%2E%2E/b.jpg')).toThrow(/segments/);
    expect(() => decodeKey('%E0%A4%A')).toThrow(/percent-encoded/);
  });
});
