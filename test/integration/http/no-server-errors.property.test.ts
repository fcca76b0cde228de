/**
 * Issue 7 item 5: whatever a client sends — arbitrary strings and numbers in the path, the query
 * and any field of the body — the answer is never a 5xx, and always has the error shape.
 *
 * Each run takes a valid request to an endpoint and replaces one part of it with a hostile value,
 * so the generated requests get past the parts that are right and reach the validation (and the
 * database) behind them, rather than all failing at the first field.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path segments; `:name` segments are filled from `params`. */
  path: string;
  params: Record<string, string>;
  query?: Record<string, string>;
  body?: Json;
  auth?: boolean;
}

/** Strings a careless or hostile client sends: control characters, lone surrogates, huge, date-like, id-like. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    'null',
    '__proto__',
    "'; drop table users; --",
    '../../etc/passwd',
    '%00',
    '0000-01-01',
    '9999-12-31T10:00:00Z',
    '2027-02-30T10:00',
    '2026-11-24T25:99',
    '+275760-09-13T00:00:00.000Z',
    '00000000-0000-0000-0000-000000000000',
    'a'.repeat(5000),
  ),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.uuid(),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 2147483647, 2147483648, -2147483649, Number.MAX_SAFE_INTEGER, 1e308, -0, 0.5),
);
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> },
);

function leafPaths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return [...(prefix.length > 0 ? [prefix] : []), ...entries.flatMap(([key, child]) => leafPaths(child, [...prefix, key]))];
}

function replaceAt(value: Json, path: Array<string | number>, replacement: Json): Json {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  const copy: Json = Array.isArray(value) ? [...value] : { ...(value as Record<string, Json>) };
  (copy as Record<string | number, Json>)[head] = replaceAt((value as Record<string | number, Json>)[head] ?? null, rest, replacement);
  return copy;
}

/** Lone surrogates replaced (encodeURIComponent throws on them), as String.prototype.toWellFormed does. */
const wellFormed = (value: string) => value.replaceAll(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
/** Any value into a URL part. */
const urlPart = (value: Json) => encodeURIComponent(typeof value === 'string' ? wellFormed(value) : JSON.stringify(value));

function toRequest(endpoint: Endpoint, target: { kind: 'param' | 'query' | 'body'; path: Array<string | number> } | null, value: Json) {
  const params = { ...endpoint.params };
  const query: Record<string, string> = { ...endpoint.query };
  let body = endpoint.body;
  if (target?.kind === 'param') params[String(target.path[0])] = urlPart(value);
  if (target?.kind === 'query') query[String(target.path[0])] = typeof value === 'string' ? wellFormed(value) : JSON.stringify(value);
  if (target?.kind === 'body' && body !== undefined) body = replaceAt(body, target.path, value);
  const path = endpoint.path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? (params[segment.slice(1)] ?? segment) : segment))
    .join('/');
  const search = new URLSearchParams(query).toString();
  return { method: endpoint.method, url: search ? `${path}?${search}` : path, body };
}

describe('every endpoint under arbitrary input', () => {
  let api: TestApi;
  let owner: Session;
  let endpoints: Endpoint[];

  beforeAll(async () => {
    api = await startTestApi('pglite');
    owner = await signUp(api.server);
    const calendarId = await addCalendar(api.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    const booked = await api.server.inject({
      method: 'POST',
      url: `/api/public/calendars/${calendarId}/bookings`,
      payload: { start: '2026-11-24T10:00:00Z', contact: { name: 'Ada', email: 'ada@example.test' } },
    });
    const { manageToken } = booked.json<{ manageToken: string }>();
    const contact = { name: 'Ada', email: 'ada@example.test', phone: '+44 20 7946 0000' };
    const window = { from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' };
    const calendarBody: Json = {
      slug: 'generated',
      name: 'Generated',
      type: 'event',
      durationMin: 30,
      intervalMin: 30,
      bufferBeforeMin: 0,
      bufferAfterMin: 0,
      minNoticeMin: 0,
      windowDays: 60,
      dailyLimit: null,
      seats: 5,
      distribution: 'availability',
      location: 'Room 1',
      members: [{ userId: owner.userId, priority: 0 }],
      eventSchedule: { firstStart: '2026-11-29T10:00', timezone: 'Europe/London', durationMin: 60, repeat: 'weekly', count: 4 },
    };
    endpoints = [
      // Public: no account needed, the surface anyone on the internet reaches.
      {
        method: 'POST',
        path: '/api/workspaces',
        params: {},
        body: {
          name: 'Studio',
          slug: 'studio-gen',
          owner: { name: 'O', email: 'gen@example.test', password: 'correct horse battery', timezone: 'Europe/London' },
        },
      },
      { method: 'POST', path: '/api/auth/sign-in', params: {}, body: { email: 'nobody@example.test', password: 'wrong password' } },
      { method: 'GET', path: '/api/public/calendars/:id', params: { id: calendarId } },
      {
        method: 'GET',
        path: '/api/public/calendars/:id/slots',
        params: { id: calendarId },
        query: { ...window, timezone: 'Europe/London', serviceId: calendarId },
      },
      {
        method: 'POST',
        path: '/api/public/calendars/:id/bookings',
        params: { id: calendarId },
        body: { start: '2026-11-25T10:00:00Z', seats: 1, serviceId: calendarId, contact },
      },
      { method: 'GET', path: '/api/public/bookings/:token', params: { token: manageToken } },
      {
        method: 'POST',
        path: '/api/public/bookings/:token/reschedule',
        params: { token: manageToken },
        body: { start: '2026-11-24T11:00:00Z' },
      },
      { method: 'POST', path: '/api/public/bookings/:token/cancel', params: { token: 'x.y' } },
      // Key authenticated ones: what a signed-in member writes.
      { method: 'POST', path: '/api/calendars', params: {}, body: calendarBody, auth: true },
      {
        method: 'PUT',
        path: '/api/calendars/:id',
        params: { id: calendarId },
        body: { ...(calendarBody as object), type: 'round_robin', eventSchedule: null, seats: 1 },
        auth: true,
      },
      { method: 'GET', path: '/api/calendars/:id/slots', params: { id: calendarId }, query: window, auth: true },
      { method: 'POST', path: '/api/appointments', params: {}, body: { calendarId, start: '2026-11-26T10:00:00Z', contact }, auth: true },
      { method: 'GET', path: '/api/appointments', params: {}, query: { ...window, calendarId, userId: owner.userId }, auth: true },
      {
        method: 'PUT',
        path: '/api/users/:id/overrides/:date',
        params: { id: owner.userId, date: '2026-12-01' },
        body: { ranges: [{ start: '09:00', end: '12:00' }] },
        auth: true,
      },
      {
        method: 'PATCH',
        path: '/api/users/:id',
        params: { id: owner.userId },
        body: { name: 'Owner', timezone: 'Europe/London', weeklyHours: { 1: [{ start: '09:00', end: '17:00' }] } },
        auth: true,
      },
      {
        method: 'POST',
        path: '/api/users',
        params: {},
        body: { email: 'gen-member@example.test', name: 'M', role: 'member', timezone: 'Europe/London', password: 'correct horse battery' },
        auth: true,
      },
      {
        method: 'POST',
        path: '/api/blocked-slots',
        params: {},
        body: { userId: owner.userId, start: '2026-11-27T10:00:00Z', end: '2026-11-27T11:00:00Z', title: 'Lunch' },
        auth: true,
      },
      { method: 'GET', path: '/api/contacts', params: {}, query: { search: 'ada' }, auth: true },
      {
        method: 'PUT',
        path: '/api/users/:id/calendar-configuration',
        params: { id: owner.userId },
        body: { primaryCalendarId: null, conflictCalendarIds: [] },
        auth: true,
      },
    ];
  });
  afterAll(async () => api?.close());

  it('never answers 5xx, and every 4xx has a stable code and a message', async () => {
    const target = (endpoint: Endpoint) => {
      const options = [
        ...Object.keys(endpoint.params).map((name) => ({ kind: 'param' as const, path: [name] })),
        ...Object.keys(endpoint.query ?? {}).map((name) => ({ kind: 'query' as const, path: [name] })),
        ...(endpoint.body === undefined ? [] : leafPaths(endpoint.body).map((path) => ({ kind: 'body' as const, path }))),
      ];
      return options.length > 0 ? fc.constantFrom(...options) : fc.constant(null);
    };
    const request = fc
      .integer({ min: 0, max: endpoints.length - 1 })
      .chain((index) => fc.tuple(fc.constant(endpoints[index]!), target(endpoints[index]!), hostileValue));

    await fc.assert(
      fc.asyncProperty(request, async ([endpoint, where, value]) => {
        const { method, url, body } = toRequest(endpoint, where, value);
        const response = await api.server.inject({
          method,
          url,
          ...(body !== undefined && { payload: body as object }),
          ...(endpoint.auth && { headers: owner.headers }),
        });
        expect(response.statusCode, `${method} ${url} ${JSON.stringify(body)} → ${response.body}`).toBeLessThan(500);
        if (response.statusCode >= 400)
          expect(response.json()).toMatchObject({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) } });
      }),
      { numRuns: 500 },
    );
    // Sign-up and sign-in hash passwords (deliberately slow): 500 runs take a few minutes on a loaded machine.
  }, 600_000);
});
