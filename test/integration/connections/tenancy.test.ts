/**
 * Who may reach a connection: its owner manages it; owners/admins of the same workspace may read
 * it; other members and every other workspace are told it does not exist; nobody anonymous.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { signUp, type Session } from '../../support/api.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { addMemberSession, connectedICloud, connectionRowCounts, startApp, type ConnectionJson } from './harness.ts';

let emulator: ICloudEmulator;
beforeAll(async () => {
  emulator = await startICloudEmulator();
});
afterAll(async () => emulator?.stop());

interface RouteCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: Record<string, unknown>;
}

/** Every connection route, aimed at one user's connection and configuration. */
function routesFor(connection: ConnectionJson, appPassword: string): RouteCall[] {
  const calendarId = connection.calendars[0]?.id ?? '';
  return [
    { method: 'GET', url: `/api/connections/${connection.id}` },
    { method: 'GET', url: `/api/connections?userId=${connection.userId}` },
    { method: 'POST', url: `/api/connections/${connection.id}/reauthenticate`, payload: { appSpecificPassword: appPassword } },
    { method: 'POST', url: `/api/connections/${connection.id}/refresh` },
    { method: 'DELETE', url: `/api/connections/${connection.id}` },
    { method: 'GET', url: `/api/users/${connection.userId}/calendar-configuration` },
    {
      method: 'PUT',
      url: `/api/users/${connection.userId}/calendar-configuration`,
      payload: { primaryCalendarId: null, conflictCalendarIds: [calendarId] },
    },
  ];
}

const send = (server: FastifyInstance, route: RouteCall, session: Session | null) =>
  server.inject({
    method: route.method,
    url: route.url,
    ...(route.payload && { payload: route.payload }),
    ...(session && { headers: session.headers }),
  });

describe.each(databaseKinds)('connection routes across users and workspaces on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: App;
  let owner: Session;
  let member: Session;
  let memberConnection: ConnectionJson;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await startApp(database, { env: emulator.appEnv });
    owner = await signUp(app.server);
    member = await addMemberSession(app.server, owner);
    memberConnection = await connectedICloud(app.server, member, { email: emulator.appleId, appSpecificPassword: emulator.appPassword });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const unchanged = async () => {
    const shown = await app.server.inject({ method: 'GET', url: `/api/connections/${memberConnection.id}`, headers: member.headers });
    expect(shown.statusCode).toBe(200);
    expect(shown.json<ConnectionJson>().calendars.every((c) => c.role === 'none')).toBe(true);
  };

  it('answers 401 to anonymous callers on every route, including connecting', async () => {
    const before = await connectionRowCounts(database);
    const routes: RouteCall[] = [
      ...routesFor(memberConnection, emulator.appPassword),
      { method: 'GET', url: '/api/connections' },
      {
        method: 'POST',
        url: '/api/connections',
        payload: { provider: 'icloud', email: emulator.appleId, appSpecificPassword: emulator.appPassword },
      },
    ];
    for (const route of routes) {
      const response = await send(app.server, route, null);
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('unauthenticated');
    }
    expect(await connectionRowCounts(database)).toEqual(before);
    await unchanged();
  });

  it('answers 404 to another workspace on every route', async () => {
    const outsider = await signUp(app.server);
    for (const route of routesFor(memberConnection, emulator.appPassword)) {
      const response = await send(app.server, route, outsider);
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(404);
    }
    const ownList = await app.server.inject({ method: 'GET', url: '/api/connections', headers: outsider.headers });
    expect(ownList.json()).toEqual([]);
    await unchanged();
  });

  it("hides a member's connection from other members (404) and their configuration from them (403)", async () => {
    const colleague = await addMemberSession(app.server, owner);
    const [get, list, reauthenticate, refresh, remove, readConfiguration, writeConfiguration] = routesFor(
      memberConnection,
      emulator.appPassword,
    );
    for (const route of [get, reauthenticate, refresh, remove]) {
      if (!route) throw new Error('route list changed');
      expect((await send(app.server, route, colleague)).statusCode, `${route.method} ${route.url}`).toBe(404);
    }
    for (const route of [list, readConfiguration, writeConfiguration]) {
      if (!route) throw new Error('route list changed');
      expect((await send(app.server, route, colleague)).statusCode, `${route.method} ${route.url}`).toBe(403);
    }
    await unchanged();
  });

  it("lets owners and admins read a member's connection and configuration, not change them", async () => {
    const admin = await addMemberSession(app.server, owner, 'admin');
    const [get, list, reauthenticate, refresh, remove, readConfiguration, writeConfiguration] = routesFor(
      memberConnection,
      emulator.appPassword,
    );
    for (const reader of [owner, admin]) {
      for (const route of [get, list, readConfiguration]) {
        if (!route) throw new Error('route list changed');
        const response = await send(app.server, route, reader);
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(200);
        expect(response.body).toContain(memberConnection.calendars[0]?.id ?? 'missing');
      }
      for (const route of [reauthenticate, refresh, remove, writeConfiguration]) {
        if (!route) throw new Error('route list changed');
        const response = await send(app.server, route, reader);
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
        expect(response.json<{ error: { code: string } }>().error.code).toBe('forbidden');
      }
    }
    await unchanged();
  });

  it('answers 400 for ids that are not ids, and 404 for ids that do not exist', async () => {
    for (const url of ['/api/connections/not-a-uuid', '/api/users/not-a-uuid/calendar-configuration']) {
      const response = await app.server.inject({ method: 'GET', url, headers: member.headers });
      expect(response.statusCode, url).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code, url).toBe('validation_failed');
    }
    const unknownConnection = await app.server.inject({
      method: 'GET',
      url: '/api/connections/00000000-0000-4000-8000-000000000000',
      headers: member.headers,
    });
    expect(unknownConnection.statusCode).toBe(404);
    const unknownUser = await app.server.inject({
      method: 'GET',
      url: '/api/connections?userId=00000000-0000-4000-8000-000000000000',
      headers: owner.headers,
    });
    expect(unknownUser.statusCode).toBe(404);
  });

  it('documents the routes and their error codes', async () => {
    const spec = (await app.server.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/connections',
        '/api/connections/{id}',
        '/api/connections/{id}/reauthenticate',
        '/api/connections/{id}/refresh',
        '/api/users/{id}/calendar-configuration',
      ]),
    );
    const codes = (await app.server.inject({ method: 'GET', url: '/api/errors' })).json<Array<{ code: string; status: number }>>();
    expect(codes).toEqual(
      expect.arrayContaining([
        { code: 'icloud_auth_failed', status: 422, message: expect.any(String) },
        { code: 'icloud_timeout', status: 504, message: expect.any(String) },
      ]),
    );
  });
});
