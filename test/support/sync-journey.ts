/**
 * Helpers of the end-to-end sync suites (test/integration/sync-e2e): Tandem built like `tandem serve`
 * on a private test database, a CalDAV server seen from both sides (what Tandem connects to, and
 * the person's own calendar app acting on it directly), and the HTTP calls a new user makes.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { appointmentEventUid, eventResourceName } from '../../src/domain/sync/appointment-uid.ts';
import type { Database } from '../../src/store/database.ts';
import { TEST_SECRET_KEY, type Session } from './api.ts';
import { davRequest, deleteEvent, getEvent, putEvent, simpleEventIcs, type CalDavTestServer, type DavAuth } from './caldav-fixtures.ts';
import { CALDAV, DAV, descendants, el, firstChild, parseXml, serializePrefixed, textOf } from './icloud-emulator/xml.ts';
import { createTestDatabase, type DatabaseKind } from './db.ts';
import { waitFor } from './wait-for.ts';

// ---- Tandem --------------------------------------------------------------------------------------

export interface SyncApp {
  app: App;
  server: FastifyInstance;
  db: Database;
  /** postgres://… of the private database (null on PGlite). */
  databaseUrl: string | null;
  close(): Promise<void>;
}

/**
 * Tandem as `createApp` wires it, on a fresh database, with the scheduler off (tests say when a
 * sync runs) and loopback CalDAV servers allowed. `env` adds e.g. ICLOUD_CALDAV_URL, CALDAV_TIMEOUT_MS.
 */
export async function startSyncApp(options: { kind?: DatabaseKind; env?: Record<string, string> } = {}): Promise<SyncApp> {
  const database = await createTestDatabase(options.kind ?? 'pglite');
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    TANDEM_SEED_DEMO: 'false',
    SCHEDULER: 'off',
    CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
    TANDEM_SECRET_KEY: TEST_SECRET_KEY,
    ...options.env,
  });
  let app: App;
  try {
    app = await createApp(config, { database });
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    app,
    server: app.server,
    db: database.db,
    databaseUrl: database.url,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

// ---- the CalDAV server, from both sides ----------------------------------------------------------

export type ConnectBody =
  | { provider: 'icloud'; email: string; appSpecificPassword: string }
  | { provider: 'caldav'; serverUrl: string; username: string; password: string };

/** A calendar server as a test sees it: what Tandem is given, and how the person edits it directly. */
export interface ServerSide {
  name: string;
  connect: ConnectBody;
  /** Display names of the calendars to make primary and conflict (the same name: the primary only). */
  primaryName: string;
  conflictName: string;
  /** The same resource as Tandem's URL, reached the way the person's own calendar app does. */
  direct(tandemUrl: string): string;
  auth: DavAuth;
  /** HTTP requests Tandem has made to the server so far. */
  requestCount(): number;
  stop(): Promise<void>;
}

/** A CalDAV test server (Radicale, Xandikos) that Tandem and the person both reach at its own URL. */
export function directCalDavSide(
  name: string,
  server: CalDavTestServer,
  calendars: { primaryName: string; conflictName: string },
): ServerSide {
  return {
    name,
    connect: { provider: 'caldav', serverUrl: server.baseUrl, username: server.username, password: server.password },
    ...calendars,
    direct: (url) => url,
    auth: { username: server.username, password: server.password },
    requestCount: () => 0,
    stop: () => server.stop(),
  };
}

/** The href Tandem's CalDAV adapter gives an event of this UID in a calendar (hrefFor). */
export function eventUrlIn(calendarUrl: string, uid: string): string {
  return `${calendarUrl.endsWith('/') ? calendarUrl : `${calendarUrl}/`}${eventResourceName(uid)}`;
}

/** The person's side of one calendar: put / move / delete / read events, as iCloud's own apps would. */
export class PersonCalendar {
  constructor(
    private readonly side: ServerSide,
    /** The calendar's URL as Tandem stored it. */
    readonly tandemUrl: string,
  ) {}

  url(uid: string): string {
    return this.side.direct(eventUrlIn(this.tandemUrl, uid));
  }

  async put(uid: string, summary: string, start: Date, end: Date, extra: string[] = []): Promise<void> {
    const answer = await putEvent(
      this.side.auth,
      this.url(uid),
      simpleEventIcs({ uid, summary, start: icsUtc(start), end: icsUtc(end), extra }),
    );
    expect([201, 204], `PUT ${uid}`).toContain(answer.status);
  }

  async get(uid: string): Promise<{ status: number; body: string; etag: string | null }> {
    return getEvent(this.side.auth, this.url(uid));
  }

  /** Edits DTSTART/DTEND of the stored event and writes it back under its etag (If-Match). */
  async move(uid: string, start: Date, end: Date): Promise<void> {
    const found = await this.get(uid);
    expect(found.status, `GET ${uid}`).toBe(200);
    expect(found.etag).not.toBeNull();
    const moved = withTimes(found.body, start, end);
    const answer = await putEvent(this.side.auth, this.url(uid), moved, { ifMatch: found.etag ?? '' });
    expect([200, 201, 204], `PUT If-Match ${uid}`).toContain(answer.status);
  }

  async delete(uid: string): Promise<void> {
    expect([200, 204], `DELETE ${uid}`).toContain(await deleteEvent(this.side.auth, this.url(uid)));
  }

  /** Every event in the calendar: UID, times and summary, read straight from the server. */
  async events(): Promise<RemoteEvent[]> {
    return (await calendarObjects(this.side.auth, this.side.direct(this.tandemUrl))).map((object) => ({
      ...readEvent(object.ics),
      url: object.url,
    }));
  }
}

export interface RemoteEvent {
  url: string;
  uid: string;
  summary: string;
  start: Date;
  end: Date;
}

/**
 * Every object of a calendar with its data, in one calendar-query REPORT (no time range): what is
 * really on the server, duplicates included, without a GET per event.
 */
export async function calendarObjects(auth: DavAuth, calendarUrl: string): Promise<Array<{ url: string; etag: string; ics: string }>> {
  const body = serializePrefixed(
    el(CALDAV, 'calendar-query', [
      el(DAV, 'prop', [el(DAV, 'getetag'), el(CALDAV, 'calendar-data')]),
      el(CALDAV, 'filter', [el(CALDAV, 'comp-filter', [el(CALDAV, 'comp-filter', [], { name: 'VEVENT' })], { name: 'VCALENDAR' })]),
    ]),
  );
  const res = await davRequest(calendarUrl, {
    method: 'REPORT',
    auth,
    headers: { 'Content-Type': 'application/xml; charset=utf-8', Depth: '1' },
    body,
  });
  if (res.status !== 207) throw new Error(`calendar-query ${calendarUrl} answered ${res.status}: ${res.text.slice(0, 300)}`);
  const objects: Array<{ url: string; etag: string; ics: string }> = [];
  for (const response of descendants(parseXml(res.text), DAV, 'response')) {
    const href = firstChild(response, DAV, 'href');
    const data = descendants(response, CALDAV, 'calendar-data')[0];
    const etag = descendants(response, DAV, 'getetag')[0];
    if (!href || !data) continue;
    objects.push({ url: new URL(textOf(href).trim(), calendarUrl).href, etag: etag ? textOf(etag).trim() : '', ics: textOf(data) });
  }
  return objects;
}

// ---- iCalendar text ---------------------------------------------------------------------------------

/** 2026-11-30T09:00:00Z → 20261130T090000Z */
export function icsUtc(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Content lines with their folds undone. */
export function unfold(ics: string): string {
  return ics.replace(/\r?\n[ \t]/g, '');
}

/** The first value of a property of the first VEVENT, unfolded, parameters dropped. */
export function property(ics: string, name: string): string | null {
  const match = new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, 'm').exec(unfold(ics));
  return match ? (match[1] ?? '').replace(/\r$/, '') : null;
}

function parseIcsUtc(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new Error(`not a UTC date-time: ${value}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** The UID, summary and UTC times of a single-event object (tests write and Tandem writes only these). */
export function readEvent(ics: string): Omit<RemoteEvent, 'url'> {
  const uid = property(ics, 'UID');
  const start = property(ics, 'DTSTART');
  const end = property(ics, 'DTEND');
  if (uid === null || start === null || end === null) throw new Error(`event without UID/DTSTART/DTEND:\n${ics}`);
  return { uid, summary: property(ics, 'SUMMARY') ?? '', start: parseIcsUtc(start), end: parseIcsUtc(end) };
}

/** The same object with new DTSTART/DTEND (UTC), as a calendar app moving it would write. */
export function withTimes(ics: string, start: Date, end: Date): string {
  const lines = unfold(ics).split(/\r?\n/);
  return lines
    .map((line) => (/^DTSTART[;:]/.test(line) ? `DTSTART:${icsUtc(start)}` : /^DTEND[;:]/.test(line) ? `DTEND:${icsUtc(end)}` : line))
    .join('\r\n');
}

// ---- time ---------------------------------------------------------------------------------------

const DAY = 86_400_000;

/** UTC midnight of the first Monday at least `minDaysAhead` days from now: a working day inside every window. */
export function mondayAhead(minDaysAhead = 3, from: Date = new Date()): Date {
  const base = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()) + minDaysAhead * DAY;
  const weekday = new Date(base).getUTCDay(); // 0 Sunday … 6 Saturday
  return new Date(base + ((8 - weekday) % 7) * DAY);
}

export function at(day: Date, hour: number, minute = 0): Date {
  return new Date(day.getTime() + hour * 3_600_000 + minute * 60_000);
}

export function plusDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY);
}

// ---- the API, as a user calls it ----------------------------------------------------------------

export interface CalendarJson {
  id: string;
  url: string;
  displayName: string;
  writable: boolean;
  connectable: boolean;
  role: 'none' | 'primary' | 'conflict';
}
export interface ConnectionJson {
  id: string;
  status: 'active' | 'needs_reconnect';
  calendars: CalendarJson[];
}
export interface SyncStatusJson {
  calendarId: string;
  displayName: string;
  role: 'primary' | 'conflict';
  connectionStatus: 'active' | 'needs_reconnect';
  lastSyncedAt: string | null;
  lagSeconds: number | null;
  nextSyncAt: string | null;
  lastError: { code: string; message: string } | null;
  warning: string | null;
  importProgress: { done: number; total: number } | null;
}
export interface BlockedSlotJson {
  id: string;
  userId: string;
  start: string;
  end: string;
  title: string;
  source: 'manual' | 'imported';
  remoteCalendarId: string | null;
  blocks: boolean;
}
export interface AppointmentJson {
  id: string;
  calendarId: string;
  start: string;
  end: string;
  status: 'confirmed' | 'cancelled';
  title: string;
  assigneeIds: string[];
  removedFromICloud: boolean;
  overlapFlagged: boolean;
}
interface SlotJson {
  start: string;
  end: string;
}

function ok<T>(response: LightMyRequestResponse, status = 200): T {
  expect(response.statusCode, `${response.statusCode}: ${response.body}`).toBe(status);
  return response.json<T>();
}

/** POST /api/connections, then the configuration: `primaryName` primary, `conflictName` for conflicts. */
export async function connectAndConfigure(
  server: FastifyInstance,
  session: Session,
  side: ServerSide,
): Promise<{ connection: ConnectionJson; primary: CalendarJson; conflict: CalendarJson }> {
  const connection = ok<ConnectionJson>(
    await server.inject({ method: 'POST', url: '/api/connections', headers: session.headers, payload: side.connect }),
    201,
  );
  const named = (name: string): CalendarJson => {
    const found = connection.calendars.find((c) => c.displayName === name);
    if (!found) throw new Error(`no calendar ${name} in ${connection.calendars.map((c) => c.displayName).join(', ')}`);
    return found;
  };
  const primary = named(side.primaryName);
  const conflict = named(side.conflictName);
  const configured = await server.inject({
    method: 'PUT',
    url: `/api/users/${session.userId}/calendar-configuration`,
    headers: session.headers,
    payload: { primaryCalendarId: primary.id, conflictCalendarIds: [conflict.id] },
  });
  const configuration = ok<{ primaryCalendarId: string; conflictCalendarIds: string[] }>(configured);
  expect(configuration.primaryCalendarId).toBe(primary.id);
  expect([...configuration.conflictCalendarIds].sort()).toEqual([...new Set([primary.id, conflict.id])].sort());
  return { connection, primary, conflict };
}

export async function publicSlotStarts(server: FastifyInstance, calendarId: string, day: Date): Promise<string[]> {
  const url = `/api/public/calendars/${calendarId}/slots?from=${day.toISOString()}&to=${plusDays(day, 1).toISOString()}`;
  return ok<SlotJson[]>(await server.inject({ method: 'GET', url })).map((s) => s.start);
}

export async function blockedSlots(server: FastifyInstance, session: Session, day: Date): Promise<BlockedSlotJson[]> {
  const url = `/api/blocked-slots?from=${day.toISOString()}&to=${plusDays(day, 1).toISOString()}`;
  return ok<BlockedSlotJson[]>(await server.inject({ method: 'GET', url, headers: session.headers }));
}

export async function syncStatus(server: FastifyInstance, session: Session): Promise<SyncStatusJson[]> {
  return ok<SyncStatusJson[]>(await server.inject({ method: 'GET', url: '/api/sync/status', headers: session.headers }));
}

export async function getAppointment(server: FastifyInstance, session: Session, id: string): Promise<AppointmentJson> {
  return ok<AppointmentJson>(await server.inject({ method: 'GET', url: `/api/appointments/${id}`, headers: session.headers }));
}

/** Books through the public booking page; returns the appointment's id (looked up as staff: clients never see it). */
export async function bookPublicly(
  server: FastifyInstance,
  session: Session,
  calendarId: string,
  start: Date,
  contact: { name: string; email: string },
): Promise<string> {
  ok(
    await server.inject({
      method: 'POST',
      url: `/api/public/calendars/${calendarId}/bookings`,
      payload: { start: start.toISOString(), contact },
    }),
    201,
  );
  const url = `/api/appointments?from=${start.toISOString()}&to=${new Date(start.getTime() + 60_000).toISOString()}&calendarId=${calendarId}`;
  const found = ok<AppointmentJson[]>(await server.inject({ method: 'GET', url, headers: session.headers })).filter(
    (a) => a.start === start.toISOString() && a.status === 'confirmed',
  );
  expect(found).toHaveLength(1);
  return found[0]!.id;
}

/** Books as staff (POST /api/appointments); the answer carries the appointment. */
export function bookAsStaff(
  server: FastifyInstance,
  session: Session,
  calendarId: string,
  start: Date,
  contact: { name: string; email: string },
): Promise<LightMyRequestResponse> {
  return server.inject({
    method: 'POST',
    url: '/api/appointments',
    headers: session.headers,
    payload: { calendarId, start: start.toISOString(), contact },
  });
}

export { appointmentEventUid };

// ---- the database, read ---------------------------------------------------------------------------

/** Outbox rows not yet done or parked. */
export async function pendingOutbox(db: Database): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Dispatches until the outbox holds nothing pending. The API's own "dispatch soon" may be running
 * alongside and hold rows under its lease; this waits those out rather than racing them.
 */
export async function settleOutbox(app: App, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      await app.work.dispatchOutbox();
      return (await pendingOutbox(app.database.db)) === 0;
    },
    'the outbox to drain',
    timeoutMs,
  );
}

/**
 * Everything a sync or dispatch can change, as one comparable string: per-item status, imported
 * occurrences, appointments and their links, and the outbox. Equal before and after a round of
 * sync + dispatch means the round changed nothing.
 */
export async function syncSnapshot(db: Database): Promise<string> {
  const [items, occurrences, appointments, links, outbox] = await Promise.all([
    db
      .selectFrom('remote_items')
      .select(['remote_calendar_id', 'href', 'etag', 'content_hash', 'kind'])
      .orderBy('remote_calendar_id')
      .orderBy('href')
      .execute(),
    db
      .selectFrom('imported_occurrences')
      .select(['remote_item_id', 'start_at', 'end_at', 'blocks'])
      .orderBy('remote_item_id')
      .orderBy('start_at')
      .execute(),
    db.selectFrom('appointments').select(['id', 'start_at', 'end_at', 'status', 'removed_from_remote', 'version']).orderBy('id').execute(),
    db
      .selectFrom('appointment_links')
      .select(['appointment_id', 'user_id', 'etag', 'removed_remotely', 'create_pending'])
      .orderBy('appointment_id')
      .execute(),
    db.selectFrom('outbox').select(['id', 'status']).orderBy('id').execute(),
  ]);
  return JSON.stringify({ items, occurrences, appointments, links, outbox });
}
