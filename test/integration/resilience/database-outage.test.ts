/**
 * Tandem survives its database going away (issue 7 item 1). A real `tandem serve` child process runs
 * on a throwaway PostgreSQL of its own (own data directory, own port), which the test terminates the
 * sessions of, stops, and starts again under it. While the database is down the process stays up,
 * API requests answer 503 `database_unavailable`, /readyz answers 503 and /healthz 200; the outage
 * is logged once and its end once; when the database is back everything works again by itself, and
 * a booking made before the outage still reaches the calendar server — once.
 *
 * The booking is made beforehand by the test's own Tandem as a BullMQ producer (REDIS_URL set, no
 * worker), so its outbox row waits in the database; the child runs with the scheduler off, so that
 * row is dispatched only when the test asks ("Sync now"), after the outage.
 *
 * The second case stops the database in the middle of a first import: a proxy in front of Radicale
 * holds the second multiget request until the database is down, so the import is known to be half
 * stored whatever the machine's speed; once the database is back the scheduler finishes it alone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { openPostgres, type DatabaseHandle } from '../../../src/store/database.ts';
import { TEST_SECRET_KEY, addCalendar, signUp, type Session } from '../../support/api.ts';
import { freePort } from '../../support/free-port.ts';
import { httpRequest, type HttpAnswer } from '../../support/http-inject.ts';
import { startRestartablePostgres, type RestartablePostgres } from '../../support/postgres-server.ts';
import { listingWithData, startGateProxy, type GateProxy } from '../../support/gate-proxy.ts';
import { simpleEventIcs } from '../../support/caldav-fixtures.ts';
import { startRadicale } from '../../support/radicale.ts';
import {
  at,
  bookAsStaff,
  calendarObjects,
  connectAndConfigure,
  icsUtc,
  mondayAhead,
  plusDays,
  readEvent,
  type ServerSide,
} from '../../support/sync-journey.ts';
import { startTandem, type TandemProcess } from '../../support/tandem-process.ts';
import { waitFor } from '../../support/wait-for.ts';

const USERNAME = 'outage';
const PASSWORD = 'outage-password';
/** A Redis database index nothing else in the suite uses: the setup app's dispatch jobs wait there unprocessed. */
const REDIS_DB = 10;
/** Events of the calendar imported while the database stops: two calendar-multiget requests (500 objects each at most). */
const BIG_EVENTS = 750;

describe('a tandem serve process whose PostgreSQL goes away', () => {
  let postgres: RestartablePostgres;
  let radicale: Awaited<ReturnType<typeof startRadicale>>;
  let storageDir: string;
  let database: DatabaseHandle;
  let redis: Redis;
  let redisUrl: string;
  let serve: TandemProcess | null = null;
  let midImport: TandemProcess | null = null;
  let gate: GateProxy;

  beforeAll(async () => {
    postgres = await startRestartablePostgres();
    storageDir = mkdtempSync(join(tmpdir(), 'tandem-outage-'));
    const calendarDir = join(storageDir, 'collection-root', USERNAME, 'work');
    mkdirSync(calendarDir, { recursive: true });
    writeFileSync(
      join(calendarDir, '.Radicale.props'),
      JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': 'Work', 'C:supported-calendar-component-set': 'VEVENT' }),
    );
    const bigDir = join(storageDir, 'collection-root', USERNAME, 'big');
    mkdirSync(bigDir, { recursive: true });
    writeFileSync(
      join(bigDir, '.Radicale.props'),
      JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': 'Big', 'C:supported-calendar-component-set': 'VEVENT' }),
    );
    const monday = mondayAhead(3);
    for (let i = 0; i < BIG_EVENTS; i++) {
      const start = at(plusDays(monday, Math.floor(i / 5)), 18 + (i % 5));
      const end = new Date(start.getTime() + 3_600_000);
      writeFileSync(
        join(bigDir, `big-${i}.ics`),
        simpleEventIcs({ uid: `big-${i}@example.com`, summary: `Evening ${i}`, start: icsUtc(start), end: icsUtc(end) }),
      );
    }
    radicale = await startRadicale({ storageDir, username: USERNAME, password: PASSWORD });
    gate = await startGateProxy({
      target: radicale.baseUrl,
      pass: 1,
      matches: (method, body) => method === 'REPORT' && body.includes('calendar-multiget'),
      refuse: listingWithData,
    });
    database = openPostgres(postgres.url, { max: 4 });
    const url = new URL(inject('redisUrl'));
    url.pathname = `/${REDIS_DB}`;
    redisUrl = url.toString();
    redis = new Redis(redisUrl);
    await redis.flushdb();
  });
  afterAll(async () => {
    await serve?.kill();
    await midImport?.kill();
    await gate?.stop();
    await database?.close();
    await redis?.flushdb();
    await redis?.quit();
    await radicale?.stop();
    await postgres?.stop();
    if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  });

  it('stays up, answers 503 database_unavailable and not-ready during the outage, and resumes by itself without losing the outbox', async () => {
    // ---- before: a workspace, a connected Radicale calendar, and a booking whose push waits -------
    const setupConfig = loadConfig({
      LOG_LEVEL: 'silent',
      TANDEM_SEED_DEMO: 'false',
      SCHEDULER: 'off',
      CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
      TANDEM_SECRET_KEY: TEST_SECRET_KEY,
      DATABASE_URL: postgres.url,
      REDIS_URL: redisUrl,
    });
    const setup: App = await createApp(setupConfig);
    const side: ServerSide = {
      name: 'Radicale',
      connect: { provider: 'caldav', serverUrl: radicale.baseUrl, username: USERNAME, password: PASSWORD },
      primaryName: 'Work',
      conflictName: 'Work',
      direct: (u) => u,
      auth: { username: USERNAME, password: PASSWORD },
      requestCount: () => 0,
      stop: async () => undefined,
    };
    let owner: Session;
    let primaryId: string;
    let appointmentId: string;
    let calendarId: string;
    try {
      owner = await signUp(setup.server, { timezone: 'UTC' });
      primaryId = (await connectAndConfigure(setup.server, owner, side)).primary.id;
      calendarId = await addCalendar(setup.server, owner, {
        type: 'round_robin',
        name: 'Session',
        durationMin: 30,
        members: [{ userId: owner.userId }],
      });
      const booked = await bookAsStaff(setup.server, owner, calendarId, at(mondayAhead(3), 10), {
        name: 'Client',
        email: 'client@example.test',
      });
      expect(booked.statusCode, booked.body).toBe(201);
      appointmentId = booked.json<{ appointment: { id: string } }>().appointment.id;
    } finally {
      await setup.close();
    }
    const outbox = () => database.db.selectFrom('outbox').select(['status']).where('appointment_id', '=', appointmentId).execute();
    expect(await outbox()).toEqual([{ status: 'pending' }]);

    // ---- the server under test ---------------------------------------------------------------------
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    serve = startTandem(
      'serve',
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: postgres.url,
        TANDEM_SECRET_KEY: TEST_SECRET_KEY,
        CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
        TANDEM_SEED_DEMO: 'false',
        SCHEDULER: 'off',
        LOG_LEVEL: 'info',
      },
      { keep: 2_000_000 },
    );
    const running = serve;
    const get = (url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
      httpRequest(base, { method: 'GET', url, headers });
    const appointment = () => get(`/api/appointments/${appointmentId}`, owner.headers);
    const alive = () => {
      if (!running.alive()) throw new Error(`tandem serve exited:\n${running.output()}`);
    };
    await waitFor(
      async () => {
        alive();
        return (await get('/readyz')).statusCode === 200;
      },
      'tandem serve to be ready',
      60_000,
    );
    expect((await appointment()).statusCode).toBe(200);

    // ---- every session terminated (pg_terminate_backend): the process shrugs it off ----------------
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    const { rows: terminated } = await admin.query<{ ok: boolean }>(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity where pid <> pg_backend_pid() and backend_type = 'client backend'`,
    );
    await admin.end();
    expect(terminated.length, 'the server and the test held connections').toBeGreaterThan(0);
    const answersAfterTerminate: number[] = [];
    await waitFor(async () => {
      alive();
      const answer = await appointment();
      answersAfterTerminate.push(answer.statusCode);
      if (answer.statusCode !== 200) expect(answer.json()).toMatchObject({ error: { code: 'database_unavailable' } });
      return answer.statusCode === 200;
    }, 'requests to succeed after the sessions were terminated');
    expect(answersAfterTerminate.every((status) => status === 200 || status === 503)).toBe(true);

    // ---- the database stops ---------------------------------------------------------------------------
    const logBefore = running.output().length;
    await postgres.halt();
    const during = await appointment();
    expect(during.statusCode, during.body).toBe(503);
    expect(during.json()).toEqual({ error: { code: 'database_unavailable', message: expect.stringMatching(/cannot reach its database/) } });
    expect(during.headers['retry-after']).toBe('5');
    const booking = await httpRequest(base, {
      method: 'POST',
      url: '/api/appointments',
      headers: owner.headers,
      payload: { calendarId, start: at(mondayAhead(3), 11).toISOString(), contact: { name: 'X', email: 'x@example.test' } },
    });
    expect(booking.statusCode, booking.body).toBe(503);
    const signIn = await httpRequest(base, {
      method: 'POST',
      url: '/api/auth/sign-in',
      payload: { email: 'nobody@example.test', password: 'whatever-password' },
    });
    expect(signIn.json(), signIn.body).toMatchObject({ error: { code: 'database_unavailable' } });
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ ready: false, checks: { database: 'unreachable' } });
    expect((await get('/healthz')).statusCode, '/healthz: the process itself is fine').toBe(200);
    // A few more requests and probes while it is down: still up, still one log line for the outage.
    for (let i = 0; i < 5; i++) expect((await appointment()).statusCode).toBe(503);
    await waitFor(async () => running.output().slice(logBefore).includes('database unreachable'), 'the outage to be logged');
    alive();

    // ---- the database comes back: everything resumes by itself -----------------------------------------
    await postgres.resume();
    await waitFor(async () => {
      alive();
      return (await get('/readyz')).statusCode === 200;
    }, 'tandem serve to be ready again');
    expect((await appointment()).statusCode).toBe(200);
    await waitFor(async () => running.output().slice(logBefore).includes('database reachable again'), 'the recovery to be logged');
    const log = running.output().slice(logBefore);
    expect(log.match(/database unreachable/g), 'the outage is logged once').toHaveLength(1);
    expect(log.match(/database reachable again/g), 'the recovery is logged once').toHaveLength(1);
    expect(log, 'no request logged as a failure').not.toMatch(/request failed/);

    // ---- the booking made before the outage reaches the calendar, once ----------------------------------
    expect(await outbox()).toEqual([{ status: 'pending' }]);
    const syncNow = await httpRequest(base, { method: 'POST', url: `/api/remote-calendars/${primaryId}/sync`, headers: owner.headers });
    expect(syncNow.statusCode, syncNow.body).toBeLessThan(300);
    await waitFor(async () => (await outbox()).every((row) => row.status === 'done'), 'the outbox row to be pushed');
    const objects = await calendarObjects(side.auth, `${radicale.calendarHomeUrl}work/`);
    expect(objects.map((o) => readEvent(o.ics).uid)).toEqual([appointmentEventUid(appointmentId)]);
    expect(await outbox()).toEqual([{ status: 'done' }]);
    alive();

    // ---- and it still stops cleanly ---------------------------------------------------------------------
    running.child.kill('SIGTERM');
    expect(await running.exited, running.output().slice(-2_000)).toEqual({ code: 0, signal: null });
  }, 180_000);
  it('survives the database stopping in the middle of a first import, and finishes it by itself afterwards, nothing twice', async () => {
    const setup: App = await createApp(
      loadConfig({
        LOG_LEVEL: 'silent',
        TANDEM_SEED_DEMO: 'false',
        SCHEDULER: 'off',
        CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
        TANDEM_SECRET_KEY: TEST_SECRET_KEY,
        DATABASE_URL: postgres.url,
      }),
    );
    let owner: Session;
    let bigId: string;
    try {
      owner = await signUp(setup.server, { timezone: 'UTC' });
      const side: ServerSide = {
        name: 'Radicale',
        connect: { provider: 'caldav', serverUrl: gate.url, username: USERNAME, password: PASSWORD },
        primaryName: 'Big',
        conflictName: 'Big',
        direct: (u) => u,
        auth: { username: USERNAME, password: PASSWORD },
        requestCount: () => 0,
        stop: async () => undefined,
      };
      bigId = (await connectAndConfigure(setup.server, owner, side)).primary.id;
    } finally {
      await setup.close();
    }
    const imported = async () =>
      Number(
        (
          await database.db
            .selectFrom('remote_items')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('remote_calendar_id', '=', bigId)
            .where('kind', '=', 'imported')
            .executeTakeFirstOrThrow()
        ).n,
      );

    // ---- the scheduler starts the import; the second request is held until the database is down -------
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const running = startTandem(
      'serve',
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: postgres.url,
        TANDEM_SECRET_KEY: TEST_SECRET_KEY,
        CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
        TANDEM_SEED_DEMO: 'false',
        SYNC_POLL_SECONDS: '5',
        LOG_LEVEL: 'info',
      },
      { keep: 2_000_000 },
    );
    midImport = running;
    const alive = () => {
      if (!running.alive()) throw new Error(`tandem serve exited:\n${running.output()}`);
    };
    await Promise.race([
      gate.held,
      running.exited.then(() => {
        throw new Error(`tandem serve exited early:\n${running.output()}`);
      }),
    ]);
    await waitFor(async () => (await imported()) > 0, 'the first batch to be stored', 60_000);
    const logBefore = running.output().length;
    await postgres.halt();
    gate.release();
    // The held batch arrives with nowhere to go: the process stays up and says so once.
    await waitFor(async () => running.output().slice(logBefore).includes('database unreachable'), 'the outage to be logged', 60_000);
    const during = await httpRequest(base, { method: 'GET', url: '/api/sync/status', headers: owner.headers });
    expect(during.statusCode, during.body).toBe(503);
    alive();

    // ---- the database comes back: the scheduler finishes the import, nothing stored twice -----------
    await postgres.resume();
    await waitFor(
      async () => {
        alive();
        const calendar = await database.db
          .selectFrom('remote_calendars')
          .select(['sync_token'])
          .where('id', '=', bigId)
          .executeTakeFirstOrThrow()
          .catch(() => null);
        return calendar?.sync_token !== null && calendar?.sync_token !== undefined && (await imported()) === BIG_EVENTS;
      },
      'the import to finish after the outage',
      120_000,
    );
    const items = await database.db.selectFrom('remote_items').select(['href']).where('remote_calendar_id', '=', bigId).execute();
    expect(items).toHaveLength(BIG_EVENTS);
    expect(new Set(items.map((item) => item.href)).size, 'nothing imported twice').toBe(BIG_EVENTS);
    const status = await httpRequest(base, { method: 'GET', url: '/api/sync/status', headers: owner.headers });
    expect(status.statusCode, status.body).toBe(200);
    expect(running.output().slice(logBefore), 'no crash report').not.toMatch(/uncaught|unhandled/i);

    running.child.kill('SIGTERM');
    expect(await running.exited, running.output().slice(-2_000)).toEqual({ code: 0, signal: null });
  }, 240_000);
});
