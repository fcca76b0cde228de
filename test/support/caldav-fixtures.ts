import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import {
  CALDAV,
  DAV,
  ICAL,
  descendants,
  el,
  firstChild,
  parseXml,
  serializePrefixed,
  textOf,
  type XmlElement,
} from './icloud-emulator/xml.ts';

/** A CalDAV server a test started; every launcher (Radicale, Xandikos, the iCloud emulator's store) returns one. */
export interface CalDavTestServer {
  /** What a user would type as the server URL: discovery (well-known, current-user-principal) starts here. */
  baseUrl: string;
  username: string;
  password: string;
  /** Absolute URL of the user's calendar home. */
  calendarHomeUrl: string;
  stop(): Promise<void>;
}

export interface DavAuth {
  username: string;
  password: string;
}

export interface DavResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/**
 * One plain HTTP/1.1 request, answer buffered. node:http with no agent rather than fetch: no pooled
 * keep-alive sockets outlive a test, arbitrary DAV methods need no special casing, and a test acting
 * "on the server side" never shares a connection with the code under test.
 */
export function davRequest(
  url: string,
  options: { method: string; auth?: DavAuth; headers?: Record<string, string>; body?: string | Buffer; signal?: AbortSignal },
): Promise<DavResponse> {
  const target = new URL(url);
  if (target.protocol !== 'http:') return Promise.reject(new Error(`davRequest speaks plain http only: ${url}`));
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.auth) headers.Authorization = basicAuth(options.auth);
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
  if (body) headers['Content-Length'] = body.length;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      target,
      { method: options.method, headers, agent: false, ...(options.signal ? { signal: options.signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const buffer = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buffer, text: buffer.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function basicAuth(auth: DavAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** Xandikos answers 415 to a PROPFIND/REPORT body without an XML content type, so always send one. */
const XML_HEADERS = { 'Content-Type': 'application/xml; charset=utf-8' };

/**
 * MKCALENDAR at `url` (a collection URL ending in `/`). Throws unless the server created it.
 * Properties the server would not set at creation are retried with PROPPATCH, because Xandikos refuses
 * calendar-color in MKCALENDAR yet accepts it in PROPPATCH. Xandikos cannot restrict the component
 * set at all (409); that is left as the server's own behaviour rather than papered over.
 */
export async function makeCalendar(
  server: DavAuth,
  url: string,
  props: { displayName: string; color?: string; components?: ('VEVENT' | 'VTODO')[] },
): Promise<void> {
  const propElements: XmlElement[] = [el(DAV, 'displayname', [props.displayName])];
  if (props.color !== undefined) propElements.push(el(ICAL, 'calendar-color', [props.color]));
  if (props.components) {
    propElements.push(
      el(
        CALDAV,
        'supported-calendar-component-set',
        props.components.map((name) => el(CALDAV, 'comp', [], { name })),
      ),
    );
  }
  const body = serializePrefixed(el(CALDAV, 'mkcalendar', [el(DAV, 'set', [el(DAV, 'prop', propElements)])]));
  const res = await davRequest(url, { method: 'MKCALENDAR', auth: server, headers: XML_HEADERS, body });
  if (res.status !== 201) throw new Error(`MKCALENDAR ${url} answered ${res.status}: ${res.text.slice(0, 500)}`);
  if (props.color === undefined || res.text.trim() === '') return;
  const refused = refusedProps(parseXml(res.text));
  if (!refused.has(`${ICAL}|calendar-color`)) return;
  await proppatch(server, url, el(ICAL, 'calendar-color', [props.color]));
}

/** A calendar renamed in the calendar app: PROPPATCH DAV:displayname. Throws unless the server applied it. */
export async function renameCalendar(auth: DavAuth, url: string, displayName: string): Promise<void> {
  await proppatch(auth, url, el(DAV, 'displayname', [displayName]));
}

async function proppatch(auth: DavAuth, url: string, prop: XmlElement): Promise<void> {
  const body = serializePrefixed(el(DAV, 'propertyupdate', [el(DAV, 'set', [el(DAV, 'prop', [prop])])]));
  const patched = await davRequest(url, { method: 'PROPPATCH', auth, headers: XML_HEADERS, body });
  const refused = patched.status === 207 ? refusedProps(parseXml(patched.text)) : new Set<string>();
  if ((patched.status !== 207 && patched.status !== 200) || refused.size > 0)
    throw new Error(`PROPPATCH ${prop.name} ${url} answered ${patched.status}: ${patched.text.slice(0, 300)}`);
}

/** Properties listed under a non-2xx propstat of a (mkcalendar-)response. */
function refusedProps(root: XmlElement): Set<string> {
  const refused = new Set<string>();
  for (const propstat of descendants(root, DAV, 'propstat')) {
    const status = firstChild(propstat, DAV, 'status');
    if (status && /\s2\d\d\s/.test(textOf(status))) continue;
    for (const prop of descendants(propstat, DAV, 'prop')) {
      for (const child of prop.children) if (typeof child !== 'string') refused.add(`${child.ns}|${child.name}`);
    }
  }
  return refused;
}

/** PUT an iCalendar object. `ifNoneMatch: true` sends `If-None-Match: *` (create only). */
export async function putEvent(
  auth: DavAuth,
  url: string,
  ics: string,
  opts: { ifMatch?: string; ifNoneMatch?: boolean } = {},
): Promise<{ status: number; etag: string | null }> {
  const headers: Record<string, string> = { 'Content-Type': 'text/calendar; charset=utf-8' };
  if (opts.ifMatch !== undefined) headers['If-Match'] = opts.ifMatch;
  if (opts.ifNoneMatch) headers['If-None-Match'] = '*';
  const res = await davRequest(url, { method: 'PUT', auth, headers, body: ics });
  return { status: res.status, etag: header(res.headers, 'etag') };
}

export async function deleteEvent(auth: DavAuth, url: string, opts: { ifMatch?: string } = {}): Promise<number> {
  const headers: Record<string, string> = {};
  if (opts.ifMatch !== undefined) headers['If-Match'] = opts.ifMatch;
  return (await davRequest(url, { method: 'DELETE', auth, headers })).status;
}

export async function getEvent(auth: DavAuth, url: string): Promise<{ status: number; body: string; etag: string | null }> {
  const res = await davRequest(url, { method: 'GET', auth });
  return { status: res.status, body: res.text, etag: header(res.headers, 'etag') };
}

/**
 * The members of a calendar with their etags (PROPFIND Depth 1), the collection itself left out.
 * `href` is as the server wrote it; `url` is it resolved against the calendar URL.
 */
export async function listEvents(auth: DavAuth, calendarUrl: string): Promise<Array<{ href: string; url: string; etag: string }>> {
  const body = serializePrefixed(el(DAV, 'propfind', [el(DAV, 'prop', [el(DAV, 'getetag'), el(DAV, 'resourcetype')])]));
  const res = await davRequest(calendarUrl, { method: 'PROPFIND', auth, headers: { ...XML_HEADERS, Depth: '1' }, body });
  if (res.status !== 207) throw new Error(`PROPFIND ${calendarUrl} answered ${res.status}: ${res.text.slice(0, 500)}`);
  const self = new URL(calendarUrl).pathname;
  const events: Array<{ href: string; url: string; etag: string }> = [];
  for (const response of descendants(parseXml(res.text), DAV, 'response')) {
    const hrefElement = firstChild(response, DAV, 'href');
    if (!hrefElement) continue;
    const href = textOf(hrefElement).trim();
    const url = new URL(href, calendarUrl).href;
    if (decodeURIComponent(new URL(url).pathname) === decodeURIComponent(self)) continue;
    const etag = okProp(response, DAV, 'getetag');
    const resourcetype = okPropElement(response, DAV, 'resourcetype');
    if (resourcetype && firstChild(resourcetype, DAV, 'collection')) continue;
    if (etag !== undefined) events.push({ href, url, etag });
  }
  return events;
}

function okPropElement(response: XmlElement, ns: string, name: string): XmlElement | undefined {
  for (const propstat of descendants(response, DAV, 'propstat')) {
    const status = firstChild(propstat, DAV, 'status');
    if (status && !/\s2\d\d\s/.test(textOf(status))) continue;
    const prop = firstChild(propstat, DAV, 'prop');
    const found = prop && firstChild(prop, ns, name);
    if (found) return found;
  }
  return undefined;
}

function okProp(response: XmlElement, ns: string, name: string): string | undefined {
  const found = okPropElement(response, ns, name);
  return found ? textOf(found).trim() : undefined;
}

/** Builds a minimal VEVENT calendar object (CRLF line ends) for tests that need "some event". */
export function simpleEventIcs(opts: { uid: string; summary: string; start: string; end?: string; extra?: string[] }): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Tandem tests//EN',
    'BEGIN:VEVENT',
    `UID:${opts.uid}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART:${opts.start}`,
    ...(opts.end === undefined ? [] : [`DTEND:${opts.end}`]),
    `SUMMARY:${opts.summary}`,
    ...(opts.extra ?? []),
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** PROPFIND asking for `props` (property elements, e.g. `el(DAV, 'displayname')`); the answer parsed when it is a 207. */
export async function propfind(
  auth: DavAuth,
  url: string,
  depth: '0' | '1',
  props: XmlElement[],
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string; root: XmlElement | undefined }> {
  const body = serializePrefixed(el(DAV, 'propfind', [el(DAV, 'prop', props)]));
  const res = await davRequest(url, { method: 'PROPFIND', auth, headers: { ...XML_HEADERS, Depth: depth }, body });
  return { status: res.status, headers: res.headers, text: res.text, root: res.status === 207 ? parseXml(res.text) : undefined };
}

/**
 * RFC 6578 sync-collection REPORT. `syncToken: null` asks for the initial full listing. The raw
 * answer is returned too, because what servers say to a bad token differs (Radicale 403
 * valid-sync-token, Xandikos 500) and tests need to see it.
 */
export async function syncCollection(
  auth: DavAuth,
  calendarUrl: string,
  syncToken: string | null,
): Promise<{ status: number; text: string; syncToken: string | null; changed: Array<{ href: string; etag: string }>; deleted: string[] }> {
  const body = serializePrefixed(
    el(DAV, 'sync-collection', [
      el(DAV, 'sync-token', syncToken === null ? [] : [syncToken]),
      el(DAV, 'sync-level', ['1']),
      el(DAV, 'prop', [el(DAV, 'getetag')]),
    ]),
  );
  const res = await davRequest(calendarUrl, { method: 'REPORT', auth, headers: { ...XML_HEADERS, Depth: '1' }, body });
  const result = {
    status: res.status,
    text: res.text,
    syncToken: null as string | null,
    changed: [] as Array<{ href: string; etag: string }>,
    deleted: [] as string[],
  };
  if (res.status !== 207) return result;
  const root = parseXml(res.text);
  const token = firstChild(root, DAV, 'sync-token');
  result.syncToken = token ? textOf(token).trim() : null;
  for (const response of descendants(root, DAV, 'response')) {
    const href = textOf(firstChild(response, DAV, 'href') ?? el(DAV, 'href')).trim();
    const etag = okProp(response, DAV, 'getetag');
    const status = firstChild(response, DAV, 'status');
    if (status && /\s404\s/.test(textOf(status))) result.deleted.push(href);
    else if (etag !== undefined) result.changed.push({ href, etag });
  }
  return result;
}
