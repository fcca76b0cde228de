/**
 * Server-side request forgery guard. Users type CalDAV server URLs, and servers answer with
 * redirects and absolute hrefs; without this check a connection could make Tandem probe its own
 * network (databases, cloud metadata endpoints). Every hop is checked before it is fetched.
 *
 * Known limit: the address is resolved here and again by fetch, so a DNS answer that changes in
 * between (rebinding) is not caught; Node's global fetch offers no way to pin the address.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CalDavError } from './errors.ts';

export type BlockedAddressReason =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'carrier_grade_nat'
  | 'link_local'
  | 'cloud_metadata'
  | 'unique_local'
  | 'site_local'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'invalid';

export type HostLookup = (hostname: string) => Promise<string[]>;

type V4Rule = readonly [network: string, prefix: number, reason: BlockedAddressReason];
type V6Rule = readonly [network: string, prefix: number, reason: BlockedAddressReason];

// Most specific first: 169.254.169.254 is link-local too, but saying "metadata" explains the refusal.
const V4_RULES: readonly V4Rule[] = [
  ['169.254.169.254', 32, 'cloud_metadata'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier_grade_nat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link_local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6_RULES: readonly V6Rule[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fd00:ec2::254', 128, 'cloud_metadata'],
  ['100::', 64, 'reserved'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique_local'],
  ['fe80::', 10, 'link_local'],
  ['fec0::', 10, 'site_local'],
  ['ff00::', 8, 'multicast'],
];

function parseV4(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** Eight 16-bit groups; accepts `::` compression, an embedded dotted quad and a `%zone` suffix. */
function parseV6(address: string): number[] | null {
  let text = (address.split('%')[0] ?? '').toLowerCase();
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // Rewrite a trailing dotted quad (::ffff:127.0.0.1) as its two hex groups.
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const toGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const groups = s.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
    return groups.some(Number.isNaN) ? null : groups;
  };
  const head = toGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function v6Matches(groups: number[], network: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 16) {
    const take = Math.min(16, prefix - bit);
    const mask = (0xffff << (16 - take)) & 0xffff;
    const index = bit / 16;
    if (((groups[index] ?? 0) & mask) !== ((network[index] ?? 0) & mask)) return false;
  }
  return true;
}

// The rule tables in numeric form, parsed once.
const V4_RANGES = V4_RULES.map(([network, prefix, reason]) => ({ base: parseV4(network) ?? 0, size: 2 ** (32 - prefix), reason }));
const V6_RANGES = V6_RULES.map(([network, prefix, reason]) => ({ groups: parseV6(network) ?? [], prefix, reason }));

function classifyV4(value: number): BlockedAddressReason | null {
  if (value === 0xffffffff) return 'reserved';
  return V4_RANGES.find((r) => value >= r.base && value < r.base + r.size)?.reason ?? null;
}

/** The IPv4 address a v6 address stands for, where a v6 route would reach a v4 host. */
function embeddedV4(groups: number[]): number | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const v4 = (hi: number, lo: number) => hi * 65536 + lo;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible form; `::` and `::1` handled above).
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) return v4(g6, g7);
  // 64:ff9b::/96 — NAT64 translates to the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4(g6, g7);
  // 2002::/16 — 6to4 carries the IPv4 address in groups 1–2.
  if (g0 === 0x2002) return v4(g1, g2);
  return null;
}

/**
 * Why an address must not be contacted, or null when it is a public address.
 * Pure: takes a literal IPv4/IPv6 address (no host names).
 */
export function classifyAddress(address: string): BlockedAddressReason | null {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 4) {
    const value = parseV4(address);
    return value === null ? 'invalid' : classifyV4(value);
  }
  if (family !== 6) return 'invalid';
  const groups = parseV6(address);
  if (groups === null) return 'invalid';
  const rule = V6_RANGES.find((r) => v6Matches(groups, r.groups, r.prefix));
  if (rule) return rule.reason;
  const v4 = embeddedV4(groups);
  return v4 === null ? null : classifyV4(v4);
}

const systemLookup: HostLookup = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

/**
 * Throws CalDavError 'blocked_address' unless every address the URL's host resolves to is public.
 * All addresses are checked, not just the first: fetch may connect to any of them.
 */
export async function assertPublicAddress(p: { url: URL; lookup?: HostLookup }): Promise<void> {
  const host = p.url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await (p.lookup ?? systemLookup)(host);
    } catch (cause) {
      throw new CalDavError({
        kind: 'network',
        url: p.url.href,
        message: `could not resolve ${host}`,
        cause,
      });
    }
    if (addresses.length === 0) {
      throw new CalDavError({ kind: 'network', url: p.url.href, message: `${host} has no addresses` });
    }
  }
  for (const address of addresses) {
    const reason = classifyAddress(address);
    if (reason !== null) {
      throw new CalDavError({
        kind: 'blocked_address',
        url: p.url.href,
        message: `refusing to connect to ${host} (${address}: ${reason.replace(/_/g, ' ')} address)`,
      });
    }
  }
}
