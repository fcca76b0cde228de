/**
 * Account discovery (RFC 6764 §6, RFC 5397, RFC 4791 §6.2.1):
 * `/.well-known/caldav` (then the URL itself) → current-user-principal → calendar-home-set, and the
 * principal's calendar-user-address-set (RFC 6638 §2.4.1: the account's own addresses).
 * The home may live on another host (iCloud's partition host); every href is resolved against the
 * URL that actually answered, after redirects.
 */
import { CalDavError } from './errors.ts';
import { propfind, type PropName } from './propfind.ts';
import type { CalDavTransport } from './transport.ts';
import { canonicalUrl, childrenNamed, child, foundProp, NS, parseMultistatus, sameResource, type Multistatus } from './xml.ts';

export interface DiscoveredAccount {
  principalUrl: string;
  /** The first (own) calendar home. */
  calendarHomeUrl: string;
  /** All homes the principal names — SOGo lists shared and organisation homes after the own one. */
  calendarHomeUrls: string[];
  /** The principal's calendar-user-address-set as listed (mailto: and urn:uuid: forms); empty when the server names none. */
  selfAddresses: string[];
}

const PRINCIPAL: PropName = [NS.DAV, 'current-user-principal'];
const HOME_SET: PropName = [NS.CALDAV, 'calendar-home-set'];
const ADDRESS_SET: PropName = [NS.CALDAV, 'calendar-user-address-set'];

/**
 * The calendar-user-address-set values in a PROPFIND answer, as written: they are addresses
 * (mailto:…, urn:uuid:…), not URLs to resolve. Pure.
 */
export function addressesIn(multistatus: Multistatus): string[] {
  for (const response of multistatus.responses) {
    const element = foundProp(response, ADDRESS_SET[0], ADDRESS_SET[1]);
    if (element === null) continue;
    const values = childrenNamed(element, NS.DAV, 'href')
      .map((h) => addressFromHref(h.text.trim()))
      .filter((h) => h !== '');
    if (values.length > 0) return [...new Set(values)];
  }
  return [];
}

/**
 * An address as the server wrote it, except one whose scheme's colon is percent-encoded: Xandikos
 * quotes the whole value like a path (`mailto%3Aann%40example.org`), which is no address at all.
 */
export function addressFromHref(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*%3a/i.test(value)) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The principal's own addresses (asked again on refresh: an Apple ID may gain an address). */
export async function readSelfAddresses(p: { principalUrl: string; transport: CalDavTransport }): Promise<string[]> {
  const { multistatus } = await propfind({ transport: p.transport, url: p.principalUrl, depth: '0', props: [ADDRESS_SET] });
  return addressesIn(multistatus);
}

function hrefsIn(multistatus: Multistatus, prop: PropName, answeredUrl: string): string[] {
  for (const response of multistatus.responses) {
    const element = foundProp(response, prop[0], prop[1]);
    if (element === null) continue;
    if (child(element, NS.DAV, 'unauthenticated') !== null) {
      // Some servers answer 207 to an unauthenticated PROPFIND and say so only here.
      throw new CalDavError({ kind: 'unauthorized', url: answeredUrl, message: 'the server treats this request as unauthenticated' });
    }
    const hrefs = childrenNamed(element, NS.DAV, 'href')
      .map((h) => h.text.trim())
      .filter((h) => h !== '')
      .map((h) => canonicalUrl(h, answeredUrl));
    if (hrefs.length > 0) return hrefs;
  }
  return [];
}

/** The current-user-principal URL in a PROPFIND answer, or null. Pure; `url` is the URL that answered. */
export function parseCurrentUserPrincipal(p: { body: string; url: string }): string | null {
  return hrefsIn(parseMultistatus(p), PRINCIPAL, p.url)[0] ?? null;
}

/** The calendar-home-set URLs in a PROPFIND answer, in server order (may be several, or none). */
export function parseCalendarHomeSet(p: { body: string; url: string }): string[] {
  return hrefsIn(parseMultistatus(p), HOME_SET, p.url);
}

function discoveryStartUrls(serverUrl: string): string[] {
  let base: URL;
  try {
    base = new URL(serverUrl);
  } catch (cause) {
    throw new CalDavError({ kind: 'blocked_address', url: serverUrl, message: 'the server URL is not a valid URL', cause });
  }
  const wellKnown = new URL('/.well-known/caldav', base).href;
  return wellKnown === base.href ? [wellKnown] : [wellKnown, base.href];
}

/** Errors after which the next start URL is worth trying: this URL is just not a DAV endpoint. */
function tryNextStartUrl(error: unknown): error is CalDavError {
  return error instanceof CalDavError && ['not_found', 'invalid_response', 'forbidden', 'server_error'].includes(error.kind);
}

export async function discoverAccount(p: { serverUrl: string; transport: CalDavTransport }): Promise<DiscoveredAccount> {
  let principalUrl: string | null = null;
  let homes: string[] = [];
  let addresses: string[] = [];
  let lastError: CalDavError | null = null;

  for (const startUrl of discoveryStartUrls(p.serverUrl)) {
    try {
      const { response, multistatus } = await propfind({
        transport: p.transport,
        url: startUrl,
        depth: '0',
        props: [PRINCIPAL, HOME_SET, ADDRESS_SET],
      });
      principalUrl = hrefsIn(multistatus, PRINCIPAL, response.url)[0] ?? null;
      const homesHere = hrefsIn(multistatus, HOME_SET, response.url);
      // A server without RFC 5397 support may still name the home right here.
      if (principalUrl === null && homesHere.length > 0) principalUrl = canonicalUrl(response.url, response.url);
      if (principalUrl !== null && sameResource(principalUrl, response.url)) {
        homes = homesHere;
        addresses = addressesIn(multistatus);
      }
      if (principalUrl !== null) break;
    } catch (error) {
      if (!tryNextStartUrl(error)) throw error;
      lastError = error;
    }
  }
  if (principalUrl === null) {
    throw lastError ?? new CalDavError({ kind: 'not_found', url: p.serverUrl, message: 'the server names no current-user-principal' });
  }

  if (homes.length === 0) {
    const { response, multistatus } = await propfind({
      transport: p.transport,
      url: principalUrl,
      depth: '0',
      props: [HOME_SET, ADDRESS_SET],
    });
    homes = hrefsIn(multistatus, HOME_SET, response.url);
    addresses = addressesIn(multistatus);
  }
  const [calendarHomeUrl] = homes;
  if (calendarHomeUrl === undefined) {
    throw new CalDavError({ kind: 'not_found', url: principalUrl, message: 'the principal names no calendar-home-set' });
  }
  return { principalUrl, calendarHomeUrl, calendarHomeUrls: homes, selfAddresses: addresses };
}
