/**
 * Calendar listing: a Depth-1 PROPFIND of the calendar home, reduced to the calendars a user may
 * pick. Left out: the home itself, scheduling inbox/outbox, notification and plain collections,
 * and lists that hold no events (iCloud's "Reminders" is VTODO-only). Subscribed (webcal)
 * calendars stay in, marked not connectable, so the UI can show them greyed out with the reason.
 */
import { CalDavError } from './errors.ts';
import { propfind, type PropName } from './propfind.ts';
import type { CalDavTransport } from './transport.ts';
import {
  canonicalUrl,
  childrenNamed,
  foundProp,
  foundText,
  NS,
  parseMultistatus,
  primaryHref,
  sameResource,
  type DavResponse,
  type Multistatus,
} from './xml.ts';

export interface RemoteCalendarInfo {
  url: string;
  displayName: string;
  color: string | null;
  components: string[];
  writable: boolean;
  subscribed: boolean;
  connectable: boolean;
  notConnectableReason: string | null;
  /** RFC 6638 schedule-calendar-transp is `transparent`: its events do not affect availability (absent = opaque). */
  transparent: boolean;
}

/** What a calendar without supported-calendar-component-set supports (RFC 4791 §5.2.3: everything). */
export const ALL_COMPONENTS: readonly string[] = ['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY'];

export const SUBSCRIBED_REASON = 'subscribed calendars cannot be connected';

/**
 * What a listing asks of each calendar: what the user picks by and what decides whether it can be
 * picked. Not getctag or sync-token: a server may compute those from every item of the calendar
 * (Radicale reads all of them — about a second for 5,000 events, per calendar, on every listing),
 * and Tandem never uses a listed one: the sync engine's first sync-collection returns its own token
 * (store-calendar-list.ts stores no listed position on purpose).
 */
export const CALENDAR_LIST_PROPS: readonly PropName[] = [
  [NS.DAV, 'displayname'],
  [NS.DAV, 'resourcetype'],
  [NS.CALDAV, 'supported-calendar-component-set'],
  [NS.APPLE_ICAL, 'calendar-color'],
  [NS.DAV, 'current-user-privilege-set'],
  [NS.CALENDARSERVER, 'source'],
  [NS.CALDAV, 'schedule-calendar-transp'],
];

const WRITE_PRIVILEGES = new Set(['write', 'write-content', 'all']);

/** `#RRGGBBAA` (Apple) → `#RRGGBB`; anything that is not a hex colour → null (it ends up in CSS). */
export function normaliseColor(raw: string | null): string | null {
  if (raw === null) return null;
  const match = /^#([0-9a-f]{6})(?:[0-9a-f]{2})?$/i.exec(raw.trim());
  return match ? `#${(match[1] as string).toUpperCase()}` : null;
}

function resourceTypes(response: DavResponse): Array<{ ns: string; name: string }> {
  return foundProp(response, NS.DAV, 'resourcetype')?.children ?? [];
}

function isCalendarType(t: { ns: string; name: string }): boolean {
  // Some servers (per Stalwart's fixtures) put `calendar` in Apple's namespace; accept it there too.
  return t.name === 'calendar' && (t.ns === NS.CALDAV || t.ns === NS.APPLE_ICAL);
}

function components(response: DavResponse): string[] {
  const set = foundProp(response, NS.CALDAV, 'supported-calendar-component-set');
  if (set === null) return [...ALL_COMPONENTS];
  return childrenNamed(set, NS.CALDAV, 'comp')
    .map((c) => (c.attributes.name ?? '').trim().toUpperCase())
    .filter((name) => name !== '');
}

function privileges(response: DavResponse): Set<string> | null {
  const set = foundProp(response, NS.DAV, 'current-user-privilege-set');
  if (set === null) return null;
  const names = new Set<string>();
  for (const privilege of childrenNamed(set, NS.DAV, 'privilege')) {
    for (const p of privilege.children) if (p.ns === NS.DAV) names.add(p.name);
  }
  return names;
}

function fallbackName(url: string): string {
  const segments = new URL(url).pathname.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1] ?? url;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** `<C:schedule-calendar-transp><C:transparent/></C:schedule-calendar-transp>` (RFC 6638 §9.1). */
function isTransparent(response: DavResponse): boolean {
  const transp = foundProp(response, NS.CALDAV, 'schedule-calendar-transp');
  return transp !== null && childrenNamed(transp, NS.CALDAV, 'transparent').length > 0;
}

/** One listed member as a calendar, or null when it is not one a user could pick. */
export function toRemoteCalendar(response: DavResponse): RemoteCalendarInfo | null {
  const types = resourceTypes(response);
  const subscribed =
    types.some((t) => t.ns === NS.CALENDARSERVER && t.name === 'subscribed') || foundProp(response, NS.CALENDARSERVER, 'source') !== null;
  if (!subscribed && !types.some(isCalendarType)) return null;
  const comps = components(response);
  // Tandem only deals in events: a list without VEVENT (task lists, journals) is not a calendar here.
  if (!comps.includes('VEVENT')) return null;
  const url = primaryHref(response);
  const privs = privileges(response);
  const writable = !subscribed && (privs === null || [...privs].some((p) => WRITE_PRIVILEGES.has(p)));
  return {
    url,
    displayName: foundText(response, NS.DAV, 'displayname') ?? fallbackName(url),
    color: normaliseColor(foundText(response, NS.APPLE_ICAL, 'calendar-color')),
    components: comps,
    writable,
    subscribed,
    connectable: !subscribed,
    notConnectableReason: subscribed ? SUBSCRIBED_REASON : null,
    transparent: isTransparent(response),
  };
}

function calendarsIn(multistatus: Multistatus, homeUrls: string[]): RemoteCalendarInfo[] {
  const homes = homeUrls.map((u) => canonicalUrl(u, u));
  const calendars: RemoteCalendarInfo[] = [];
  for (const response of multistatus.responses) {
    if (homes.some((home) => sameResource(home, primaryHref(response)))) continue;
    const calendar = toRemoteCalendar(response);
    if (calendar !== null) calendars.push(calendar);
  }
  return calendars;
}

/**
 * The calendars in a Depth-1 PROPFIND answer of a calendar home. Pure.
 * `url` is the URL that answered; `homeUrl` the home asked for (they differ after a redirect).
 */
export function parseCalendarList(p: { body: string; url: string; homeUrl?: string }): RemoteCalendarInfo[] {
  return calendarsIn(parseMultistatus({ body: p.body, url: p.url }), [p.url, p.homeUrl ?? p.url]);
}

export async function listCalendars(p: { calendarHomeUrl: string; transport: CalDavTransport }): Promise<RemoteCalendarInfo[]> {
  const { response, multistatus } = await propfind({
    transport: p.transport,
    url: p.calendarHomeUrl,
    depth: '1',
    props: CALENDAR_LIST_PROPS,
  });
  return calendarsIn(multistatus, [response.url, p.calendarHomeUrl]);
}

/**
 * Whether a calendar a listing no longer shows is really gone: its own URL answers 404 (410). A
 * listing that glitches (DESIGN §3) must not make Tandem drop a calendar that is still there, so a
 * calendar is only taken for deleted when the server says so of the calendar itself. Xandikos says
 * it inside a 207: the one response of the Depth 0 PROPFIND carries status 404 and no properties
 * (and an href it percent-encodes whole, so the status is what is read, not the href).
 */
export async function calendarIsGone(p: { url: string; transport: CalDavTransport }): Promise<boolean> {
  try {
    const { multistatus } = await propfind({ transport: p.transport, url: p.url, depth: '0', props: [[NS.DAV, 'resourcetype']] });
    return multistatus.responses.length > 0 && multistatus.responses.every(saysGone);
  } catch (error) {
    if (error instanceof CalDavError && error.kind === 'not_found') return true;
    throw error;
  }
}

function saysGone(response: DavResponse): boolean {
  return (response.status === 404 || response.status === 410) && response.propstats.length === 0;
}
