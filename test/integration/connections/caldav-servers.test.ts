/**
 * Provider 'caldav' through the API against real servers (Radicale and Xandikos from Debian): the
 * same connect → list → configure path as iCloud, and the private-address guard that keeps
 * user-typed server URLs away from Tandem's own network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { signUp, type Session } from '../../support/api.ts';
import { makeCalendar } from '../../support/caldav-fixtures.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { startRadicale } from '../../support/radicale.ts';
import { startXandikos } from '../../support/xandikos.ts';
import {
  calendarNamed,
  connectionRowCounts,
  errorOf,
  putConfiguration,
  startApp,
  type ConfigurationJson,
  type ConnectionJson,
} from './harness.ts';

let radicale: Awaited<ReturnType<typeof startRadicale>>;
let xandikos: Awaited<ReturnType<typeof startXandikos>>;

beforeAll(async () => {
  [radicale, xandikos] = await Promise.all([startRadicale(), startXandikos()]);
  const auth = { username: radicale.username, password: radicale.password };
  await makeCalendar(auth, `${radicale.calendarHomeUrl}home/`, { displayName: 'Home', components: ['VEVENT'] });
  await makeCalendar(auth, `${radicale.calendarHomeUrl}work/`, { displayName: 'Work', color: '#CC73E1FF', components: ['VEVENT'] });
  await makeCalendar(auth, `${radicale.calendarHomeUrl}tasks/`, { displayName: 'Tasks', components: ['VTODO'] });
  await makeCalendar({ username: xandikos.username, password: xandikos.password }, `${xandikos.calendarHomeUrl}team/`, {
    displayName: 'Team',
  });
});
afterAll(async () => {
  await radicale?.stop();
  await xandikos?.stop();
});

describe.each(databaseKinds)('connecting a CalDAV server through the API on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: App;
  let guarded: App;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await startApp(database);
    // Production's default: private and loopback addresses refused.
    guarded = await startApp(database, { env: { CALDAV_ALLOW_PRIVATE_NETWORKS: 'false' } });
  });
  afterAll(async () => {
    await app?.close();
    await guarded?.close();
    await database?.close();
  });

  const connect = (server: App['server'], session: Session, body: { serverUrl: string; username: string; password: string }) =>
    server.inject({ method: 'POST', url: '/api/connections', headers: session.headers, payload: { provider: 'caldav', ...body } });

  const configureAndReadBack = async (session: Session, primaryId: string, conflictId: string) => {
    const saved = await putConfiguration(app.server, session, session.userId, {
      primaryCalendarId: primaryId,
      conflictCalendarIds: [conflictId],
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const read = await app.server.inject({
      method: 'GET',
      url: `/api/users/${session.userId}/calendar-configuration`,
      headers: session.headers,
    });
    const configuration = read.json<ConfigurationJson>();
    expect(configuration.primaryCalendarId).toBe(primaryId);
    expect([...configuration.conflictCalendarIds].sort()).toEqual([primaryId, conflictId].sort());
  };

  it('connects Radicale, lists its event calendars, and takes a configuration', async () => {
    const owner = await signUp(app.server);
    const response = await connect(app.server, owner, {
      serverUrl: radicale.baseUrl,
      username: radicale.username,
      password: radicale.password,
    });
    expect(response.statusCode, response.body).toBe(201);
    const connection = response.json<ConnectionJson>();
    expect(connection).toMatchObject({ provider: 'caldav', serverUrl: radicale.baseUrl, username: radicale.username, status: 'active' });
    expect(connection.calendars.map((c) => c.displayName)).toEqual(['Home', 'Work']);
    expect(calendarNamed(connection, 'Work')).toMatchObject({
      url: `${radicale.calendarHomeUrl}work/`,
      writable: true,
      connectable: true,
      color: '#CC73E1',
    });
    await configureAndReadBack(owner, calendarNamed(connection, 'Home').id, calendarNamed(connection, 'Work').id);
  });

  it('refuses Radicale credentials it rejects, storing nothing', async () => {
    const owner = await signUp(app.server);
    const before = await connectionRowCounts(database);
    const response = await connect(app.server, owner, {
      serverUrl: radicale.baseUrl,
      username: radicale.username,
      password: 'not the password',
    });
    expect(response.statusCode).toBe(422);
    expect(errorOf(response)).toEqual({
      code: 'caldav_auth_failed',
      message: 'The calendar server did not accept the username and password.',
    });
    expect(await connectionRowCounts(database)).toEqual(before);
  });

  it('connects Xandikos (which accepts any credentials) and takes a configuration', async () => {
    const owner = await signUp(app.server);
    const response = await connect(app.server, owner, { serverUrl: xandikos.baseUrl, username: 'anyone', password: 'anything at all' });
    expect(response.statusCode, response.body).toBe(201);
    const connection = response.json<ConnectionJson>();
    const urls = connection.calendars.map((c) => c.url).sort();
    expect(urls).toEqual([xandikos.defaultCalendarUrl, `${xandikos.calendarHomeUrl}team/`].sort());
    const team = connection.calendars.find((c) => c.url === `${xandikos.calendarHomeUrl}team/`);
    const fallback = connection.calendars.find((c) => c.url === xandikos.defaultCalendarUrl);
    expect(team).toMatchObject({ displayName: 'Team', connectable: true, writable: true });
    await configureAndReadBack(owner, team?.id ?? '', fallback?.id ?? '');
  });

  it('refuses a server URL on a private address unless private networks are allowed', async () => {
    const owner = await signUp(guarded.server);
    const before = await connectionRowCounts(database);
    for (const serverUrl of [radicale.baseUrl, 'http://localhost:1/', 'http://169.254.169.254/']) {
      const response = await connect(guarded.server, owner, { serverUrl, username: radicale.username, password: radicale.password });
      expect(response.statusCode, serverUrl).toBe(422);
      expect(errorOf(response).code).toBe('caldav_blocked_address');
      // A configuration matter, said so: not a password problem.
      expect(errorOf(response).message).toMatch(/^Tandem does not connect to private or local network addresses\. .*not of the account/);
      expect(errorOf(response).message).not.toMatch(/password|reconnect/i);
    }
    expect(await connectionRowCounts(database)).toEqual(before);
  });

  it('rejects server URLs that are not http(s) or carry credentials', async () => {
    const owner = await signUp(app.server);
    for (const serverUrl of ['ftp://example.test/', `http://${radicale.username}:${radicale.password}@127.0.0.1:1/`, 'not a url']) {
      const response = await connect(app.server, owner, { serverUrl, username: radicale.username, password: radicale.password });
      expect(response.statusCode, serverUrl).toBe(400);
      expect(errorOf(response).code).toBe('validation_failed');
      expect(response.body).not.toContain(radicale.password);
    }
  });
});
