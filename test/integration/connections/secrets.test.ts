/**
 * SPEC §3.5: the app-specific password is stored encrypted and never returned, logged or shown.
 * Every log line of the app is captured (pino at 'trace', the most verbose level) while the
 * password travels through every path that handles it — connect, list, reauthenticate, refresh,
 * failures, and a CalDAV listing through open-transport as the sync worker makes it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCalendars } from '../../../src/caldav/index.ts';
import { createApp, type App } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { openTransport } from '../../../src/services/connections/open-transport.ts';
import { addCalendar, signUp } from '../../support/api.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { freePort } from '../../support/free-port.ts';
import { waitFor } from '../../support/wait-for.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { connectICloud, putConfiguration, startApp, type ConnectionJson } from './harness.ts';

let emulator: ICloudEmulator;
beforeAll(async () => {
  emulator = await startICloudEmulator();
});
afterAll(async () => emulator?.stop());

describe.each(databaseKinds)('the app-specific password on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const lines: string[] = [];
  const logStream = { write: (line: string) => void lines.push(line) };
  const apps: App[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.close();
  });

  it('appears in no log line, no response and not in the database as plaintext', async () => {
    const app = await startApp(database, { env: { ...emulator.appEnv, LOG_LEVEL: 'trace' }, logStream });
    const unreachable = await startApp(database, {
      env: { ICLOUD_CALDAV_URL: `http://127.0.0.1:${await freePort()}`, LOG_LEVEL: 'trace' },
      logStream,
    });
    apps.push(app, unreachable);
    const responses: LightMyRequestResponse[] = [];
    const call = async (response: Promise<LightMyRequestResponse>) => {
      const answered = await response;
      responses.push(answered);
      return answered;
    };

    const owner = await signUp(app.server);
    const password = emulator.appPassword;
    const pasted = password.toUpperCase().replaceAll('-', ' ');
    const wrongPassword = 'qwer-tyui-opas-dfgh';
    const appleIdPassword = 'Sunshine2024!';

    const connected = await call(connectICloud(app.server, owner, { email: emulator.appleId, appSpecificPassword: pasted }));
    expect(connected.statusCode, connected.body).toBe(201);
    const connection = connected.json<ConnectionJson>();
    expect(
      (await call(connectICloud(app.server, owner, { email: 'someone.else@icloud.com', appSpecificPassword: wrongPassword }))).statusCode,
    ).toBe(422);
    expect(
      (await call(connectICloud(app.server, owner, { email: 'someone.else@icloud.com', appSpecificPassword: appleIdPassword }))).statusCode,
    ).toBe(400);
    // A 5xx is logged with the error and its cause: the path most likely to dump request details.
    expect(
      (await call(connectICloud(unreachable.server, owner, { email: emulator.appleId, appSpecificPassword: password }))).statusCode,
    ).toBe(504);
    expect((await call(app.server.inject({ method: 'GET', url: '/api/connections', headers: owner.headers }))).statusCode).toBe(200);
    expect(
      (await call(app.server.inject({ method: 'GET', url: `/api/connections/${connection.id}`, headers: owner.headers }))).statusCode,
    ).toBe(200);
    const reauthenticated = await call(
      app.server.inject({
        method: 'POST',
        url: `/api/connections/${connection.id}/reauthenticate`,
        headers: owner.headers,
        payload: { appSpecificPassword: password },
      }),
    );
    expect(reauthenticated.statusCode, reauthenticated.body).toBe(200);
    expect(
      (await call(app.server.inject({ method: 'POST', url: `/api/connections/${connection.id}/refresh`, headers: owner.headers })))
        .statusCode,
    ).toBe(200);

    // What the sync worker does: open the stored connection and talk to the server, logging through the app.
    const row = await database.db.selectFrom('connections').selectAll().where('id', '=', connection.id).executeTakeFirstOrThrow();
    const transport = openTransport({
      connection: row,
      secretBox: app.secretBox,
      caldav: {
        icloudCalDavUrl: emulator.baseUrl,
        icloudPartitionOrigins: [emulator.partitionUrl],
        allowPrivateNetworks: true,
        timeoutMs: 10_000,
      },
      log: app.server.log,
    });
    expect((await listCalendars({ calendarHomeUrl: row.calendar_home_url, transport })).length).toBeGreaterThan(0);

    // A whole sync cycle as the scheduler runs it: inbound sync of the primary calendar, a booking
    // pushed to iCloud by the dispatcher, then a sync that iCloud refuses (401).
    const home = connection.calendars.find((c) => c.writable && c.connectable);
    expect(home).toBeDefined();
    expect(
      (await call(putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: home!.id, conflictCalendarIds: [] }))).statusCode,
    ).toBe(200);
    expect(await app.work.syncCalendar(home!.id, 'incremental')).toMatchObject({ status: 'ok' });
    const calendarId = await addCalendar(app.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    // This app runs on the real clock: book a Monday one to two weeks ahead, in London working hours.
    // Each database kind takes its own hour: the other run's event is in the same iCloud calendar,
    // and (correctly) imported as busy time here.
    const monday = new Date();
    monday.setUTCDate(monday.getUTCDate() + 7 + ((8 - monday.getUTCDay()) % 7));
    monday.setUTCHours(kind === 'pglite' ? 10 : 13, 0, 0, 0);
    const booked = await call(
      app.server.inject({
        method: 'POST',
        url: `/api/public/calendars/${calendarId}/bookings`,
        payload: { start: monday.toISOString(), contact: { name: 'Ada', email: 'ada@example.test' } },
      }),
    );
    expect(booked.statusCode, booked.body).toBe(201);
    // The booking asked the queue to push at once; wait until the event's link records its etag.
    await app.work.dispatchOutbox();
    const { id: appointmentId } = await database.db
      .selectFrom('appointments')
      .select('id')
      .where('calendar_id', '=', calendarId)
      .executeTakeFirstOrThrow();
    await waitFor(
      async () =>
        (await database.db.selectFrom('appointment_links').select('etag').where('appointment_id', '=', appointmentId).executeTakeFirst())
          ?.etag,
      'the appointment event to reach iCloud',
    );
    emulator.setFault({ kind: 'unauthorized' });
    try {
      expect(await app.work.syncCalendar(home!.id, 'incremental')).toMatchObject({ status: 'stop', error: { code: 'icloud_auth_failed' } });
    } finally {
      emulator.setFault({ kind: 'none' });
    }

    const forbidden = [
      password,
      pasted,
      password.replaceAll('-', ''),
      wrongPassword,
      appleIdPassword,
      Buffer.from(`${emulator.appleId}:${password}`).toString('base64'),
    ];
    const log = lines.join('');
    // The capture works and saw the traffic, so its silence about the password means something.
    expect(log).toContain('"msg":"caldav request"');
    expect(log).toContain('"msg":"calendar account connected"');
    expect(log).toContain('"msg":"request failed"');
    expect(log).toContain('/reauthenticate');
    expect(log).toMatch(/"caldav":\{"method":"REPORT"/);
    expect(log).toMatch(/"caldav":\{"method":"PUT"/);
    for (const secret of forbidden) {
      expect(log.includes(secret), `log contains ${secret}`).toBe(false);
      for (const response of responses)
        expect(response.body.includes(secret), `${response.statusCode} response contains ${secret}`).toBe(false);
    }
    for (const response of responses) expect(response.body).not.toMatch(/secret|ciphertext/i);

    const stored = row.secret_ciphertext;
    expect(stored).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    for (const secret of forbidden) expect(stored.includes(secret)).toBe(false);
    expect(stored.includes(Buffer.from(password).toString('base64url'))).toBe(false);
    expect(app.secretBox.decrypt(stored)).toBe(password);
  });

  it('keeps manage links, session tokens and API tokens out of every log line and out of the database', async () => {
    const tokenLines: string[] = [];
    const app = await startApp(database, {
      env: { LOG_LEVEL: 'trace' },
      logStream: { write: (line: string) => void tokenLines.push(line) },
    });
    apps.push(app);
    const owner = await signUp(app.server);
    const created = await app.server.inject({ method: 'POST', url: '/api/tokens', headers: owner.headers, payload: { name: 'ci' } });
    expect(created.statusCode, created.body).toBe(201);
    const apiToken = created.json<{ token: string }>().token;
    expect((await app.server.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${apiToken}` } })).statusCode).toBe(
      200,
    );

    const calendarId = await addCalendar(app.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
    const start = new Date();
    start.setUTCDate(start.getUTCDate() + 7 + ((8 - start.getUTCDay()) % 7));
    start.setUTCHours(kind === 'pglite' ? 11 : 14, 0, 0, 0);
    const booking = { start: start.toISOString(), contact: { name: 'Ada', email: 'ada@example.test' } };
    const idempotencyKey = `retry-${kind}-${Date.now()}`;
    const book = () =>
      app.server.inject({
        method: 'POST',
        url: `/api/public/calendars/${calendarId}/bookings`,
        headers: { 'idempotency-key': idempotencyKey },
        payload: booking,
      });
    const first = await book();
    expect(first.statusCode, first.body).toBe(201);
    const manageToken = first.json<{ manageToken: string }>().manageToken;
    // A retry gets the very same answer, manage link included, although it is not stored in clear.
    const replay = await book();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json<{ manageToken: string }>().manageToken).toBe(manageToken);

    expect((await app.server.inject({ method: 'GET', url: `/api/public/bookings/${manageToken}` })).statusCode).toBe(200);
    expect(
      (
        await app.server.inject({
          method: 'POST',
          url: `/api/public/bookings/${manageToken}/reschedule`,
          payload: { start: new Date(start.getTime() + 3_600_000).toISOString() },
        })
      ).statusCode,
    ).toBe(200);
    await app.server.inject({
      method: 'GET',
      url: `/manage/${manageToken}`,
      headers: { referer: `http://localhost/manage/${manageToken}` },
    });
    await app.server.inject({ method: 'GET', url: `/api/public/bookings/${manageToken.split('.')[0]}.wrong-secret-value` });
    expect((await app.server.inject({ method: 'POST', url: `/api/public/bookings/${manageToken}/cancel` })).statusCode).toBe(200);
    expect((await app.server.inject({ method: 'POST', url: '/api/auth/sign-out', headers: owner.headers })).statusCode).toBe(204);

    const [, manageSecret] = manageToken.split('.');
    const secrets = {
      'session token': owner.token,
      'API token': apiToken,
      'manage link': manageToken,
      'manage secret': manageSecret!,
      'Idempotency-Key': idempotencyKey,
    };
    const log = tokenLines.join('');
    // The capture saw the manage-link requests, so its silence about the tokens means something.
    expect(log).toContain('/api/public/bookings/[redacted]/reschedule');
    expect(log).toContain('/manage/[redacted]');
    for (const [name, secret] of Object.entries(secrets)) expect(log.includes(secret), `log contains the ${name}`).toBe(false);

    // A dump of every table, as text: no token in clear (they are stored hashed, the stored booking answer sealed).
    const tables = await sql<{
      table_name: string;
    }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(database.db);
    expect(tables.rows.map((t) => t.table_name)).toContain('idempotency_keys');
    let dump = '';
    for (const { table_name: table } of tables.rows) {
      const rows = await sql<{ row: unknown }>`select row_to_json(t)::text as row from ${sql.table(table)} t`.execute(database.db);
      dump += rows.rows.map((r) => String(r.row)).join('\n');
    }
    expect(dump).toMatch(/"sealed": ?"v1:/);
    for (const [name, secret] of Object.entries(secrets)) expect(dump.includes(secret), `database contains the ${name}`).toBe(false);
  });

  it('encrypts the same password differently for every connection (random IV)', async () => {
    const app = await startApp(database, { env: emulator.appEnv });
    apps.push(app);
    const [first, second] = [await signUp(app.server), await signUp(app.server)];
    for (const session of [first, second]) {
      expect(
        (await connectICloud(app.server, session, { email: emulator.appleId, appSpecificPassword: emulator.appPassword })).statusCode,
      ).toBe(201);
    }
    const rows = await database.db
      .selectFrom('connections')
      .select(['secret_ciphertext'])
      .where('user_id', 'in', [first.userId, second.userId])
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows[0]?.secret_ciphertext).not.toBe(rows[1]?.secret_ciphertext);
    expect(rows.map((r) => app.secretBox.decrypt(r.secret_ciphertext))).toEqual([emulator.appPassword, emulator.appPassword]);
  });
});

describe('the secret key at start-up', () => {
  it('is required with DATABASE_URL: start-up fails with a clear message and opens nothing', async () => {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      DATABASE_URL: 'postgres://tandem@127.0.0.1:1/never-contacted',
      TANDEM_SEED_DEMO: 'false',
    });
    await expect(createApp(config)).rejects.toThrow(/TANDEM_SECRET_KEY is required when DATABASE_URL is set.*openssl rand -base64 32/);
  });

  it('is generated once into the data directory for the embedded default, with a warning in the log', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-secret-'));
    const database = await createTestDatabase('pglite');
    const lines: string[] = [];
    try {
      const config = loadConfig({ LOG_LEVEL: 'info', DATA_DIR: dataDir, TANDEM_SEED_DEMO: 'false', SCHEDULER: 'off' });
      const first = await createApp(config, { database, logStream: { write: (line) => void lines.push(line) } });
      const sealed = first.secretBox.encrypt('abcd-efgh-ijkl-mnop');
      await first.close();
      const file = join(dataDir, 'secret.key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const warning = lines
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .find((entry) => entry.msg.includes('TANDEM_SECRET_KEY'));
      expect(warning?.level).toBe(40);
      expect(warning?.msg).toContain('Set TANDEM_SECRET_KEY in production');
      expect(warning?.msg).toContain('(generated now)');

      // A restart reads the same key: what was stored stays readable.
      const second = await createApp(config, { database, logStream: { write: (line) => void lines.push(line) } });
      expect(second.secretBox.decrypt(sealed)).toBe('abcd-efgh-ijkl-mnop');
      await second.close();
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
