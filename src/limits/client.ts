/**
 * Who a request is charged to: its client IP (IPv6 grouped by /64, the unit one subscriber usually holds),
 * and whether that IP is exempt. Pure: no Workers imports.
 */

export const UNKNOWN_CLIENT = 'unknown';

/** Parses an IPv4 address into its 32-bit value, or null. */
function ipv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

/** Parses an IPv6 address (with `::`, and an embedded IPv4 tail) into eight 16-bit groups, or null. */
function ipv6(text: string): number[] | null {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (half: string): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4(piece);
        if (v4 === null) return null;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** The bucket a client IP is charged to: the IPv4 address, or the IPv6 /64 prefix; `unknown` without one. */
export function clientKey(ip: string | null | undefined): string {
  if (!ip) return UNKNOWN_CLIENT;
  const v4 = ipv4(ip);
  if (v4 !== null) return ip;
  const v6 = ipv6(ip);
  if (!v6) return UNKNOWN_CLIENT;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 client.
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) {
    return `${v6[6]! >>> 8}.${v6[6]! & 255}.${v6[7]! >>> 8}.${v6[7]! & 255}`;
  }
  return `${v6.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** A parsed `QUOTA_EXEMPT` entry. */
export interface Range {
  family: 4 | 6;
  bits: number[];
  prefix: number;
}

function bitsOf(groups: number[], width: number): number[] {
  return groups.flatMap((g) => Array.from({ length: width }, (_, i) => (g >>> (width - 1 - i)) & 1));
}

/** Parses `QUOTA_EXEMPT` (comma-separated IPs and CIDRs); throws on an entry it cannot read. */
export function parseExemptions(list: string | undefined): Range[] {
  if (!list || !list.trim()) return [];
  return list.split(',').map((raw) => {
    const entry = raw.trim();
    const [address, prefixText] = entry.split('/');
    const v4 = ipv4(address!);
    const v6 = v4 === null ? ipv6(address!) : null;
    if (v4 === null && !v6) throw new Error(`QUOTA_EXEMPT: ${entry} is not an IP address or CIDR`);
    const family = v4 !== null ? 4 : 6;
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
      throw new Error(`QUOTA_EXEMPT: ${entry} has a bad prefix length`);
    }
    const bits = family === 4 ? bitsOf([v4!], 32) : bitsOf(v6!, 16);
    return { family, bits, prefix };
  });
}

export function isExempt(ip: string | null | undefined, ranges: Range[]): boolean {
  if (!ip || ranges.length === 0) return false;
  const v4 = ipv4(ip);
  const v6 = v4 === null ? ipv6(ip) : null;
  if (v4 === null && !v6) return false;
  const bits = v4 !== null ? bitsOf([v4], 32) : bitsOf(v6!, 16);
  const family = v4 !== null ? 4 : 6;
  return ranges.some((range) => range.family === family && range.bits.slice(0, range.prefix).every((b, i) => b === bits[i]));
}
