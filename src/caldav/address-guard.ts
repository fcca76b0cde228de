/**
 * Server-side request forgery guard. Users type CalDAV server URLs, and servers answer with
 * redirects and absolute hrefs; without this check a connection could make Tandem probe its own
 * network (databases, cloud metadata endpoints). Every hop is checked before it is fetched.
 *
 * CALDAV_ALLOW_PRIVATE_NETWORKS opens loopback and private ranges (a Radicale on the LAN); link-local
 * addresses and cloud metadata endpoints stay refused whatever it says — nothing legitimate serves
 * CalDAV there, and the metadata service hands out cloud credentials.
 *
 * The transport checks the addresses inside the socket's own DNS lookup (`pinnedLookup`), so the
 * address checked is the address connected to: a DNS answer that changes in between (rebinding)
 * has no window.
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
  // Alibaba Cloud's metadata service (inside the carrier-grade NAT range below).
  ['100.100.100.200', 32, 'cloud_metadata'],
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

/** Refused even with CALDAV_ALLOW_PRIVATE_NETWORKS. */
const ALWAYS_REFUSED: ReadonlySet<BlockedAddressReason> = new Set(['link_local', 'cloud_metadata', 'invalid']);

/** Names of cloud metadata services, refused before any lookup (they resolve to link-local addresses). */
const METADATA_HOSTNAMES: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
]);

/** Why this address must not be contacted under the given setting, or null when it may be. */
export function refusalFor(address: string, allowPrivateNetworks: boolean): BlockedAddressReason | null {
  const reason = classifyAddress(address);
  if (reason === null) return null;
  return allowPrivateNetworks && !ALWAYS_REFUSED.has(reason) ? null : reason;
}

function refused(url: string, host: string, address: string, reason: BlockedAddressReason): CalDavError {
  return new CalDavError({
    kind: 'blocked_address',
    url,
    message: `refusing to connect to ${host} (${address}: ${reason.replace(/_/g, ' ')} address)`,
  });
}

/** A host name that names a cloud metadata service, checked without resolving it. */
export function isMetadataHostname(hostname: string): boolean {
  return METADATA_HOSTNAMES.has(hostname.toLowerCase().replace(/\.$/, ''));
}

/**
 * The checks that need no DNS: metadata host names, and IP literals (a socket to a literal does
 * no lookup, so `pinnedLookup` never sees it). Throws CalDavError 'blocked_address'.
 */
export function assertAllowedHost(url: URL, allowPrivateNetworks: boolean): void {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isMetadataHostname(host)) {
    throw new CalDavError({ kind: 'blocked_address', url: url.href, message: `refusing to connect to ${host} (cloud metadata service)` });
  }
  // RFC 6761: localhost names are loopback whatever DNS says; refused without asking it.
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!allowPrivateNetworks && (name === 'localhost' || name.endsWith('.localhost')))
    throw refused(url.href, host, '127.0.0.1', 'loopback');
  if (isIP(host) === 0) return;
  const reason = refusalFor(host, allowPrivateNetworks);
  if (reason !== null) throw refused(url.href, host, host, reason);
}

/** The options Node's net/tls `lookup` hook receives. */
interface LookupHookOptions {
  family?: number | string;
  all?: boolean;
}
type LookupHookCallback = (error: Error | null, address: string | Array<{ address: string; family: number }>, family?: number) => void;
export type PinnedLookup = (hostname: string, options: LookupHookOptions, callback: LookupHookCallback) => void;

/**
 * A `lookup` for sockets (net.connect / tls.connect, undici's `connect` option): resolves the
 * name, refuses it unless every address is allowed, and hands exactly the checked addresses to
 * the socket — the check and the connection use one DNS answer.
 */
export function pinnedLookup(options: { allowPrivateNetworks: boolean; lookup?: HostLookup }): PinnedLookup {
  const resolve = options.lookup ?? systemLookup;
  return (hostname, hookOptions, callback) => {
    const check = async (): Promise<string[]> => {
      if (isMetadataHostname(hostname)) {
        throw new CalDavError({
          kind: 'blocked_address',
          url: hostname,
          message: `refusing to connect to ${hostname} (cloud metadata service)`,
        });
      }
      let addresses: string[];
      try {
        addresses = await resolve(hostname);
      } catch (cause) {
        throw new CalDavError({ kind: 'network', url: hostname, message: `could not resolve ${hostname}`, cause });
      }
      if (addresses.length === 0) throw new CalDavError({ kind: 'network', url: hostname, message: `${hostname} has no addresses` });
      for (const address of addresses) {
        const reason = refusalFor(address, options.allowPrivateNetworks);
        if (reason !== null) throw refused(hostname, hostname, address, reason);
      }
      const family = hookOptions.family === 'IPv4' ? 4 : hookOptions.family === 'IPv6' ? 6 : Number(hookOptions.family ?? 0);
      const usable = family === 4 || family === 6 ? addresses.filter((a) => isIP(a) === family) : addresses;
      if (usable.length === 0)
        throw new CalDavError({ kind: 'network', url: hostname, message: `${hostname} has no IPv${family} address` });
      return usable;
    };
    check().then(
      (addresses) => {
        if (hookOptions.all)
          callback(
            null,
            addresses.map((address) => ({ address, family: isIP(address) })),
          );
        else callback(null, addresses[0] ?? '', isIP(addresses[0] ?? ''));
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    );
  };
}

const systemLookup: HostLookup = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

/**
 * Throws CalDavError 'blocked_address' unless every address the URL's host resolves to is allowed
 * (public, or private with `allowPrivateNetworks`). All addresses are checked, not just the first:
 * a connection may use any of them. The transport uses `pinnedLookup` instead; this is for callers
 * that only want to know.
 */
export async function assertPublicAddress(p: { url: URL; lookup?: HostLookup; allowPrivateNetworks?: boolean }): Promise<void> {
  const host = p.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const allowPrivate = p.allowPrivateNetworks ?? false;
  assertAllowedHost(p.url, allowPrivate);
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
    const reason = refusalFor(address, allowPrivate);
    if (reason !== null) throw refused(p.url.href, host, address, reason);
  }
}
