import { describe, expect, it } from 'vitest';
import { clientKey, isExempt, parseExemptions } from '../../src/limits/client.js';

describe('clientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:ffff::1', '2001:db8:1:2::/64'],
    ['::ffff:198.51.100.4', '198.51.100.4'],
    ['::1', '0:0:0:0::/64'],
    [null, 'unknown'],
    ['', 'unknown'],
    ['not an ip', 'unknown'],
    ['1.2.3.256', 'unknown'],
    ['1:2:3:4:5:6:7:8:9', 'unknown'],
    ['1::2::3', 'unknown'],
  ])('%s → %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });

  it('puts two addresses of one /64 in one bucket and a neighbouring /64 in another', () => {
    expect(clientKey('2001:db8:aa:bb::1')).toBe(clientKey('2001:db8:aa:bb:ffff:ffff:ffff:ffff'));
    expect(clientKey('2001:db8:aa:bb::1')).not.toBe(clientKey('2001:db8:aa:bc::1'));
  });
});

describe('QUOTA_EXEMPT', () => {
  const ranges = parseExemptions('192.0.2.10, 198.51.100.0/24,2001:db8:5::/48');

  it.each([
    ['192.0.2.10', true],
    ['192.0.2.11', false],
    ['198.51.100.200', true],
    ['198.51.101.1', false],
    ['2001:db8:5:ffff::1', true],
    ['2001:db8:6::1', false],
    [null, false],
    ['garbage', false],
  ])('%s exempt: %s', (ip, expected) => {
    expect(isExempt(ip, ranges)).toBe(expected);
  });

  it('is empty when unset', () => {
    expect(parseExemptions(undefined)).toEqual([]);
    expect(parseExemptions(' ')).toEqual([]);
  });

  it.each(['10.0.0.0/33', 'nope', '10.0.0.1/x', '::/129'])('refuses %s', (entry) => {
    expect(() => parseExemptions(entry)).toThrow(/QUOTA_EXEMPT/);
  });
});
