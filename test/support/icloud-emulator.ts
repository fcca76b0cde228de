import { randomBytes, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { davRequest, makeCalendar, type CalDavTestServer, type DavResponse } from './caldav-fixtures.ts';
import { hasTimedVeventWithoutEnd } from './icloud-emulator/ical-rules.ts';
import {
  hrefs,
  multistatus,
  parsePropfind,
  propfindResponse,
  resource,
  serializeICloud,
  type DavResource,
  type PropRequest,
} from './icloud-emulator/icloud-xml.ts';
import {
  CALDAV,
  CS,
  DAV,
  ICAL,
  childElements,
  descendants,
  el,
  firstChild,
  isElement,
  parseXml,
  serializePrefixed,
  textOf,
  type XmlElement,
  type XmlNode,
} from './icloud-emulator/xml.ts';
import { startRadicale } from './radicale.ts';
import type { CredentialScope } from '../../src/caldav/credential-scope.ts';
import { icloudCredentialScope } from '../../src/caldav/providers/icloud.ts';

export type { CalDavTestServer } from './caldav-fixtures.ts';

export type ICloudFault =
  | { kind: 'none' }
  | { kind: 'unauthorized' }
  | { kind: 'forbidden' }
  | { kind: 'unavailable'; retryAfterSeconds: number }
  | { kind: 'slow'; delayMs: number };

export interface ICloudRequestLogEntry {
  method: string;
  /** Absolute, so a test can tell the discovery host from the partition host. */
  url: string;
  status: number;
  depth?: string;
}

export interface ICloudEmulator {
  /** Discovery root, like https://caldav.icloud.com: serves /.well-known/caldav, `/` and the principal only. */
  baseUrl: string;
  /** The partition host, like https://p42-caldav.icloud.com:443: another port, where the calendar home lives. */
  partitionUrl: string;
  /**
   * Where Tandem may send this account's credentials: the discovery host and the partition host (which stands in
   * for Apple's pNN-caldav.icloud.com hosts, so it is named explicitly).
   */
  credentialScope: CredentialScope;
  /** The environment that points a Tandem server at this emulator. */
  appEnv: { ICLOUD_CALDAV_URL: string; ICLOUD_PARTITION_ORIGINS: string };
  appleId: string;
  appPassword: string;
  /** The numeric user id iCloud puts in every path. */
  userId: string;
  principalPath: string;
  calendarHomeUrl: string;
  /** Absolute URLs (partition host) of the collections set up at start. */
  calendarUrls: { home: string; work: string; reminders: string; subscribed: string; inbox: string };
  setFault(fault: ICloudFault): void;
  /** Requests received and not yet answered — lets a test see a 'slow' request being held without timing it. */
  readonly inFlight: number;
  requestLog: ICloudRequestLogEntry[];
  /** The real store behind the emulator, for acting on "iCloud" directly without touching requestLog. */
  radicale: CalDavTestServer;
  /** Maps an emulator URL (calendar or event) to the same resource on `radicale`. */
  radicaleUrlFor(emulatorUrl: string): string;
  /**
   * Flips a calendar's "events affect availability" switch, as the iPhone's calendar settings do:
   * iCloud then lists it with schedule-calendar-transp transparent (RFC 6638); opaque by default.
   */
  setCalendarTransparent(emulatorUrl: string, transparent: boolean): void;
  /**
   * The principal's calendar-user-address-set (RFC 6638) as iCloud lists it: the Apple ID and the
   * account's other addresses as mailto:, the account's urn:uuid: and the principal URL itself.
   */
  readonly selfAddresses: readonly string[];
  /** An address added to the Apple ID (an alias, a new e-mail): listed from now on. */
  addSelfAddress(address: string): void;
  stop(): Promise<void>;
}

const USER_ID = '123456789';
const PRINCIPAL_PATH = `/${USER_ID}/principal/`;
const HOME_PATH = `/${USER_ID}/calendars/`;
/** Collections in the home that are not calendars of the user's and are answered by the emulator itself. */
const INBOX_ID = 'inbox';
const OUTBOX_ID = 'outbox';
const NOTIFICATION_ID = 'notification';
/** iCloud names the calendars a user adds with upper-case UUIDs; the defaults keep short names. */
const WORK_ID = '5F0C3A4E-9B1D-4E62-A7C8-2D3B4F5A6C7E';
const SUBSCRIBED_ID = 'C1A8B0D2-7E4F-4A9B-8C3D-1F2E3D4C5B6A';
const REMINDERS_ID = 'tasks';
const SUBSCRIPTION_SOURCE = 'webcal://p23-calendars.icloud.com/holiday/US_en.ics';
/** Shape of the sync tokens and ctags iCloud hands out; Radicale's are wrapped in it so clients treat them as opaque. */
const TOKEN_PREFIX = 'HwoQEgwAA';
const APP_PASSWORD_SHAPE = /^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/;

const FULL_PRIVILEGES = [
  'read',
  'read-free-busy',
  'read-current-user-privilege-set',
  'write',
  'write-properties',
  'write-content',
  'bind',
  'unbind',
];

function privileges(names: string[], extra: XmlElement[] = []): XmlElement {
  const privilege = (name: string): XmlElement =>
    el(DAV, 'privilege', [el(name === 'read-free-busy' || name.startsWith('schedule-') ? CALDAV : DAV, name)]);
  return el(DAV, 'current-user-privilege-set', [...names.map(privilege), ...extra]);
}

function comps(names: string[]): XmlElement {
  return el(
    CALDAV,
    'supported-calendar-component-set',
    names.map((name) => el(CALDAV, 'comp', [], { name })),
  );
}

function ctagOf(seed: string): XmlElement {
  return el(CS, 'getctag', [TOKEN_PREFIX + createHash('sha256').update(seed).digest('base64').slice(0, 40)]);
}

function encodeToken(radicaleToken: string): string {
  return TOKEN_PREFIX + Buffer.from(radicaleToken, 'utf8').toString('base64');
}

/**
 * Our tokens unwrap to Radicale's. Anything else becomes a well-formed token Radicale does not know, so
 * the client gets 403 valid-sync-token — not a 400 for binary junk in the XML Radicale is sent.
 */
function decodeToken(token: string): string {
  const decoded = token.startsWith(TOKEN_PREFIX) ? Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64').toString('utf8') : '';
  return /^http:\/\/radicale\.org\/ns\/sync\/[0-9a-f]+$/.test(decoded) ? decoded : 'http://radicale.org/ns/sync/0';
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the kernel picks, so there is no window for another process to take it.
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

function xmlReply(status: number, root: XmlElement, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'Content-Type': 'text/xml; charset=UTF-8', ...headers }, body: serializeICloud(root) };
}

const notFound: Reply = { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'Not Found' };
const forbidden: Reply = { status: 403, headers: { 'Content-Type': 'text/plain' }, body: 'Forbidden' };

/**
 * An iCloud CalDAV look-alike on two loopback ports — the discovery host and a "partition" host — with
 * a real Radicale behind it holding the data (DESIGN §5). It re-writes Radicale's answers into
 * iCloud's paths (`/123456789/calendars/<id>/`), XML shapes and opaque tokens, and adds what
 * iCloud has and Radicale has not: inbox/outbox/notification collections, a read-only subscribed
 * calendar, app-specific-password-only Basic auth, the 404 for a timed VEVENT with no end, and faults.
 *
 * Stricter than iCloud by default: calendar paths are served on the partition host only (404 on the
 * discovery host), so a client that resolves the home's path-only hrefs against the discovery URL
 * instead of the calendar-home-set URL is caught (tsdav 2.3's fetchCalendars does exactly that).
 * Reports suggest caldav.icloud.com answers calendar paths too; `strictPartition: false` does the same.
 */
export async function startICloudEmulator(
  options: { appleId?: string; appPassword?: string; strictPartition?: boolean } = {},
): Promise<ICloudEmulator> {
  const strictPartition = options.strictPartition ?? true;
  const appleId = options.appleId ?? 'tandem.tester@icloud.com';
  // iCloud lists every address of the Apple ID (its @icloud.com / @me.com aliases) and the account's
  // calendar-user urn, preferred address first; attendees of invitations may carry any of them.
  const selfAddresses = [
    `mailto:${appleId}`,
    `mailto:${appleId.replace(/@.*$/, '')}@me.com`,
    'urn:uuid:3b7e1f2a-6c1d-4c8e-9a0b-5d2f7e9c1a44',
  ];
  const appPassword = (options.appPassword ?? 'hjkl-mnpq-rstv-wxyz').toLowerCase();
  if (!APP_PASSWORD_SHAPE.test(appPassword)) throw new Error(`appPassword must look like xxxx-xxxx-xxxx-xxxx (letters): ${appPassword}`);

  const store = await startRadicale({ username: 'icloud-store', password: randomBytes(12).toString('hex') });
  const storeAuth = { username: store.username, password: store.password };
  const storeHome = new URL(store.calendarHomeUrl).pathname; // "/icloud-store/"
  try {
    await makeCalendar(storeAuth, `${store.calendarHomeUrl}home/`, { displayName: 'Home', color: '#34AADCFF', components: ['VEVENT'] });
    await makeCalendar(storeAuth, `${store.calendarHomeUrl}${WORK_ID}/`, {
      displayName: 'Work',
      color: '#CC73E1FF',
      components: ['VEVENT'],
    });
    await makeCalendar(storeAuth, `${store.calendarHomeUrl}${REMINDERS_ID}/`, {
      displayName: 'Reminders',
      color: '#FF9500FF',
      components: ['VTODO'],
    });
  } catch (error) {
    await store.stop();
    throw error;
  }

  let fault: ICloudFault = { kind: 'none' };
  let inFlight = 0;
  const requestLog: ICloudRequestLogEntry[] = [];
  // Aborts the delays of 'slow' requests on stop(), so nothing outlives the emulator.
  const stopping = new AbortController();

  const baseServer = createServer();
  const partitionServer = createServer();
  const basePort = await listen(baseServer);
  const partitionPort = await listen(partitionServer);
  const baseUrl = `http://127.0.0.1:${basePort}`;
  const partitionUrl = `http://127.0.0.1:${partitionPort}`;
  const calendarHomeUrl = `${partitionUrl}${HOME_PATH}`;

  // ---- mapping between the emulator's paths and Radicale's -------------------------------------------

  const toStorePath = (emulatorPath: string): string => storeHome + emulatorPath.slice(HOME_PATH.length);
  const fromStoreHref = (href: string): string => {
    const path = /^https?:\/\//.test(href) ? new URL(href).pathname : href;
    return path.startsWith(storeHome) ? HOME_PATH + path.slice(storeHome.length) : path;
  };
  const radicaleUrlFor = (emulatorUrl: string): string => {
    const path = new URL(emulatorUrl, partitionUrl).pathname;
    if (!path.startsWith(HOME_PATH)) throw new Error(`not a calendar-home URL of the emulator: ${emulatorUrl}`);
    return store.baseUrl + toStorePath(path);
  };

  /** Rewrites a Radicale answer in place: hrefs into iCloud paths, tokens and ctags into iCloud-looking opaque strings. */
  const rewriteFromStore = (node: XmlElement): XmlElement => {
    const children: XmlNode[] = node.children.map((child) => (isElement(child) ? rewriteFromStore(child) : child));
    const text = children
      .filter((child): child is string => typeof child === 'string')
      .join('')
      .trim();
    if (node.ns === DAV && node.name === 'href') return el(DAV, 'href', [fromStoreHref(text)]);
    if (node.ns === DAV && node.name === 'sync-token' && text !== '') return el(DAV, 'sync-token', [encodeToken(text)]);
    if (node.ns === CS && node.name === 'getctag' && text !== '') return ctagOf(text);
    if (node.ns === DAV && node.name === 'multistatus') {
      // Radicale writes the sync-token first; RFC 6578's examples and Xandikos put it last. Last here,
      // so a client tested against both emulator and Radicale copes with either order.
      const isToken = (child: XmlNode): boolean => isElement(child) && child.ns === DAV && child.name === 'sync-token';
      return { ...node, children: [...children.filter((child) => !isToken(child)), ...children.filter(isToken)] };
    }
    return { ...node, children };
  };

  /** Request bodies (multiget hrefs, sync tokens) translated the other way. */
  const rewriteToStore = (body: string): string =>
    body
      .split(`${partitionUrl}${HOME_PATH}`)
      .join(storeHome)
      .split(HOME_PATH)
      .join(storeHome)
      .replace(
        /(<(?:[\w-]+:)?sync-token(?:\s[^>]*)?>)([^<]*)(<\/(?:[\w-]+:)?sync-token>)/g,
        (_whole, open: string, token: string, close: string) => `${open}${decodeToken(token.trim())}${close}`,
      );

  const toStore = (method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<DavResponse> =>
    davRequest(store.baseUrl + path, { method, auth: storeAuth, headers, ...(body === undefined ? {} : { body }) });

  // ---- the resources the emulator answers for itself ------------------------------------------------

  const principalHref = (): XmlElement[] => hrefs(PRINCIPAL_PATH);
  const rootResource = (): DavResource =>
    resource('/', [el(DAV, 'current-user-principal', principalHref()), el(DAV, 'resourcetype', [el(DAV, 'collection')])]);
  const principalResource = (): DavResource =>
    resource(PRINCIPAL_PATH, [
      el(DAV, 'displayname', ['Tandem Tester']),
      el(DAV, 'resourcetype', [el(DAV, 'collection'), el(DAV, 'principal')]),
      el(DAV, 'current-user-principal', principalHref()),
      el(DAV, 'principal-URL', principalHref()),
      // The absolute URL on the partition host is the point of iCloud discovery.
      el(CALDAV, 'calendar-home-set', hrefs(calendarHomeUrl)),
      el(CALDAV, 'calendar-user-address-set', hrefs(...selfAddresses, `${partitionUrl}${PRINCIPAL_PATH}`)),
      el(CALDAV, 'schedule-inbox-URL', hrefs(`${calendarHomeUrl}${INBOX_ID}/`)),
      el(CALDAV, 'schedule-outbox-URL', hrefs(`${calendarHomeUrl}${OUTBOX_ID}/`)),
      el(CS, 'email-address-set', [el(CS, 'email-address', [appleId])]),
    ]);

  const homeResource = (ctagSeed: string): DavResource =>
    resource(HOME_PATH, [
      el(DAV, 'displayname', ['Tandem Tester']),
      el(DAV, 'resourcetype', [el(DAV, 'collection')]),
      comps(['VEVENT', 'VTODO', 'VFREEBUSY']),
      ctagOf(`home:${ctagSeed}`),
      privileges(FULL_PRIVILEGES),
      el(DAV, 'owner', principalHref()),
    ]);

  /** inbox, outbox, notification and the subscription, which have no store in Radicale. */
  const syntheticResources = (): Map<string, DavResource> =>
    new Map([
      [
        INBOX_ID,
        resource(`${HOME_PATH}${INBOX_ID}/`, [
          el(DAV, 'resourcetype', [el(DAV, 'collection'), el(CALDAV, 'schedule-inbox')]),
          comps(['VEVENT']),
          ctagOf('inbox'),
          privileges([...FULL_PRIVILEGES, 'schedule-deliver']),
        ]),
      ],
      [
        SUBSCRIBED_ID,
        // A CalendarServer subscription: not a CalDAV calendar, just a pointer to a webcal feed.
        resource(`${HOME_PATH}${SUBSCRIBED_ID}/`, [
          el(DAV, 'displayname', ['US Holidays']),
          el(DAV, 'resourcetype', [el(DAV, 'collection'), el(CS, 'subscribed')]),
          el(CS, 'source', hrefs(SUBSCRIPTION_SOURCE)),
          el(CS, 'refreshrate', ['P1W']),
          comps(['VEVENT']),
          ctagOf('subscribed'),
          el(ICAL, 'calendar-color', ['#B1B5BAFF']),
          privileges(['read', 'read-free-busy', 'read-current-user-privilege-set']),
        ]),
      ],
      [
        NOTIFICATION_ID,
        resource(`${HOME_PATH}${NOTIFICATION_ID}/`, [
          el(DAV, 'resourcetype', [el(DAV, 'collection'), el(CS, 'notification')]),
          ctagOf('notification'),
          privileges(['read', 'read-current-user-privilege-set', 'unbind']),
        ]),
      ],
      [
        OUTBOX_ID,
        resource(`${HOME_PATH}${OUTBOX_ID}/`, [
          el(DAV, 'resourcetype', [el(DAV, 'collection'), el(CALDAV, 'schedule-outbox')]),
          comps(['VEVENT', 'VTODO']),
          privileges(['read', 'read-free-busy', 'read-current-user-privilege-set', 'schedule-send']),
        ]),
      ],
    ]);

  /** What the emulator asks Radicale about calendars and their members. */
  const STORE_PROPS: XmlElement[] = [
    el(DAV, 'resourcetype'),
    el(DAV, 'displayname'),
    el(DAV, 'sync-token'),
    el(DAV, 'getetag'),
    el(DAV, 'getcontenttype'),
    el(DAV, 'getcontentlength'),
    el(DAV, 'getlastmodified'),
    el(CS, 'getctag'),
    el(ICAL, 'calendar-color'),
    el(ICAL, 'calendar-order'),
    el(CALDAV, 'calendar-description'),
    el(CALDAV, 'supported-calendar-component-set'),
  ];

  /** The 200-status properties of one Radicale <response>. */
  const okProps = (response: XmlElement): XmlElement[] =>
    descendants(response, DAV, 'propstat')
      .filter((propstat) => /\s2\d\d\s/.test(textOf(firstChild(propstat, DAV, 'status') ?? el(DAV, 'status'))))
      .flatMap((propstat) => childElements(firstChild(propstat, DAV, 'prop') ?? el(DAV, 'prop')));

  /** Paths of the calendars whose events do not affect availability (setCalendarTransparent). */
  const transparentPaths = new Set<string>();

  /** A Radicale calendar re-described as iCloud describes a user's calendar; undefined for non-calendars. */
  const calendarFromStore = (response: XmlElement): DavResource | undefined => {
    const href = fromStoreHref(textOf(firstChild(response, DAV, 'href') ?? el(DAV, 'href')).trim());
    const props = okProps(response).map(rewriteFromStore);
    const type = props.find((prop) => prop.ns === DAV && prop.name === 'resourcetype');
    if (!type || !firstChild(type, CALDAV, 'calendar')) return undefined;
    const keep = props.filter((prop) =>
      [
        `${DAV}|displayname`,
        `${DAV}|sync-token`,
        `${CS}|getctag`,
        `${ICAL}|calendar-color`,
        `${ICAL}|calendar-order`,
        `${CALDAV}|calendar-description`,
        `${CALDAV}|supported-calendar-component-set`,
      ].includes(`${prop.ns}|${prop.name}`),
    );
    return resource(href, [
      el(DAV, 'resourcetype', [el(DAV, 'collection'), el(CALDAV, 'calendar')]),
      ...keep,
      // iCloud lists every calendar with its transparency, opaque unless the user switched it off.
      el(CALDAV, 'schedule-calendar-transp', [
        el(CALDAV, transparentPaths.has(new URL(href, calendarHomeUrl).pathname) ? 'transparent' : 'opaque'),
      ]),
      privileges(FULL_PRIVILEGES),
      el(DAV, 'owner', principalHref()),
      el(
        DAV,
        'supported-report-set',
        ['sync-collection', 'calendar-multiget', 'calendar-query'].map((name) =>
          el(DAV, 'supported-report', [el(DAV, 'report', [el(name === 'sync-collection' ? DAV : CALDAV, name)])]),
        ),
      ),
    ]);
  };

  /** A calendar member: Radicale's properties minus resourcetype, which iCloud reports as 404 for members. */
  const memberFromStore = (response: XmlElement): DavResource => {
    const href = fromStoreHref(textOf(firstChild(response, DAV, 'href') ?? el(DAV, 'href')).trim());
    const props = okProps(response)
      .map(rewriteFromStore)
      .filter((prop) => !(prop.ns === DAV && prop.name === 'resourcetype') && !(prop.ns === DAV && prop.name === 'sync-token'));
    return resource(href, props);
  };

  const propfindStore = async (storePath: string, depth: '0' | '1'): Promise<DavResponse> =>
    toStore(
      'PROPFIND',
      storePath,
      { Depth: depth, 'Content-Type': 'application/xml; charset=utf-8' },
      serializePrefixed(el(DAV, 'propfind', [el(DAV, 'prop', STORE_PROPS)])),
    );

  // ---- request handling ------------------------------------------------------------------------------

  const authorized = (req: IncomingMessage): boolean => {
    const header = headerValue(req, 'authorization');
    const match = header && /^Basic\s+(\S+)$/i.exec(header);
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // Apple IDs are e-mail addresses (case-insensitive); the app-specific password tolerates spaces and case.
    return user.trim().toLowerCase() === appleId.toLowerCase() && password.replace(/\s+/g, '').toLowerCase() === appPassword;
  };

  const unauthorized: Reply = {
    status: 401,
    headers: { 'WWW-Authenticate': 'Basic realm="iCloud"', 'Content-Type': 'text/plain' },
    body: 'Unauthorized',
  };

  const propfind = (body: Buffer, resources: DavResource[]): Reply => {
    let request: PropRequest;
    try {
      request = parsePropfind(body.length === 0 ? undefined : parseXml(body.toString('utf8')));
    } catch {
      return { status: 400, headers: { 'Content-Type': 'text/plain' }, body: 'Bad Request' };
    }
    return xmlReply(207, multistatus(resources.map((res) => propfindResponse(res, request))));
  };

  /** Passes a Radicale answer back with paths, tokens and XML shape made iCloud's. */
  const fromStore = (res: DavResponse): Reply => {
    const headers: Record<string, string> = {};
    for (const name of ['etag', 'last-modified', 'content-type']) {
      const value = res.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const location = res.headers.location;
    if (typeof location === 'string') headers.location = partitionUrl + fromStoreHref(location);
    const contentType = headers['content-type'] ?? '';
    if (/xml/i.test(contentType) && res.text.trim() !== '') {
      try {
        return xmlReply(res.status, rewriteFromStore(parseXml(res.text)), headers.etag ? { ETag: headers.etag } : {});
      } catch {
        // Not XML after all: hand it over untouched rather than hide what Radicale said.
      }
    }
    return { status: res.status, headers, body: res.body };
  };

  const forwardedHeaders = (req: IncomingMessage): Record<string, string> => {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'depth', 'if-match', 'if-none-match']) {
      const value = headerValue(req, name);
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  };

  const handleCalendarHome = async (req: IncomingMessage, body: Buffer, path: string): Promise<Reply> => {
    const method = req.method ?? 'GET';
    const depth = headerValue(req, 'depth') === '0' ? '0' : '1';
    const synthetic = syntheticResources();
    if (path === HOME_PATH) {
      if (method !== 'PROPFIND')
        return method === 'REPORT' ? xmlReply(403, el(DAV, 'error', [el(DAV, 'supported-report')])) : { status: 405 };
      const listing = await propfindStore(storeHome, '1');
      if (listing.status !== 207) return fromStore(listing);
      const responses = descendants(parseXml(listing.text), DAV, 'response');
      const calendars = responses.map(calendarFromStore).filter((res): res is DavResource => res !== undefined);
      const ctagSeed = calendars.map((res) => textOf(res.props.get(`${CS}|getctag`) ?? el(CS, 'getctag'))).join(',');
      const home = homeResource(ctagSeed);
      if (depth === '0') return propfind(body, [home]);
      // The home lists itself first, then its members — iCloud's order mixes special and user collections.
      const ordered = [
        home,
        synthetic.get(INBOX_ID),
        synthetic.get(SUBSCRIBED_ID),
        ...calendars,
        synthetic.get(NOTIFICATION_ID),
        synthetic.get(OUTBOX_ID),
      ];
      return propfind(
        body,
        ordered.filter((res): res is DavResource => res !== undefined),
      );
    }

    const rest = path.slice(HOME_PATH.length);
    const slash = rest.indexOf('/');
    const collectionId = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    const isCollectionPath = slash < 0 || slash === rest.length - 1;
    const special = synthetic.get(collectionId);
    if (special) {
      if (!isCollectionPath) return method === 'PUT' || method === 'DELETE' ? forbidden : notFound;
      if (method === 'PROPFIND') return propfind(body, [special]);
      if (method === 'REPORT') return xmlReply(403, el(DAV, 'error', [el(DAV, 'supported-report')]));
      return forbidden;
    }

    const storePath = toStorePath(slash < 0 ? `${path}/` : path);
    if (method === 'PROPFIND') {
      const answer = await propfindStore(storePath, isCollectionPath ? depth : '0');
      if (answer.status !== 207) return fromStore(answer);
      const responses = descendants(parseXml(answer.text), DAV, 'response');
      if (!isCollectionPath) return propfind(body, responses.map(memberFromStore));
      const [self, ...members] = responses;
      const calendar = self && calendarFromStore(self);
      if (!calendar) return notFound;
      return propfind(body, [calendar, ...members.map(memberFromStore)]);
    }
    if (method === 'PUT' && hasTimedVeventWithoutEnd(body.toString('utf8'))) {
      // What iCloud does with a timed VEVENT lacking DTEND and DURATION (DESIGN §5).
      return notFound;
    }
    const isXml = /xml/i.test(headerValue(req, 'content-type') ?? '') || method === 'REPORT';
    const forwardBody = body.length === 0 ? undefined : isXml ? rewriteToStore(body.toString('utf8')) : body;
    return fromStore(await toStore(method, storePath, forwardedHeaders(req), forwardBody));
  };

  const route = async (req: IncomingMessage, body: Buffer, onPartition: boolean): Promise<Reply> => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    if (path === '/.well-known/caldav' || path === '/.well-known/caldav/') {
      // RFC 6764 bootstrapping needs no credentials; the principal lookup at the target does.
      return { status: 301, headers: { Location: `${onPartition ? partitionUrl : baseUrl}/` } };
    }
    if (!authorized(req)) return unauthorized;
    if (method === 'OPTIONS') {
      return {
        status: 200,
        headers: {
          DAV: '1, access-control, calendar-access, calendar-schedule, calendar-auto-schedule, calendarserver-sharing, calendarserver-subscribed, calendarserver-home-sync',
          Allow: 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR',
        },
      };
    }
    if (path === '/') return method === 'PROPFIND' ? propfind(body, [rootResource()]) : { status: 405 };
    if (path === PRINCIPAL_PATH) return method === 'PROPFIND' ? propfind(body, [principalResource()]) : { status: 405 };
    if (path === HOME_PATH.slice(0, -1) || path.startsWith(HOME_PATH)) {
      if (!onPartition && strictPartition) return notFound;
      return handleCalendarHome(req, body, path === HOME_PATH.slice(0, -1) ? HOME_PATH : path);
    }
    return notFound;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, onPartition: boolean): Promise<void> => {
    const origin = onPartition ? partitionUrl : baseUrl;
    const depth = headerValue(req, 'depth');
    const entry: ICloudRequestLogEntry = {
      method: req.method ?? 'GET',
      url: origin + (req.url ?? '/'),
      status: 0,
      ...(depth === undefined ? {} : { depth }),
    };
    // A client that gives up must not crash the emulator when the answer is finally written.
    res.on('error', () => undefined);
    inFlight++;
    let answered = false;
    const send = (reply: Reply): void => {
      answered = true;
      inFlight--;
      entry.status = reply.status;
      // Logged before the answer is written, so a test that awaited the response always finds its entry.
      requestLog.push(entry);
      const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body, 'utf8');
      res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      const body = await readBody(req);
      const current = fault;
      if (current.kind === 'slow') await delay(current.delayMs, undefined, { signal: stopping.signal });
      if (current.kind === 'unauthorized') return send(unauthorized);
      if (current.kind === 'forbidden') {
        // iCloud's answer when the account lacks two-factor / app-specific passwords or is locked.
        return send({ status: 403, headers: { 'Content-Type': 'text/plain' }, body: 'Forbidden' });
      }
      if (current.kind === 'unavailable') {
        return send({
          status: 503,
          headers: { 'Retry-After': String(current.retryAfterSeconds), 'Content-Type': 'text/plain' },
          body: 'Service Unavailable',
        });
      }
      send(await route(req, body, onPartition));
    } catch (error) {
      if (answered) return;
      if (stopping.signal.aborted) {
        inFlight--;
        res.destroy();
        return;
      }
      send({ status: 502, headers: { 'Content-Type': 'text/plain' }, body: `emulator error: ${String(error)}` });
    }
  };

  baseServer.on('request', (req, res) => void handle(req, res, false));
  partitionServer.on('request', (req, res) => void handle(req, res, true));

  const closeServer = (server: Server): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    baseUrl,
    partitionUrl,
    credentialScope: icloudCredentialScope(baseUrl, [partitionUrl]),
    appEnv: { ICLOUD_CALDAV_URL: baseUrl, ICLOUD_PARTITION_ORIGINS: partitionUrl },
    appleId,
    appPassword,
    userId: USER_ID,
    principalPath: PRINCIPAL_PATH,
    calendarHomeUrl,
    calendarUrls: {
      home: `${calendarHomeUrl}home/`,
      work: `${calendarHomeUrl}${WORK_ID}/`,
      reminders: `${calendarHomeUrl}${REMINDERS_ID}/`,
      subscribed: `${calendarHomeUrl}${SUBSCRIBED_ID}/`,
      inbox: `${calendarHomeUrl}${INBOX_ID}/`,
    },
    setFault(next) {
      fault = next;
    },
    get inFlight() {
      return inFlight;
    },
    requestLog,
    radicale: store,
    radicaleUrlFor,
    setCalendarTransparent(emulatorUrl, transparent) {
      const path = new URL(emulatorUrl).pathname;
      if (transparent) transparentPaths.add(path);
      else transparentPaths.delete(path);
    },
    get selfAddresses() {
      return [...selfAddresses, `${partitionUrl}${PRINCIPAL_PATH}`];
    },
    addSelfAddress(address) {
      selfAddresses.push(address);
    },
    async stop() {
      stopping.abort();
      await Promise.all([closeServer(baseServer), closeServer(partitionServer)]);
      await store.stop();
    },
  };
}
