import { randomBytes, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contact, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';
import { makeCalendar } from '../../support/caldav-fixtures.ts';
import { databaseKinds } from '../../support/db.ts';
import { startRadicale } from '../../support/radicale.ts';

/**
 * The product contract: nothing crosses workspaces. Every authenticated route that takes an id or
 * lists workspace data is driven, table by table, from the wrong workspace (404, nothing changed,
 * indistinguishable from an id that does not exist), without valid credentials (401), and with
 * the right credentials (the same answers a session gets). A route the API documents but these
 * tables do not cover fails the coverage test, so a new route cannot slip past the contract.
 */

const calendarTypes = ['round_robin', 'collective', 'class', 'service', 'simple', 'event'] as const;
type CalendarType = (typeof calendarTypes)[number];
type Headers = Record<string, string>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Call {
  method: Method;
  url: string;
  payload?: Record<string, unknown>;
}

/** A connected CalDAV account and the ids of its two event calendars. */
interface ConnectionIds {
  id: string;
  home: string;
  work: string;
}

interface Workspace {
  label: string;
  owner: Session;
  memberId: string;
  memberEmail: string;
  member: Session;
  apiToken: string;
  apiTokenId: string;
  calendars: Record<CalendarType, string>;
  serviceId: string;
  /** A bookable start per calendar on SLOT_DAY: a request that slipped through would succeed. */
  freeStart: Record<CalendarType, string>;
  appointmentId: string;
  attendeeId: string;
  manageToken: string;
  blockedSlotId: string;
  /** An imported all-day block of the owner's (week-view id `imported-<n>`), for the holiday routes. */
  importedBlockId: string;
  contactId: string;
  /** Owner and member each connected (the same) CalDAV account: Home primary, Work for conflicts. */
  connections: { owner: ConnectionIds; member: ConnectionIds };
}

const MEMBER_PASSWORD = 'member password 1234';
const WINDOW = 'from=2026-11-23T00:00:00Z&to=2027-01-31T00:00:00Z';
const SLOT_DAY = 'from=2026-12-02T00:00:00Z&to=2026-12-03T00:00:00Z';
const BOOKED_START = '2026-11-24T10:00:00Z';
const OVERRIDE_DATE = '2026-12-08';
/** Both workspaces' clients share one email: contacts are per workspace, never merged across. */
const SHARED_CLIENT = contact('shared');
const DAY_MS = 86_400_000;

const bearer = (secret: string): Headers => ({ authorization: `Bearer ${secret}` });
const slugOf = (type: CalendarType) => type.replace('_', '-');

/** Changes the last character of a secret, keeping its alphabet. */
function tamper(secret: string): string {
  const last = secret.at(-1) === 'A' ? 'B' : 'A';
  return `${secret.slice(0, -1)}${last}`;
}

async function perType<T>(make: (type: CalendarType) => Promise<T>): Promise<Record<CalendarType, T>> {
  return {
    round_robin: await make('round_robin'),
    collective: await make('collective'),
    class: await make('class'),
    service: await make('service'),
    simple: await make('simple'),
    event: await make('event'),
  };
}

/** A valid create/replace body for a calendar of `type` hosted by the given users. */
function calendarBody(type: CalendarType, ownerId: string, memberId: string, slug: string): Record<string, unknown> {
  const base = { slug, name: `${type} ${slug}`, type, durationMin: 30 };
  const both = [{ userId: ownerId }, { userId: memberId }];
  switch (type) {
    case 'round_robin':
    case 'collective':
      return { ...base, members: both };
    case 'service':
      return { ...base, members: both, services: [{ name: 'Consultation', durationMin: 45, staffIds: [ownerId, memberId] }] };
    case 'class':
      return { ...base, durationMin: 60, seats: 5, members: [{ userId: ownerId }] };
    case 'event':
      return {
        ...base,
        durationMin: 60,
        seats: 10,
        members: [{ userId: ownerId }],
        eventSchedule: { firstStart: '2026-12-02T10:00', timezone: 'Europe/London', durationMin: 60, repeat: 'weekly', count: 8 },
      };
    case 'simple':
      return { ...base, members: [{ userId: ownerId }] };
  }
}

/** The target's ids swapped for ids that exist nowhere: its 404s must look exactly the same. */
function ghostOf(ws: Workspace): Workspace {
  return {
    ...ws,
    label: `ghost of ${ws.label}`,
    owner: { ...ws.owner, userId: randomUUID() },
    memberId: randomUUID(),
    calendars: {
      round_robin: randomUUID(),
      collective: randomUUID(),
      class: randomUUID(),
      service: randomUUID(),
      simple: randomUUID(),
      event: randomUUID(),
    },
    serviceId: randomUUID(),
    appointmentId: randomUUID(),
    attendeeId: randomUUID(),
    blockedSlotId: randomUUID(),
    importedBlockId: 'imported-999999999',
    contactId: randomUUID(),
    connections: {
      owner: { id: randomUUID(), home: randomUUID(), work: randomUUID() },
      member: { id: randomUUID(), home: randomUUID(), work: randomUUID() },
    },
  };
}

/** Every id (and the one unique email) of a workspace: none may appear in another's answers. */
function idsOf(ws: Workspace): string[] {
  return [
    ws.owner.workspaceId,
    ws.owner.userId,
    ws.memberId,
    ws.memberEmail,
    ...Object.values(ws.calendars),
    ws.serviceId,
    ws.appointmentId,
    ws.attendeeId,
    ws.blockedSlotId,
    ws.contactId,
    ...[ws.connections.owner, ws.connections.member].flatMap((c) => [c.id, c.home, c.work]),
  ];
}

/** The connection of whichever of the workspace's two users is acting. */
const connectionOf = (ws: Workspace, userId: string): ConnectionIds =>
  userId === ws.memberId ? ws.connections.member : ws.connections.owner;

/** One CalDAV account (Radicale) that every user connects: shared by both workspaces, like a family iCloud. */
let radicale: Awaited<ReturnType<typeof startRadicale>>;
beforeAll(async () => {
  radicale = await startRadicale();
  const auth = { username: radicale.username, password: radicale.password };
  await makeCalendar(auth, `${radicale.calendarHomeUrl}home/`, { displayName: 'Home', components: ['VEVENT'] });
  await makeCalendar(auth, `${radicale.calendarHomeUrl}work/`, { displayName: 'Work', components: ['VEVENT'] });
});
afterAll(async () => radicale?.stop());

const errorBody = z.strictObject({
  error: z.strictObject({ code: z.string().min(1), message: z.string().min(1), details: z.unknown().optional() }),
});

/** The status, and exactly `{ error: { code, message } }` (optionally `details`), nothing else. */
function expectError(response: LightMyRequestResponse, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const parsed = errorBody.safeParse(JSON.parse(response.body));
  expect(parsed.success, `error body shape: ${response.body}`).toBe(true);
  expect(parsed.data?.error.code).toBe(code);
}

// ---------------------------------------------------------------------------------------------
// Routes addressed by id (or by another workspace's id inside the body)
// ---------------------------------------------------------------------------------------------

interface RouteCase {
  /** The route as the OpenAPI document names it, for the coverage test. */
  route: string;
  name: string;
  writes: boolean;
  /**
   * Acts on the caller's own workspace first and needs owner/admin whatever the ids: a member is
   * refused with 403 for every target alike, which tells them nothing about the other workspace.
   */
  adminFirst?: boolean;
  /** `self`: the id of the user the caller acts as (owner, API token's owner, or member). */
  call(target: Workspace, caller: Workspace, self: string): Call;
}

const userRef = { owner: (ws: Workspace) => ws.owner.userId, member: (ws: Workspace) => ws.memberId } as const;
const connRef = { owner: (ws: Workspace) => ws.connections.owner, member: (ws: Workspace) => ws.connections.member } as const;

const idRoutes: RouteCase[] = [
  ...(['owner', 'member'] as const).flatMap((who): RouteCase[] => [
    {
      route: 'GET /api/users/{id}',
      name: `GET /api/users/:id (${who})`,
      writes: false,
      call: (t) => ({ method: 'GET', url: `/api/users/${userRef[who](t)}` }),
    },
    {
      route: 'PATCH /api/users/{id}',
      name: `PATCH /api/users/:id (${who})`,
      writes: true,
      call: (t) => ({
        method: 'PATCH',
        url: `/api/users/${userRef[who](t)}`,
        payload: { name: 'Taken Over', timezone: 'Asia/Tokyo', weeklyHours: { 6: [{ start: '00:00', end: '24:00' }] } },
      }),
    },
    {
      route: 'PUT /api/users/{id}/overrides/{date}',
      name: `PUT /api/users/:id/overrides/:date (${who})`,
      writes: true,
      call: (t) => ({ method: 'PUT', url: `/api/users/${userRef[who](t)}/overrides/${OVERRIDE_DATE}`, payload: { ranges: [] } }),
    },
    {
      route: 'DELETE /api/users/{id}/overrides/{date}',
      name: `DELETE /api/users/:id/overrides/:date (${who})`,
      writes: true,
      call: (t) => ({ method: 'DELETE', url: `/api/users/${userRef[who](t)}/overrides/${OVERRIDE_DATE}` }),
    },
    // Team (team-routes.ts): roles, removal, invitations, overrides.
    {
      route: 'GET /api/users/{id}/overrides',
      name: `GET /api/users/:id/overrides (${who})`,
      writes: false,
      call: (t) => ({ method: 'GET', url: `/api/users/${userRef[who](t)}/overrides` }),
    },
    {
      route: 'PUT /api/users/{id}/role',
      name: `PUT /api/users/:id/role (${who})`,
      writes: true,
      call: (t) => ({ method: 'PUT', url: `/api/users/${userRef[who](t)}/role`, payload: { role: 'admin' } }),
    },
    {
      route: 'POST /api/users/{id}/invite',
      name: `POST /api/users/:id/invite (${who})`,
      writes: true,
      call: (t) => ({ method: 'POST', url: `/api/users/${userRef[who](t)}/invite` }),
    },
    {
      route: 'DELETE /api/users/{id}',
      name: `DELETE /api/users/:id (${who})`,
      writes: true,
      call: (t) => ({ method: 'DELETE', url: `/api/users/${userRef[who](t)}` }),
    },
    {
      route: 'POST /api/blocked-slots',
      name: `POST /api/blocked-slots for the ${who}`,
      writes: true,
      call: (t) => ({
        method: 'POST',
        url: '/api/blocked-slots',
        payload: { userId: userRef[who](t), start: '2026-12-03T12:00:00Z', end: '2026-12-03T13:00:00Z', title: 'Intrusion' },
      }),
    },
    // Connections (connection-routes.ts): the account, its calendars and the user's configuration.
    {
      route: 'GET /api/connections/{id}',
      name: `GET /api/connections/:id (${who}'s)`,
      writes: false,
      call: (t) => ({ method: 'GET', url: `/api/connections/${connRef[who](t).id}` }),
    },
    {
      route: 'POST /api/connections/{id}/reauthenticate',
      name: `POST /api/connections/:id/reauthenticate (${who}'s, with the right password)`,
      writes: true,
      call: (t) => ({
        method: 'POST',
        url: `/api/connections/${connRef[who](t).id}/reauthenticate`,
        payload: { password: radicale.password },
      }),
    },
    {
      route: 'POST /api/connections/{id}/refresh',
      name: `POST /api/connections/:id/refresh (${who}'s)`,
      writes: true,
      call: (t) => ({ method: 'POST', url: `/api/connections/${connRef[who](t).id}/refresh` }),
    },
    {
      route: 'DELETE /api/connections/{id}',
      name: `DELETE /api/connections/:id (${who}'s)`,
      writes: true,
      call: (t) => ({ method: 'DELETE', url: `/api/connections/${connRef[who](t).id}` }),
    },
    {
      route: 'POST /api/remote-calendars/{id}/sync',
      name: `POST /api/remote-calendars/:id/sync (${who}'s home calendar)`,
      writes: true,
      call: (t) => ({ method: 'POST', url: `/api/remote-calendars/${connRef[who](t).home}/sync` }),
    },
    {
      route: 'POST /api/remote-calendars/{id}/confirm-empty',
      name: `POST /api/remote-calendars/:id/confirm-empty (${who}'s home calendar)`,
      writes: true,
      call: (t) => ({ method: 'POST', url: `/api/remote-calendars/${connRef[who](t).home}/confirm-empty` }),
    },
    {
      route: 'GET /api/connections',
      name: `GET /api/connections?userId=<${who}>`,
      writes: false,
      call: (t) => ({ method: 'GET', url: `/api/connections?userId=${userRef[who](t)}` }),
    },
    {
      route: 'GET /api/users/{id}/calendar-configuration',
      name: `GET /api/users/:id/calendar-configuration (${who})`,
      writes: false,
      call: (t) => ({ method: 'GET', url: `/api/users/${userRef[who](t)}/calendar-configuration` }),
    },
    {
      route: 'PUT /api/users/{id}/calendar-configuration',
      name: `PUT /api/users/:id/calendar-configuration (${who}, clearing it)`,
      writes: true,
      call: (t) => ({
        method: 'PUT',
        url: `/api/users/${userRef[who](t)}/calendar-configuration`,
        payload: { primaryCalendarId: null, conflictCalendarIds: [] },
      }),
    },
    {
      route: 'PUT /api/users/{id}/calendar-configuration/{calendarId}/blocks-availability',
      name: `PUT …/calendar-configuration/:calendarId/blocks-availability (${who}'s home calendar)`,
      writes: true,
      call: (t) => ({
        method: 'PUT',
        url: `/api/users/${userRef[who](t)}/calendar-configuration/${connRef[who](t).home}/blocks-availability`,
        payload: { blocks: false },
      }),
    },
  ]),
  ...calendarTypes.flatMap((type): RouteCase[] => [
    {
      route: 'GET /api/calendars/{id}',
      name: `GET /api/calendars/:id (${type})`,
      writes: false,
      call: (t) => ({ method: 'GET', url: `/api/calendars/${t.calendars[type]}` }),
    },
    {
      route: 'PUT /api/calendars/{id}',
      name: `PUT /api/calendars/:id (${type})`,
      writes: true,
      call: (t, c) => ({
        method: 'PUT',
        url: `/api/calendars/${t.calendars[type]}`,
        payload: calendarBody(type, c.owner.userId, c.memberId, `taken-${slugOf(type)}`),
      }),
    },
    {
      route: 'DELETE /api/calendars/{id}',
      name: `DELETE /api/calendars/:id (${type})`,
      writes: true,
      call: (t) => ({ method: 'DELETE', url: `/api/calendars/${t.calendars[type]}` }),
    },
    {
      route: 'GET /api/calendars/{id}/explain',
      name: `GET /api/calendars/:id/explain (${type})`,
      writes: false,
      call: (t) => ({
        method: 'GET',
        url: `/api/calendars/${t.calendars[type]}/explain?start=2026-12-03T10:00:00Z${type === 'service' ? `&serviceId=${t.serviceId}` : ''}`,
      }),
    },
    {
      route: 'GET /api/calendars/{id}/assignees',
      name: `GET /api/calendars/:id/assignees (${type})`,
      writes: false,
      call: (t) => ({
        method: 'GET',
        // The event calendar's sessions are on Wednesdays.
        url: `/api/calendars/${t.calendars[type]}/assignees?start=${type === 'event' ? '2026-12-02' : '2026-12-03'}T10:00:00Z${type === 'service' ? `&serviceId=${t.serviceId}` : ''}`,
      }),
    },
    {
      route: 'GET /api/calendars/{id}/slots',
      name: `GET /api/calendars/:id/slots (${type})`,
      writes: false,
      call: (t) => ({
        method: 'GET',
        url: `/api/calendars/${t.calendars[type]}/slots?${SLOT_DAY}${type === 'service' ? `&serviceId=${t.serviceId}` : ''}`,
      }),
    },
    {
      route: 'POST /api/appointments',
      name: `POST /api/appointments into the ${type} calendar`,
      writes: true,
      call: (t) => ({
        method: 'POST',
        url: '/api/appointments',
        payload: {
          calendarId: t.calendars[type],
          start: t.freeStart[type],
          contact: contact('intruder'),
          ...(type === 'service' && { serviceId: t.serviceId }),
        },
      }),
    },
  ]),
  {
    route: 'GET /api/appointments/{id}',
    name: 'GET /api/appointments/:id',
    writes: false,
    call: (t) => ({ method: 'GET', url: `/api/appointments/${t.appointmentId}` }),
  },
  {
    route: 'POST /api/appointments/{id}/reschedule',
    name: 'POST /api/appointments/:id/reschedule',
    writes: true,
    call: (t) => ({ method: 'POST', url: `/api/appointments/${t.appointmentId}/reschedule`, payload: { start: t.freeStart.simple } }),
  },
  {
    route: 'POST /api/appointments/{id}/cancel',
    name: 'POST /api/appointments/:id/cancel',
    writes: true,
    call: (t) => ({ method: 'POST', url: `/api/appointments/${t.appointmentId}/cancel` }),
  },
  {
    route: 'DELETE /api/blocked-slots/{id}',
    name: 'DELETE /api/blocked-slots/:id',
    writes: true,
    call: (t) => ({ method: 'DELETE', url: `/api/blocked-slots/${t.blockedSlotId}` }),
  },
  {
    route: 'GET /api/blocked-slots/{id}/appointments',
    name: 'GET /api/blocked-slots/:id/appointments',
    writes: false,
    call: (t) => ({ method: 'GET', url: `/api/blocked-slots/${t.importedBlockId}/appointments` }),
  },
  {
    route: 'POST /api/blocked-slots/{id}/cancel-appointments',
    name: 'POST /api/blocked-slots/:id/cancel-appointments',
    writes: true,
    call: (t) => ({ method: 'POST', url: `/api/blocked-slots/${t.importedBlockId}/cancel-appointments` }),
  },
  {
    route: 'GET /api/contacts/{id}',
    name: 'GET /api/contacts/:id',
    writes: false,
    call: (t) => ({ method: 'GET', url: `/api/contacts/${t.contactId}` }),
  },
  {
    route: 'DELETE /api/tokens/{id}',
    name: 'DELETE /api/tokens/:id',
    writes: true,
    call: (t) => ({ method: 'DELETE', url: `/api/tokens/${t.apiTokenId}` }),
  },
  {
    route: 'POST /api/calendars',
    name: "POST /api/calendars staffed with the other workspace's users",
    writes: true,
    adminFirst: true,
    call: (t) => ({
      method: 'POST',
      url: '/api/calendars',
      payload: calendarBody('service', t.owner.userId, t.memberId, 'borrowed-staff'),
    }),
  },
  {
    route: 'PUT /api/calendars/{id}',
    name: "PUT own calendar staffed with the other workspace's owner",
    writes: true,
    adminFirst: true,
    call: (t, c) => ({
      method: 'PUT',
      url: `/api/calendars/${c.calendars.simple}`,
      payload: calendarBody('simple', t.owner.userId, t.memberId, slugOf('simple')),
    }),
  },
  {
    route: 'PUT /api/users/{id}/calendar-configuration',
    name: "PUT own calendar configuration naming the other workspace's calendars",
    writes: true,
    call: (t, _c, self) => ({
      method: 'PUT',
      url: `/api/users/${self}/calendar-configuration`,
      payload: { primaryCalendarId: t.connections.owner.home, conflictCalendarIds: [t.connections.member.work] },
    }),
  },
  // Notifications (notification-routes.ts, issue 11).
  {
    route: 'GET /api/calendars/{id}/notification-settings',
    name: 'GET /api/calendars/:id/notification-settings',
    writes: false,
    call: (t) => ({ method: 'GET', url: `/api/calendars/${t.calendars.simple}/notification-settings` }),
  },
  {
    route: 'PUT /api/calendars/{id}/notification-settings',
    name: 'PUT /api/calendars/:id/notification-settings',
    writes: true,
    adminFirst: true,
    call: (t) => ({ method: 'PUT', url: `/api/calendars/${t.calendars.simple}/notification-settings`, payload: { clientReminder: false } }),
  },
  {
    route: 'GET /api/appointments/{id}/deliveries',
    name: 'GET /api/appointments/:id/deliveries',
    writes: false,
    call: (t) => ({ method: 'GET', url: `/api/appointments/${t.appointmentId}/deliveries` }),
  },
];

// ---------------------------------------------------------------------------------------------
// List routes: a viewer sees their own workspace's rows and none of the other's
// ---------------------------------------------------------------------------------------------

interface ListCase {
  route: string;
  name: string;
  url(target: Workspace): string;
  /** Ids of the viewer's own workspace the answer must hold; null: the answer must be empty. */
  own: ((viewer: Workspace, self: string) => string[]) | null;
}

const listRoutes: ListCase[] = [
  { route: 'GET /api/users', name: 'GET /api/users', url: () => '/api/users', own: (v) => [v.owner.userId, v.memberId] },
  {
    route: 'GET /api/calendars',
    name: 'GET /api/calendars',
    url: () => '/api/calendars',
    own: (v) => [...Object.values(v.calendars), v.serviceId],
  },
  {
    route: 'GET /api/appointments',
    name: 'GET /api/appointments?from&to',
    url: () => `/api/appointments?${WINDOW}`,
    own: (v) => [v.appointmentId, v.contactId],
  },
  {
    route: 'GET /api/blocked-slots',
    name: 'GET /api/blocked-slots?from&to',
    url: () => `/api/blocked-slots?${WINDOW}`,
    own: (v) => [v.blockedSlotId],
  },
  { route: 'GET /api/contacts', name: 'GET /api/contacts', url: () => '/api/contacts', own: (v) => [v.contactId] },
  {
    route: 'GET /api/tokens',
    name: 'GET /api/tokens',
    url: () => '/api/tokens',
    own: (v, self) => (self === v.owner.userId ? [v.apiTokenId] : []),
  },
  {
    route: 'GET /api/connections',
    name: 'GET /api/connections',
    url: () => '/api/connections',
    own: (v, self) => Object.values(connectionOf(v, self)),
  },
  {
    route: 'GET /api/contacts',
    name: 'GET /api/contacts?search=<email both workspaces know>',
    url: () => `/api/contacts?search=${encodeURIComponent(SHARED_CLIENT.email)}`,
    own: (v) => [v.contactId],
  },
  {
    route: 'GET /api/appointments',
    name: "GET /api/appointments?calendarId=<other workspace's calendar>",
    url: (t) => `/api/appointments?${WINDOW}&calendarId=${t.calendars.simple}`,
    own: null,
  },
  {
    route: 'GET /api/appointments',
    name: "GET /api/appointments?userId=<other workspace's owner>",
    url: (t) => `/api/appointments?${WINDOW}&userId=${t.owner.userId}`,
    own: null,
  },
  {
    route: 'GET /api/sync/status',
    name: "GET /api/sync/status?userId=<other workspace's owner>",
    url: (t) => `/api/sync/status?userId=${t.owner.userId}`,
    own: null,
  },
  {
    route: 'GET /api/blocked-slots',
    name: "GET /api/blocked-slots?userId=<other workspace's owner>",
    url: (t) => `/api/blocked-slots?${WINDOW}&userId=${t.owner.userId}`,
    own: null,
  },
];

/**
 * Documented routes these tables need not drive: sign-up, sign-in and the error table take no
 * credentials; sign-out, /api/me, token creation and connecting an account act only on the caller;
 * creating a user has no id to cross with (a member's 403 is tested below); public routes are
 * tested on their own.
 */
const exemptRoutes = new Set([
  'POST /api/workspaces',
  'POST /api/auth/sign-in',
  'GET /api/errors',
  'POST /api/auth/sign-out',
  'GET /api/me',
  'POST /api/tokens',
  'POST /api/users',
  'POST /api/connections',
  'POST /api/invites/accept',
  // Webhook endpoints and .eml files have their own tenancy test (test/integration/notifications/delivery.test.ts).
  'POST /api/webhooks',
  'GET /api/webhooks',
  'DELETE /api/webhooks/{id}',
  'POST /api/webhooks/{id}/rotate',
  'POST /api/webhooks/{id}/enable',
  'GET /api/webhooks/{id}/deliveries',
  'GET /api/notifications/mail',
  'GET /api/notifications/mail/{name}',
]);

describe.each(databaseKinds)('tenancy: nothing crosses workspaces on %s', (kind) => {
  let api: TestApi;
  let A: Workspace;
  let B: Workspace;
  let ghostA: Workspace;
  let ghostB: Workspace;
  let expiredSession: string;
  let signedOutSession: string;

  const send = (call: Call, headers: Headers = {}) =>
    api.server.inject({ method: call.method, url: call.url, headers, ...(call.payload !== undefined && { payload: call.payload }) });

  async function ok<T>(call: Call, headers: Headers, status = 200): Promise<T> {
    const response = await send(call, headers);
    expect(response.statusCode, `${call.method} ${call.url}: ${response.body}`).toBe(status);
    return response.json<T>();
  }

  async function noContent(call: Call, headers: Headers): Promise<void> {
    const response = await send(call, headers);
    expect(response.statusCode, `${call.method} ${call.url}: ${response.body}`).toBe(204);
    expect(response.body).toBe('');
  }

  async function signIn(email: string, password: string): Promise<Session> {
    const body = await ok<{ token: string; userId: string; workspaceId: string }>(
      { method: 'POST', url: '/api/auth/sign-in', payload: { email, password } },
      {},
    );
    return { ...body, headers: { authorization: `Bearer ${body.token}` } };
  }

  /** Workspace A's (or B's) state as its owner reads it, plus its date overrides straight from the store. */
  async function snapshot(ws: Workspace) {
    const read = (url: string) => ok<unknown>({ method: 'GET', url }, ws.owner.headers);
    const overrides = await api.app.database.db
      .selectFrom('date_overrides')
      .select(['user_id', sql<string>`to_char(date, 'YYYY-MM-DD')`.as('day'), 'ranges'])
      .where('workspace_id', '=', ws.owner.workspaceId)
      .orderBy('user_id')
      .orderBy('day')
      .execute();
    return {
      users: await read('/api/users'),
      calendars: await read('/api/calendars'),
      appointments: await read(`/api/appointments?${WINDOW}`),
      blockedSlots: await read(`/api/blocked-slots?${WINDOW}`),
      contacts: await read('/api/contacts'),
      connections: await read('/api/connections'),
      memberConnections: await read(`/api/connections?userId=${ws.memberId}`),
      ownerConfiguration: await read(`/api/users/${ws.owner.userId}/calendar-configuration`),
      memberConfiguration: await read(`/api/users/${ws.memberId}/calendar-configuration`),
      overrides,
    };
  }

  /** A workspace with an owner, a member who can sign in, an API token, one calendar of each type, a booking, a blocked slot and an override. */
  async function seedWorkspace(label: string): Promise<Workspace> {
    const owner = await signUp(api.server);
    const memberEmail = `tenancy-member-${label.toLowerCase()}-${randomUUID()}@example.test`;
    const memberId = (
      await ok<{ id: string }>(
        {
          method: 'POST',
          url: '/api/users',
          payload: { email: memberEmail, name: `Member ${label}`, role: 'member', timezone: 'Europe/London', password: MEMBER_PASSWORD },
        },
        owner.headers,
        201,
      )
    ).id;
    const member = await signIn(memberEmail, MEMBER_PASSWORD);
    const { token: apiToken, id: apiTokenId } = await ok<{ token: string; id: string }>(
      { method: 'POST', url: '/api/tokens', payload: { name: `tenancy ${label}` } },
      owner.headers,
      201,
    );
    const calendars = await perType(
      async (type) =>
        (
          await ok<{ id: string }>(
            { method: 'POST', url: '/api/calendars', payload: calendarBody(type, owner.userId, memberId, slugOf(type)) },
            owner.headers,
            201,
          )
        ).id,
    );
    const service = await ok<{ services: Array<{ id: string }> }>(
      { method: 'GET', url: `/api/calendars/${calendars.service}` },
      owner.headers,
    );
    const serviceId = service.services[0]?.id ?? '';
    expect(serviceId).not.toBe('');

    const booked = await ok<{ manageToken: string }>(
      {
        method: 'POST',
        url: `/api/public/calendars/${calendars.simple}/bookings`,
        payload: { start: BOOKED_START, contact: SHARED_CLIENT },
      },
      {},
      201,
    );
    const [appointment] = await ok<Array<{ id: string; attendees: Array<{ id: string; contactId: string }> }>>(
      { method: 'GET', url: `/api/appointments?${WINDOW}&calendarId=${calendars.simple}` },
      owner.headers,
    );
    const attendee = appointment?.attendees[0];
    expect(attendee).toBeDefined();

    const blockedSlotId = (
      await ok<{ id: string }>(
        {
          method: 'POST',
          url: '/api/blocked-slots',
          payload: { userId: owner.userId, start: '2026-11-25T12:00:00Z', end: '2026-11-25T13:00:00Z', title: 'Dentist' },
        },
        owner.headers,
        201,
      )
    ).id;
    await noContent(
      { method: 'PUT', url: `/api/users/${memberId}/overrides/${OVERRIDE_DATE}`, payload: { ranges: [{ start: '10:00', end: '12:00' }] } },
      owner.headers,
    );

    const connect = async (session: Session): Promise<ConnectionIds> => {
      const connection = await ok<{ id: string; calendars: Array<{ id: string; displayName: string }> }>(
        {
          method: 'POST',
          url: '/api/connections',
          payload: { provider: 'caldav', serverUrl: radicale.baseUrl, username: radicale.username, password: radicale.password },
        },
        session.headers,
        201,
      );
      const idOf = (name: string) => connection.calendars.find((c) => c.displayName === name)?.id ?? '';
      const ids = { id: connection.id, home: idOf('Home'), work: idOf('Work') };
      expect(ids.home && ids.work, JSON.stringify(connection)).toBeTruthy();
      await ok<unknown>(
        {
          method: 'PUT',
          url: `/api/users/${session.userId}/calendar-configuration`,
          payload: { primaryCalendarId: ids.home, conflictCalendarIds: [ids.work] },
        },
        session.headers,
      );
      return ids;
    };
    const connections = { owner: await connect(owner), member: await connect(member) };
    // An imported all-day block of the owner's, as the sync engine stores it (outside SLOT_DAY and WINDOW's bookings).
    const db = api.app.database.db;
    const item = await db
      .insertInto('remote_items')
      .values({
        workspace_id: owner.workspaceId,
        remote_calendar_id: connections.owner.work,
        user_id: owner.userId,
        href: '/tenancy/holiday.ics',
        kind: 'imported',
        uid: `holiday-${label}`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const occurrence = await db
      .insertInto('imported_occurrences')
      .values({
        workspace_id: owner.workspaceId,
        remote_item_id: item.id,
        user_id: owner.userId,
        start_at: '2027-03-01T00:00:00Z',
        end_at: '2027-03-02T00:00:00Z',
        all_day: true,
        summary: 'Holiday',
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const freeStart = await perType(async (type) => {
      const slots = await ok<Array<{ start: string }>>(
        { method: 'GET', url: `/api/calendars/${calendars[type]}/slots?${SLOT_DAY}${type === 'service' ? `&serviceId=${serviceId}` : ''}` },
        owner.headers,
      );
      expect(slots.length, `free slots of the ${type} calendar`).toBeGreaterThan(0);
      return slots[0]?.start ?? '';
    });
    return {
      label,
      owner,
      memberId,
      memberEmail,
      member,
      apiToken,
      apiTokenId,
      calendars,
      serviceId,
      freeStart,
      appointmentId: appointment?.id ?? '',
      attendeeId: attendee?.id ?? '',
      manageToken: booked.manageToken,
      blockedSlotId,
      importedBlockId: `imported-${occurrence.id}`,
      contactId: attendee?.contactId ?? '',
      connections,
    };
  }

  beforeAll(async () => {
    api = await startTestApi(kind);
    A = await seedWorkspace('A');
    B = await seedWorkspace('B');
    ghostA = ghostOf(A);
    ghostB = ghostOf(B);

    // A session that was valid once: signed in 31 days ago, so it lapsed yesterday.
    const now = api.clock.now;
    api.clock.now = new Date(now.getTime() - 31 * DAY_MS);
    const old = await signIn(A.memberEmail, MEMBER_PASSWORD);
    expect((await send({ method: 'GET', url: '/api/me' }, old.headers)).statusCode).toBe(200);
    api.clock.now = now;
    expiredSession = old.token;

    const leaving = await signIn(A.memberEmail, MEMBER_PASSWORD);
    expect((await send({ method: 'GET', url: '/api/me' }, leaving.headers)).statusCode).toBe(200);
    await noContent({ method: 'POST', url: '/api/auth/sign-out' }, leaving.headers);
    signedOutSession = leaving.token;
  });
  afterAll(async () => api?.close());

  it('seeds two workspaces that share nothing but a client email', () => {
    expect(A.owner.workspaceId).not.toBe(B.owner.workspaceId);
    expect(A.contactId).not.toBe(B.contactId);
    expect(idsOf(A).filter((id) => idsOf(B).includes(id))).toEqual([]);
  });

  it('covers every documented route that needs credentials', async () => {
    const doc = await ok<{ paths: Record<string, Record<string, unknown>> }>({ method: 'GET', url: '/api/openapi.json' }, {});
    const documented = Object.entries(doc.paths)
      .filter(([path]) => !path.startsWith('/api/public/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const covered = new Set([...idRoutes.map((r) => r.route), ...listRoutes.map((r) => r.route), ...exemptRoutes]);
    expect(documented.filter((route) => !covered.has(route))).toEqual([]);
  });

  interface Perspective {
    name: string;
    role: 'owner' | 'member';
    caller: () => Workspace;
    self: () => string;
    target: () => Workspace;
    ghost: () => Workspace;
    headers: () => Headers;
  }
  const perspectives: Perspective[] = [
    {
      name: "B's owner on A",
      role: 'owner',
      caller: () => B,
      self: () => B.owner.userId,
      target: () => A,
      ghost: () => ghostA,
      headers: () => B.owner.headers,
    },
    {
      name: "A's API token on B",
      role: 'owner',
      caller: () => A,
      self: () => A.owner.userId,
      target: () => B,
      ghost: () => ghostB,
      headers: () => bearer(A.apiToken),
    },
    {
      name: "A's member on B",
      role: 'member',
      caller: () => A,
      self: () => A.memberId,
      target: () => B,
      ghost: () => ghostB,
      headers: () => A.member.headers,
    },
  ];

  describe('another workspace gets 404, exactly as for an id that does not exist, and changes nothing', () => {
    const cases = perspectives.flatMap((perspective) =>
      idRoutes.map((route) => ({ label: `${perspective.name}: ${route.name}`, perspective, route })),
    );

    it.each(cases)('$label', async ({ perspective, route }) => {
      const target = perspective.target();
      const caller = perspective.caller();
      const self = perspective.self();
      const before = await snapshot(target);
      const response = await send(route.call(target, caller, self), perspective.headers());
      if (perspective.role === 'member' && route.adminFirst) expectError(response, 403, 'forbidden');
      else expectError(response, 404, 'not_found');
      for (const id of idsOf(target)) expect(response.body).not.toContain(id);

      const unknown = await send(route.call(perspective.ghost(), caller, self), perspective.headers());
      expect(unknown.statusCode).toBe(response.statusCode);
      expect(unknown.json()).toEqual(response.json());
      expect(await snapshot(target)).toEqual(before);
    });
  });

  describe("lists hold only the caller's workspace", () => {
    const cases = perspectives.flatMap((perspective) =>
      listRoutes.map((route) => ({ label: `${perspective.name}: ${route.name}`, perspective, route })),
    );

    it.each(cases)('$label', async ({ perspective, route }) => {
      const viewer = perspective.caller();
      const response = await send({ method: 'GET', url: route.url(perspective.target()) }, perspective.headers());
      expect(response.statusCode, response.body).toBe(200);
      for (const id of idsOf(perspective.target())) expect(response.body, `leaks ${id}`).not.toContain(id);
      if (route.own === null) expect(response.json()).toEqual([]);
      else for (const id of route.own(viewer, perspective.self())) expect(response.body, `misses own ${id}`).toContain(id);
    });
  });

  describe('without valid credentials every route answers 401 and changes nothing', () => {
    // Only the anonymous pass re-reads A afterwards: a handler writing before it authenticates would
    // do so whatever the credentials, and a credential that authenticated would not answer 401.
    const credentials: Array<{ name: string; headers: () => Headers }> = [
      { name: 'anonymous', headers: () => ({}) },
      { name: 'a malformed bearer token', headers: () => bearer('not-a-token') },
      { name: 'a non-bearer scheme', headers: () => ({ authorization: `Basic ${Buffer.from('owner:password').toString('base64')}` }) },
      { name: 'an unknown session token', headers: () => bearer(`tds_${randomBytes(24).toString('base64url')}`) },
      { name: "a forged API token (A's with one character changed)", headers: () => bearer(tamper(A.apiToken)) },
      { name: 'an expired session', headers: () => bearer(expiredSession) },
      { name: 'a signed-out session', headers: () => bearer(signedOutSession) },
    ];
    const routes: Array<{ name: string; writes: boolean; call: () => Call }> = [
      ...idRoutes.map((route) => ({ name: route.name, writes: route.writes, call: () => route.call(A, B, B.owner.userId) })),
      ...listRoutes.map((route) => ({ name: route.name, writes: false, call: (): Call => ({ method: 'GET', url: route.url(A) }) })),
    ];
    const cases = credentials.flatMap((credential) =>
      routes.map((route) => ({ label: `${credential.name}: ${route.name}`, credential, route })),
    );

    it.each(cases)('$label', async ({ credential, route }) => {
      const before = route.writes && credential.name === 'anonymous' ? await snapshot(A) : null;
      const response = await send(route.call(), credential.headers());
      expectError(response, 401, 'unauthenticated');
      for (const id of idsOf(A)) expect(response.body).not.toContain(id);
      if (before) expect(await snapshot(A)).toEqual(before);
    });
  });

  describe("A's API token acts for A", () => {
    const reads = idRoutes.filter((route) => !route.writes);

    it('is the owner', async () => {
      expect(await ok<{ id: string; role: string }>({ method: 'GET', url: '/api/me' }, bearer(A.apiToken))).toMatchObject({
        id: A.owner.userId,
        role: 'owner',
      });
    });

    it.each(reads.map((route) => ({ label: route.name, route })))('reads $label like a session does', async ({ route }) => {
      const call = route.call(A, A, A.owner.userId);
      const viaToken = await ok<unknown>(call, bearer(A.apiToken));
      expect(viaToken).toEqual(await ok<unknown>(call, A.owner.headers));
    });

    it.each(listRoutes.filter((route) => route.own !== null).map((route) => ({ label: route.name, route })))(
      'lists $label like a session does',
      async ({ route }) => {
        const call: Call = { method: 'GET', url: route.url(B) };
        const viaToken = await ok<unknown>(call, bearer(A.apiToken));
        expect(viaToken).toEqual(await ok<unknown>(call, A.owner.headers));
      },
    );
  });

  describe('a member of A may change only themselves', () => {
    const forbidden: Array<{ name: string; call: () => Call }> = [
      {
        name: 'POST /api/calendars',
        call: () => ({ method: 'POST', url: '/api/calendars', payload: calendarBody('simple', A.memberId, A.memberId, 'members-own') }),
      },
      {
        name: 'POST /api/users',
        call: () => ({
          method: 'POST',
          url: '/api/users',
          payload: { email: `tenancy-new-${randomUUID()}@example.test`, name: 'New', timezone: 'Europe/London' },
        }),
      },
      {
        name: 'PATCH /api/users/:id of the owner',
        call: () => ({ method: 'PATCH', url: `/api/users/${A.owner.userId}`, payload: { name: 'Renamed By Member' } }),
      },
      {
        name: 'PUT /api/calendars/:id',
        call: () => ({
          method: 'PUT',
          url: `/api/calendars/${A.calendars.simple}`,
          payload: calendarBody('simple', A.memberId, A.memberId, 'simple'),
        }),
      },
      { name: 'DELETE /api/calendars/:id', call: () => ({ method: 'DELETE', url: `/api/calendars/${A.calendars.simple}` }) },
      {
        name: "PUT the owner's date override",
        call: () => ({ method: 'PUT', url: `/api/users/${A.owner.userId}/overrides/${OVERRIDE_DATE}`, payload: { ranges: [] } }),
      },
      { name: "DELETE the owner's blocked slot", call: () => ({ method: 'DELETE', url: `/api/blocked-slots/${A.blockedSlotId}` }) },
      {
        name: 'POST a blocked slot for the owner',
        call: () => ({
          method: 'POST',
          url: '/api/blocked-slots',
          payload: { userId: A.owner.userId, start: '2026-12-03T12:00:00Z', end: '2026-12-03T13:00:00Z', title: 'Not mine' },
        }),
      },
      {
        name: "GET the owner's calendar configuration",
        call: () => ({ method: 'GET', url: `/api/users/${A.owner.userId}/calendar-configuration` }),
      },
      {
        name: "PUT the owner's calendar configuration",
        call: () => ({
          method: 'PUT',
          url: `/api/users/${A.owner.userId}/calendar-configuration`,
          payload: { primaryCalendarId: null, conflictCalendarIds: [] },
        }),
      },
      {
        name: 'GET /api/connections?userId=<the owner>',
        call: () => ({ method: 'GET', url: `/api/connections?userId=${A.owner.userId}` }),
      },
    ];

    it.each(forbidden.map((c) => ({ label: c.name, c })))('gets 403 for $label', async ({ c }) => {
      const before = await snapshot(A);
      expectError(await send(c.call(), A.member.headers), 403, 'forbidden');
      expect(await snapshot(A)).toEqual(before);
    });

    // connection-access.ts: a colleague's credentials are not even acknowledged to a member.
    it.each([
      { label: 'GET', call: (): Call => ({ method: 'GET', url: `/api/connections/${A.connections.owner.id}` }) },
      { label: 'DELETE', call: (): Call => ({ method: 'DELETE', url: `/api/connections/${A.connections.owner.id}` }) },
      { label: 'refresh', call: (): Call => ({ method: 'POST', url: `/api/connections/${A.connections.owner.id}/refresh` }) },
    ])("gets 404 for $label of the owner's connection", async ({ call }) => {
      const before = await snapshot(A);
      expectError(await send(call(), A.member.headers), 404, 'not_found');
      expect(await snapshot(A)).toEqual(before);
    });

    it('can PATCH themselves', async () => {
      const original = await ok<{ name: string }>({ method: 'GET', url: `/api/users/${A.memberId}` }, A.owner.headers);
      const patched = await ok<{ id: string; name: string; role: string }>(
        { method: 'PATCH', url: `/api/users/${A.memberId}`, payload: { name: 'Member Renamed' } },
        A.member.headers,
      );
      expect(patched).toMatchObject({ id: A.memberId, name: 'Member Renamed', role: 'member' });
      expect(await ok<{ name: string }>({ method: 'GET', url: `/api/users/${A.memberId}` }, A.owner.headers)).toMatchObject({
        name: 'Member Renamed',
      });
      await ok<unknown>({ method: 'PATCH', url: `/api/users/${A.memberId}`, payload: { name: original.name } }, A.owner.headers);
    });
  });

  describe("a booking's manage link works only with its own secret", () => {
    const secretOf = (token: string) => token.slice(token.indexOf('.') + 1);

    it("opens A's booking with the untampered link", async () => {
      expect(
        await ok<{ start: string; status: string }>({ method: 'GET', url: `/api/public/bookings/${A.manageToken}` }, {}),
      ).toMatchObject({ start: '2026-11-24T10:00:00.000Z', status: 'confirmed' });
    });

    const links: Array<{ name: string; token: () => string }> = [
      { name: 'a tampered secret', token: () => tamper(A.manageToken) },
      { name: "A's attendee with B's secret", token: () => `${A.attendeeId}.${secretOf(B.manageToken)}` },
      { name: "B's attendee with A's secret", token: () => `${B.attendeeId}.${secretOf(A.manageToken)}` },
      { name: 'no secret at all', token: () => `${A.attendeeId}.` },
      { name: 'the attendee id alone', token: () => A.attendeeId },
    ];
    const actions: Array<{ name: string; call: (token: string) => Call }> = [
      { name: 'GET', call: (token) => ({ method: 'GET', url: `/api/public/bookings/${token}` }) },
      {
        name: 'reschedule',
        call: (token) => ({ method: 'POST', url: `/api/public/bookings/${token}/reschedule`, payload: { start: A.freeStart.simple } }),
      },
      { name: 'cancel', call: (token) => ({ method: 'POST', url: `/api/public/bookings/${token}/cancel` }) },
    ];
    const cases = links.flatMap((link) => actions.map((action) => ({ label: `${action.name} with ${link.name}`, link, action })));

    it.each(cases)('404 for $label', async ({ link, action }) => {
      const before = await snapshot(A);
      const response = await send(action.call(link.token()), {});
      expectError(response, 404, 'not_found');
      const unknown = await send(action.call(`${randomUUID()}.${randomBytes(24).toString('base64url')}`), {});
      expect(unknown.json()).toEqual(response.json());
      expect(await snapshot(A)).toEqual(before);
    });
  });
});
