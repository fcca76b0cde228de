/**
 * Connecting iCloud through the HTTP API (SPEC §3–4), against the iCloud emulator: the new user's
 * path from email + app-specific password to a chosen primary and conflict calendars, and every
 * way connecting can fail — each with its own code and message, and nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { signUp } from '../../support/api.ts';
import { davRequest, makeCalendar } from '../../support/caldav-fixtures.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { freePort } from '../../support/free-port.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import {
  calendarNamed,
  connectICloud,
  connectedICloud,
  connectionRowCounts,
  errorOf,
  putConfiguration,
  startApp,
  type ConfigurationJson,
  type ConnectionJson,
} from './harness.ts';

let emulator: ICloudEmulator;
const storeAuth = () => ({ username: emulator.radicale.username, password: emulator.radicale.password });

beforeAll(async () => {
  emulator = await startICloudEmulator();
  // A third event calendar, so a primary and two more conflict calendars can be chosen.
  await makeCalendar(storeAuth(), `${emulator.radicale.calendarHomeUrl}personal/`, {
    displayName: 'Personal',
    color: '#FF2D55FF',
    components: ['VEVENT'],
  });
});
afterAll(async () => emulator?.stop());

describe.each(databaseKinds)('connecting iCloud through the API on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: App;
  const started: App[] = [];
  const credentials = () => ({ email: emulator.appleId, appSpecificPassword: emulator.appPassword });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await startApp(database, { env: emulator.appEnv });
    started.push(app);
  });
  afterAll(async () => {
    for (const a of started) await a.close();
    await database?.close();
  });

  /** Another Tandem over the same database, configured differently. */
  const otherApp = async (env: Record<string, string>) => {
    const other = await startApp(database, { env });
    started.push(other);
    return other;
  };

  it('connects with email + app-specific password, lists the calendars, and takes a primary and two conflict calendars', async () => {
    const owner = await signUp(app.server);
    // Pasted with spaces and in capitals, as people do: normalised, accepted.
    const pasted = emulator.appPassword.toUpperCase().replaceAll('-', ' ');
    const connected = await connectICloud(app.server, owner, { email: emulator.appleId.toUpperCase(), appSpecificPassword: pasted });
    expect(connected.statusCode, connected.body).toBe(201);
    const connection = connected.json<ConnectionJson>();
    expect(connection).toMatchObject({
      userId: owner.userId,
      provider: 'icloud',
      serverUrl: emulator.baseUrl,
      username: emulator.appleId,
      status: 'active',
      lastError: null,
    });

    const names = connection.calendars.map((c) => c.displayName);
    expect(names).toEqual(['Home', 'Personal', 'US Holidays', 'Work']);
    // Reminders is VTODO-only; inbox, outbox and notifications are not calendars.
    expect(names).not.toContain('Reminders');
    for (const calendar of connection.calendars) {
      expect(calendar.url.startsWith(emulator.calendarHomeUrl), calendar.url).toBe(true);
      expect(calendar.url).not.toMatch(/\/(inbox|outbox|notification|tasks)\/$/);
      expect(calendar.role).toBe('none');
    }
    expect(calendarNamed(connection, 'US Holidays')).toMatchObject({
      subscribed: true,
      writable: false,
      connectable: false,
      notConnectableReason: 'subscribed calendars cannot be connected',
    });
    expect(calendarNamed(connection, 'Home')).toMatchObject({
      subscribed: false,
      writable: true,
      connectable: true,
      notConnectableReason: null,
      color: '#34AADC',
    });

    // Discovery followed the redirect to the partition host, and that is what was stored.
    const row = await database.db
      .selectFrom('connections')
      .select(['principal_url', 'calendar_home_url', 'secret_ciphertext'])
      .where('id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(row.calendar_home_url).toBe(emulator.calendarHomeUrl);
    expect(row.principal_url.startsWith(emulator.baseUrl) || row.principal_url.startsWith(emulator.partitionUrl)).toBe(true);
    expect(app.secretBox.decrypt(row.secret_ciphertext)).toBe(emulator.appPassword);

    const listed = await app.server.inject({ method: 'GET', url: '/api/connections', headers: owner.headers });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<ConnectionJson[]>().map((c) => c.id)).toEqual([connection.id]);
    const single = await app.server.inject({ method: 'GET', url: `/api/connections/${connection.id}`, headers: owner.headers });
    expect(single.json<ConnectionJson>().calendars.map((c) => c.displayName)).toEqual(names);

    const home = calendarNamed(connection, 'Home');
    const work = calendarNamed(connection, 'Work');
    const personal = calendarNamed(connection, 'Personal');
    const saved = await putConfiguration(app.server, owner, owner.userId, {
      primaryCalendarId: home.id,
      conflictCalendarIds: [work.id, personal.id],
    });
    expect(saved.statusCode, saved.body).toBe(200);

    const readBack = await app.server.inject({
      method: 'GET',
      url: `/api/users/${owner.userId}/calendar-configuration`,
      headers: owner.headers,
    });
    expect(readBack.statusCode).toBe(200);
    const configuration = readBack.json<ConfigurationJson>();
    expect(configuration.primaryCalendarId).toBe(home.id);
    // The primary always counts for conflicts too.
    expect([...configuration.conflictCalendarIds].sort()).toEqual([home.id, work.id, personal.id].sort());
    expect(configuration.calendars.map((c) => [c.displayName, c.role])).toEqual([
      ['Home', 'primary'],
      ['Personal', 'conflict'],
      ['US Holidays', 'none'],
      ['Work', 'conflict'],
    ]);

    // Newly configured calendars are due for the sync scheduler now.
    const due = await database.db
      .selectFrom('remote_calendars')
      .select(['display_name', 'next_sync_at'])
      .where('connection_id', '=', connection.id)
      .orderBy('display_name')
      .execute();
    expect(due.map((c) => [c.display_name, c.next_sync_at !== null])).toEqual([
      ['Home', true],
      ['Personal', true],
      ['US Holidays', false],
      ['Work', true],
    ]);
  });

  it('refuses a wrong app-specific password (iCloud answers 401) with its own code and stores nothing', async () => {
    const owner = await signUp(app.server);
    const before = await connectionRowCounts(database);
    const response = await connectICloud(app.server, owner, { email: emulator.appleId, appSpecificPassword: 'aaaa-bbbb-cccc-dddd' });
    expect(response.statusCode).toBe(422);
    expect(errorOf(response)).toEqual({
      code: 'icloud_auth_failed',
      message: expect.stringContaining('did not accept the Apple ID email or the app-specific password'),
    });
    expect(await connectionRowCounts(database)).toEqual(before);
  });

  it('gives 403, 503, an unreachable host and a timeout each their own code and message, storing nothing', async () => {
    const owner = await signUp(app.server);
    const before = await connectionRowCounts(database);
    const seen = new Map<string, string>();
    const attempt = async (server: App['server'], expectedStatus: number, expectedCode: string) => {
      const response = await connectICloud(server, owner, credentials());
      expect(response.statusCode, response.body).toBe(expectedStatus);
      const error = errorOf(response);
      expect(error.code).toBe(expectedCode);
      seen.set(error.code, error.message);
      expect(await connectionRowCounts(database)).toEqual(before);
    };

    try {
      emulator.setFault({ kind: 'forbidden' });
      await attempt(app.server, 422, 'icloud_forbidden');
      emulator.setFault({ kind: 'unavailable', retryAfterSeconds: 120 });
      await attempt(app.server, 502, 'icloud_server_error');
      expect(seen.get('icloud_server_error')).toContain('about 2 minutes');

      // A server that holds the request past Tandem's timeout.
      emulator.setFault({ kind: 'slow', delayMs: 30_000 });
      const impatient = await otherApp({ ...emulator.appEnv, CALDAV_TIMEOUT_MS: '300' });
      await attempt(impatient.server, 504, 'icloud_timeout');
    } finally {
      emulator.setFault({ kind: 'none' });
    }

    // Nothing listens on this loopback port: connection refused.
    const closed = await otherApp({ ICLOUD_CALDAV_URL: `http://127.0.0.1:${await freePort()}` });
    await attempt(closed.server, 504, 'icloud_unreachable');

    expect(seen.size).toBe(4);
    expect(new Set(seen.values()).size).toBe(4);
    expect(seen.get('icloud_forbidden')).toMatch(/two-factor/i);
    expect(seen.get('icloud_unreachable')).toMatch(/could not be reached/);
    expect(seen.get('icloud_timeout')).toMatch(/did not answer in time/);
    // With the fault gone the same request goes through (the held ones are let go when the emulator stops).
    const recovered = await connectICloud(app.server, owner, credentials());
    expect(recovered.statusCode, recovered.body).toBe(201);
  });

  it('says "app-specific password" to an Apple ID password without contacting iCloud', async () => {
    const owner = await signUp(app.server);
    const before = await connectionRowCounts(database);
    emulator.requestLog.splice(0);
    const mainPassword = await connectICloud(app.server, owner, { email: emulator.appleId, appSpecificPassword: 'Sunshine2024!' });
    expect(mainPassword.statusCode).toBe(400);
    expect(errorOf(mainPassword).code).toBe('main_password_used');
    expect(errorOf(mainPassword).message).toContain('https://appleid.apple.com');
    expect(mainPassword.body).not.toContain('Sunshine2024!');

    const malformed = await connectICloud(app.server, owner, { email: emulator.appleId, appSpecificPassword: 'abcd-efgh' });
    expect(malformed.statusCode).toBe(400);
    expect(errorOf(malformed)).toEqual({ code: 'app_password_shape', message: expect.stringContaining('abcd-efgh-ijkl-mnop') });

    expect(emulator.requestLog).toEqual([]);
    expect(await connectionRowCounts(database)).toEqual(before);
  });

  it('refuses to connect the same account twice for one user', async () => {
    const owner = await signUp(app.server);
    await connectedICloud(app.server, owner, credentials());
    const again = await connectICloud(app.server, owner, { ...credentials(), email: ` ${emulator.appleId.toUpperCase()} ` });
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).code).toBe('connection_exists');
    const listed = await app.server.inject({ method: 'GET', url: '/api/connections', headers: owner.headers });
    expect(listed.json<unknown[]>()).toHaveLength(1);
  });

  it('reauthenticates: a refused password changes nothing; the right one reactivates and keeps the roles', async () => {
    const owner = await signUp(app.server);
    const connection = await connectedICloud(app.server, owner, credentials());
    const home = calendarNamed(connection, 'Home');
    expect(
      (await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: home.id, conflictCalendarIds: [] })).statusCode,
    ).toBe(200);
    // What the sync engine does when iCloud starts refusing the stored password.
    await database.db
      .updateTable('connections')
      .set({ status: 'needs_reconnect', last_error_code: 'icloud_auth_failed', last_error_message: 'refused' })
      .where('id', '=', connection.id)
      .execute();
    const secretBefore = (
      await database.db.selectFrom('connections').select('secret_ciphertext').where('id', '=', connection.id).executeTakeFirstOrThrow()
    ).secret_ciphertext;

    const refused = await app.server.inject({
      method: 'POST',
      url: `/api/connections/${connection.id}/reauthenticate`,
      headers: owner.headers,
      payload: { appSpecificPassword: 'aaaa-bbbb-cccc-dddd' },
    });
    expect(refused.statusCode).toBe(422);
    expect(errorOf(refused).code).toBe('icloud_auth_failed');
    const unchanged = await database.db
      .selectFrom('connections')
      .select(['secret_ciphertext', 'status'])
      .where('id', '=', connection.id)
      .executeTakeFirstOrThrow();
    expect(unchanged).toEqual({ secret_ciphertext: secretBefore, status: 'needs_reconnect' });

    const shape = await app.server.inject({
      method: 'POST',
      url: `/api/connections/${connection.id}/reauthenticate`,
      headers: owner.headers,
      payload: { appSpecificPassword: 'Sunshine2024!' },
    });
    expect(errorOf(shape).code).toBe('main_password_used');

    const fixed = await app.server.inject({
      method: 'POST',
      url: `/api/connections/${connection.id}/reauthenticate`,
      headers: owner.headers,
      payload: { appSpecificPassword: emulator.appPassword },
    });
    expect(fixed.statusCode, fixed.body).toBe(200);
    const after = fixed.json<ConnectionJson>();
    expect(after).toMatchObject({ status: 'active', lastError: null });
    expect(calendarNamed(after, 'Home').role).toBe('primary');
    const secretAfter = (
      await database.db.selectFrom('connections').select('secret_ciphertext').where('id', '=', connection.id).executeTakeFirstOrThrow()
    ).secret_ciphertext;
    expect(secretAfter).not.toBe(secretBefore);
  });

  it('refreshes the calendar list: new calendars appear, dropped unused ones go, configured ones deleted on the server are marked', async () => {
    const owner = await signUp(app.server);
    const connection = await connectedICloud(app.server, owner, credentials());
    const work = calendarNamed(connection, 'Work');
    const refresh = async () => {
      const refreshed = await app.server.inject({
        method: 'POST',
        url: `/api/connections/${connection.id}/refresh`,
        headers: owner.headers,
      });
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      return refreshed.json<ConnectionJson>();
    };

    const keptUrl = `${emulator.radicale.calendarHomeUrl}kept-${kind}/`;
    const droppedUrl = `${emulator.radicale.calendarHomeUrl}dropped-${kind}/`;
    await makeCalendar(storeAuth(), keptUrl, { displayName: `Kept ${kind}`, components: ['VEVENT'] });
    await makeCalendar(storeAuth(), droppedUrl, { displayName: `Dropped ${kind}`, components: ['VEVENT'] });
    try {
      const withExtras = await refresh();
      expect(calendarNamed(withExtras, `Dropped ${kind}`)).toMatchObject({ role: 'none', connectable: true, writable: true });
      const kept = calendarNamed(withExtras, `Kept ${kind}`);
      expect(
        (await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: work.id, conflictCalendarIds: [kept.id] }))
          .statusCode,
      ).toBe(200);
    } finally {
      for (const url of [keptUrl, droppedUrl])
        expect((await davRequest(url, { method: 'DELETE', auth: storeAuth() })).status).toBeLessThan(300);
    }

    // Both are gone from iCloud (each answers 404 itself): the unused one goes, the configured one is
    // kept for the record, marked removed and out of the configuration (issue 12.3).
    const afterDelete = await refresh();
    expect(afterDelete.calendars.map((c) => [c.displayName, c.role])).toEqual([
      ['Home', 'none'],
      [`Kept ${kind}`, 'none'],
      ['Personal', 'none'],
      ['US Holidays', 'none'],
      ['Work', 'primary'],
    ]);
    expect(calendarNamed(afterDelete, `Kept ${kind}`)).toMatchObject({ connectable: false, removedAt: expect.any(String) });
    expect(calendarNamed(afterDelete, 'Work')).toMatchObject({ id: work.id, removedAt: null });
    const reconfigured = await putConfiguration(app.server, owner, owner.userId, {
      primaryCalendarId: work.id,
      conflictCalendarIds: [calendarNamed(afterDelete, `Kept ${kind}`).id],
    });
    expect(reconfigured.statusCode).toBe(422);
    expect((await refresh()).calendars.map((c) => c.displayName)).toEqual(['Home', `Kept ${kind}`, 'Personal', 'US Holidays', 'Work']);
  });

  it('records a refused stored password on refresh as "needs reconnect"', async () => {
    const owner = await signUp(app.server);
    const connection = await connectedICloud(app.server, owner, credentials());
    try {
      emulator.setFault({ kind: 'unauthorized' });
      const refreshed = await app.server.inject({
        method: 'POST',
        url: `/api/connections/${connection.id}/refresh`,
        headers: owner.headers,
      });
      expect(refreshed.statusCode).toBe(422);
      expect(errorOf(refreshed).code).toBe('icloud_auth_failed');
    } finally {
      emulator.setFault({ kind: 'none' });
    }
    const shown = await app.server.inject({ method: 'GET', url: `/api/connections/${connection.id}`, headers: owner.headers });
    expect(shown.json<ConnectionJson>()).toMatchObject({ status: 'needs_reconnect', lastError: { code: 'icloud_auth_failed' } });
    expect(shown.json<ConnectionJson>().calendars).toHaveLength(4);
  });
});
