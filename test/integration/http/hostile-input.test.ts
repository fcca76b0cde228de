/**
 * Issue 7 item 5: hostile input gets a clear 4xx with the error shape, never a 500. Each case here
 * answered 500 (or a misleading 4xx) before the schemas refused it.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, contact, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';
import { databaseKinds } from '../../support/db.ts';

const NUL = '\u0000';

describe.each(databaseKinds)('hostile input on %s', (kind) => {
  let api: TestApi;
  let owner: Session;
  let simpleCalendar: string;

  beforeAll(async () => {
    api = await startTestApi(kind);
    owner = await signUp(api.server);
    simpleCalendar = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
  });
  afterAll(async () => api?.close());

  const inject = (options: InjectOptions) => api.server.inject(options);
  const expectError = (response: { statusCode: number; body: string; json: () => unknown }, status: number, code: string) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json()).toMatchObject({ error: { code, message: expect.any(String) } });
  };

  it('refuses a NUL character in every stored or searched string with 400 validation_failed', async () => {
    const cases: Array<{ method: 'GET' | 'POST' | 'PATCH' | 'PUT'; url: string; payload?: unknown; auth?: boolean }> = [
      { method: 'POST', url: '/api/auth/sign-in', payload: { email: `a${NUL}@example.test`, password: 'whatever-123' } },
      { method: 'POST', url: '/api/auth/sign-in', payload: { email: 'a@example.test', password: `pass${NUL}word` } },
      {
        method: 'POST',
        url: '/api/workspaces',
        payload: {
          name: `Stu${NUL}dio`,
          slug: 'nul-studio',
          owner: { name: 'O', email: 'nul@example.test', password: 'correct horse battery', timezone: 'Europe/London' },
        },
      },
      {
        method: 'POST',
        url: `/api/public/calendars/${simpleCalendar}/bookings`,
        payload: { start: '2026-11-24T10:00:00Z', contact: { name: `Ada${NUL}`, email: 'ada@example.test' } },
      },
      {
        method: 'POST',
        url: `/api/public/calendars/${simpleCalendar}/bookings`,
        payload: { start: '2026-11-24T10:00:00Z', contact: { name: 'Ada', email: 'ada@example.test', phone: `0${NUL}1` } },
      },
      {
        method: 'GET',
        url: `/api/public/calendars/${simpleCalendar}/slots?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&timezone=Europe%2FLondon%00`,
      },
      { method: 'GET', url: '/api/public/bookings/abc%00def' },
      { method: 'GET', url: '/api/contacts?search=ad%00a', auth: true },
      { method: 'POST', url: '/api/users', auth: true, payload: { email: 'm@example.test', name: `M${NUL}`, timezone: 'Europe/London' } },
      { method: 'PATCH', url: `/api/users/${owner.userId}`, auth: true, payload: { name: `Owner${NUL}` } },
      {
        method: 'POST',
        url: '/api/calendars',
        auth: true,
        payload: { slug: 'nul', name: 'N', type: 'simple', durationMin: 30, location: `Room${NUL}1`, members: [{ userId: owner.userId }] },
      },
      {
        method: 'POST',
        url: '/api/blocked-slots',
        auth: true,
        payload: { userId: owner.userId, start: '2026-11-24T10:00:00Z', end: '2026-11-24T11:00:00Z', title: `Lunch${NUL}` },
      },
      { method: 'POST', url: '/api/tokens', auth: true, payload: { name: `ci${NUL}` } },
      {
        method: 'POST',
        url: '/api/connections',
        auth: true,
        payload: { provider: 'caldav', serverUrl: 'https://dav.example.test/', username: `me${NUL}`, password: 'secret-password' },
      },
    ];
    for (const c of cases) {
      const response = await inject({
        method: c.method,
        url: c.url,
        ...(c.payload !== undefined && { payload: c.payload as object }),
        ...(c.auth && { headers: owner.headers }),
      });
      expect(response.statusCode, `${c.method} ${c.url}: ${response.body}`).toBe(400);
      expect(response.json(), `${c.method} ${c.url}`).toMatchObject({ error: { code: 'validation_failed' } });
    }
  });

  it('bounds numbers to their columns, dates and instants to a sane range', async () => {
    const price = await inject({
      method: 'POST',
      url: '/api/calendars',
      headers: owner.headers,
      payload: {
        slug: 'priced',
        name: 'Priced',
        type: 'service',
        durationMin: 30,
        members: [{ userId: owner.userId }],
        services: [{ name: 'Cut', durationMin: 30, priceCents: 2147483648, staffIds: [owner.userId] }],
      },
    });
    expectError(price, 400, 'validation_failed');
    expect(price.json<{ error: { message: string } }>().error.message).toContain('priceCents');

    expectError(
      await inject({
        method: 'PUT',
        url: `/api/users/${owner.userId}/overrides/0000-01-01`,
        headers: owner.headers,
        payload: { ranges: [] },
      }),
      400,
      'validation_failed',
    );
    expectError(
      await inject({ method: 'DELETE', url: `/api/users/${owner.userId}/overrides/9999-12-31`, headers: owner.headers }),
      400,
      'validation_failed',
    );
    expectError(
      await inject({
        method: 'POST',
        url: `/api/public/calendars/${simpleCalendar}/bookings`,
        payload: { start: '9999-12-31T10:00:00Z', contact: contact('far') },
      }),
      400,
      'validation_failed',
    );
    expectError(
      await inject({
        method: 'GET',
        url: `/api/public/calendars/${simpleCalendar}/slots?from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z`,
      }),
      400,
      'validation_failed',
    );
    expectError(
      await inject({
        method: 'POST',
        url: `/api/public/calendars/${simpleCalendar}/bookings`,
        payload: { start: '2026-11-24T10:00:00Z', seats: 2147483648, contact: contact('seats') },
      }),
      400,
      'validation_failed',
    );
  });

  it('refuses an event calendar whose first start is not a real date-time, at create and at update', async () => {
    const event = (firstStart: string) => ({
      slug: `event-${firstStart.replaceAll(/[^0-9]/g, '')}`,
      name: 'Talk',
      type: 'event',
      durationMin: 60,
      members: [{ userId: owner.userId }],
      eventSchedule: { firstStart, timezone: 'Europe/London', durationMin: 60, repeat: 'weekly', count: 4 },
    });
    for (const firstStart of ['2027-02-30T10:00', '2027-02-28T25:99', '2027-13-01T10:00']) {
      const created = await inject({ method: 'POST', url: '/api/calendars', headers: owner.headers, payload: event(firstStart) });
      expectError(created, 400, 'validation_failed');
      expect(created.json<{ error: { message: string } }>().error.message).toContain('eventSchedule.firstStart');
    }
    const good = await inject({ method: 'POST', url: '/api/calendars', headers: owner.headers, payload: event('2026-11-29T10:00') });
    expect(good.statusCode, good.body).toBe(201);
    const { id } = good.json<{ id: string }>();
    expectError(
      await inject({ method: 'PUT', url: `/api/calendars/${id}`, headers: owner.headers, payload: event('2027-02-30T10:00') }),
      400,
      'validation_failed',
    );
    // The calendar kept its valid schedule: its slots still answer.
    const slots = await inject({
      method: 'GET',
      url: `/api/public/calendars/${id}/slots?from=2026-11-29T00:00:00Z&to=2026-11-30T00:00:00Z`,
    });
    expect(slots.statusCode, slots.body).toBe(200);
    expect(slots.json<Array<{ start: string }>>().map((s) => s.start)).toEqual(['2026-11-29T10:00:00.000Z']);
  });

  it('answers 422 service_not_offered for a service id the calendar does not have', async () => {
    const otherServiceId = '5f0c7a52-5d0b-4c48-9b1e-1d7f3c2b9a11';
    expectError(
      await inject({
        method: 'POST',
        url: `/api/public/calendars/${simpleCalendar}/bookings`,
        payload: { start: '2026-11-24T10:00:00Z', serviceId: otherServiceId, contact: contact('svc') },
      }),
      422,
      'service_not_offered',
    );
    expectError(
      await inject({
        method: 'GET',
        url: `/api/public/calendars/${simpleCalendar}/slots?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&serviceId=${otherServiceId}`,
      }),
      422,
      'service_not_offered',
    );
    expect(await api.app.database.db.selectFrom('appointments').select('id').where('calendar_id', '=', simpleCalendar).execute()).toEqual(
      [],
    );
  });

  it('validates path ids as UUIDs in the schema (400), and answers an unknown UUID with 404', async () => {
    for (const url of [
      '/api/calendars/not-a-uuid',
      '/api/appointments/1',
      '/api/contacts/%27%3B%20drop',
      '/api/users/x/overrides/2026-01-01',
    ]) {
      const response = await inject({ method: url.includes('overrides') ? 'DELETE' : 'GET', url, headers: owner.headers });
      expectError(response, 400, 'validation_failed');
    }
    expectError(
      await inject({ method: 'GET', url: '/api/public/calendars/nope/slots?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z' }),
      400,
      'validation_failed',
    );
    expectError(
      await inject({ method: 'GET', url: '/api/calendars/7d4f8a0e-2f7b-4f53-9a43-5b8f5e6c1d20', headers: owner.headers }),
      404,
      'not_found',
    );
    expectError(await inject({ method: 'GET', url: '/api/public/bookings/not-a-uuid.secret' }), 404, 'not_found');
    // Authentication comes first: no session, no hint about the id.
    expectError(await inject({ method: 'GET', url: '/api/calendars/not-a-uuid' }), 401, 'unauthenticated');
  });

  it('names the problem with a body: forbidden keys, wrong media type, broken JSON', async () => {
    const proto = await inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":"a@example.test","password":"x","__proto__":{"admin":true}}',
    });
    expectError(proto, 400, 'forbidden_json_key');
    const nested = await inject({
      method: 'POST',
      url: `/api/public/calendars/${simpleCalendar}/bookings`,
      headers: { 'content-type': 'application/json' },
      payload: '{"start":"2026-11-24T10:00:00Z","contact":{"constructor":{"prototype":{"x":1}},"name":"A","email":"a@example.test"}}',
    });
    expectError(nested, 400, 'forbidden_json_key');
    const plain = await inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ email: 'a@example.test', password: 'x' }),
    });
    expectError(plain, 415, 'unsupported_media_type');
    expect(plain.json<{ error: { message: string } }>().error.message).toContain('application/json');
    expectError(
      await inject({ method: 'POST', url: '/api/auth/sign-in', headers: { 'content-type': 'application/json' }, payload: '{"email":' }),
      400,
      'malformed_json',
    );
    expectError(
      await inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        headers: { 'content-type': 'application/json' },
        payload: 'x'.repeat(1024 * 1024 + 1),
      }),
      413,
      'payload_too_large',
    );
  });

  it('answers a 100 KB query string with 414 uri_too_long, in process and over real HTTP', async () => {
    const long = `/api/public/calendars/${simpleCalendar}/slots?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&x=${'a'.repeat(100 * 1024)}`;
    expectError(await inject({ method: 'GET', url: long }), 414, 'uri_too_long');

    const server = api.server;
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = server.server.address() as AddressInfo;
      const get = (path: string, headers: Record<string, string> = {}) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              body += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end();
        });
      const answered = await get(long);
      expect(answered.status).toBe(414);
      expect(JSON.parse(answered.body)).toMatchObject({ error: { code: 'uri_too_long' } });
      const headers = await get('/healthz', { 'x-padding': 'b'.repeat(200 * 1024) });
      expect(headers.status).toBe(431);
      expect(JSON.parse(headers.body)).toMatchObject({ error: { code: 'headers_too_large' } });
    } finally {
      await server.close();
    }
  });
});
