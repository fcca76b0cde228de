/**
 * Crash safety of the scale-out deployment (DESIGN §3: "crash at any point → the next run finishes the
 * work, with no duplicate event"): a real `tandem worker` process, on PostgreSQL and Redis, imports a
 * Radicale calendar of a few hundred events and pushes a batch of bookings to it; it is SIGKILLed in the
 * middle of the import; a second worker must finish both, with nothing imported twice and every
 * appointment's event on the server exactly once.
 *
 * The test's own Tandem is the web server: a BullMQ producer (REDIS_URL set, scheduler off) that only
 * takes bookings and enqueues; every sync and dispatch runs in the worker processes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { TEST_SECRET_KEY, addCalendar, signUp, type Session } from '../../support/api.ts';
import { simpleEventIcs, syncCollection } from '../../support/caldav-fixtures.ts';
import { startRadicale } from '../../support/radicale.ts';
import {
  at,
  bookAsStaff,
  calendarObjects,
  connectAndConfigure,
  icsUtc,
  mondayAhead,
  pendingOutbox,
  plusDays,
  readEvent,
  startSyncApp,
  type ServerSide,
  type SyncApp,
} from '../../support/sync-journey.ts';
import { startTandem, type TandemProcess } from '../../support/tandem-process.ts';
import { waitFor } from '../../support/wait-for.ts';

/** Events in the calendar the worker imports: six batches of 100, each its own transaction (two multiget requests). */
const EVENTS = 600;
const BOOKINGS = 16;
/**
 * `tandem worker` takes no Redis key prefix, so it gets a Redis database of its own: nothing else in
 * the suite uses this index (other suites separate themselves by prefix on database 0).
 */
const REDIS_DB = 9;

const USERNAME = 'worker-kill';
const PASSWORD = 'worker-kill-password';

function startWorker(env: Record<string, string>): TandemProcess {
  return startTandem('worker', env);
}

/** The seeded calendar: `.ics` files and a `.Radicale.props` written before Radicale starts (DESIGN §7). */
function seedCalendar(storageDir: string, name: string, displayName: string, events: number, firstDay: Date): void {
  const dir = join(storageDir, 'collection-root', USERNAME, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, '.Radicale.props'),
    JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': displayName, 'C:supported-calendar-component-set': 'VEVENT' }),
  );
  for (let i = 0; i < events; i++) {
    // Evenings over the next ~four months: outside working hours, so no booking is refused for them.
    const start = at(plusDays(firstDay, Math.floor(i / 5)), 18 + (i % 5));
    const ics = simpleEventIcs({
      uid: `seed-${i}@example.com`,
      summary: `Evening ${i}`,
      start: icsUtc(start),
      end: icsUtc(new Date(start.getTime() + 3_600_000)),
    });
    writeFileSync(join(dir, `seed-${i}.ics`), ics);
  }
}

describe('a tandem worker killed mid-sync', () => {
  let storageDir: string;
  let radicale: Awaited<ReturnType<typeof startRadicale>>;
  let tandem: SyncApp;
  let redis: Redis;
  let redisUrl: string;
  const workers: TandemProcess[] = [];
  const monday = mondayAhead(3);

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'tandem-worker-kill-'));
    seedCalendar(storageDir, 'home', 'Home', EVENTS, monday);
    radicale = await startRadicale({ storageDir, username: USERNAME, password: PASSWORD });
    // Radicale builds its item cache on the first request to a seeded collection; done here, so the
    // workers meet a warm server as in production.
    expect(
      (await syncCollection({ username: USERNAME, password: PASSWORD }, `${radicale.calendarHomeUrl}home/`, null)).changed,
    ).toHaveLength(EVENTS);

    const url = new URL(inject('redisUrl'));
    url.pathname = `/${REDIS_DB}`;
    redisUrl = url.toString();
    redis = new Redis(redisUrl);
    await redis.flushdb();
    tandem = await startSyncApp({ kind: 'postgres', env: { REDIS_URL: redisUrl } });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await tandem?.close();
    await redis?.flushdb();
    await redis?.quit();
    await radicale?.stop();
    if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  });

  it('a second worker finishes the import and the outbox: nothing imported twice, every appointment on the server once', async () => {
    const db = tandem.db;
    const side: ServerSide = {
      name: 'Radicale',
      connect: { provider: 'caldav', serverUrl: radicale.baseUrl, username: USERNAME, password: PASSWORD },
      primaryName: 'Home',
      conflictName: 'Home',
      direct: (url) => url,
      auth: { username: USERNAME, password: PASSWORD },
      requestCount: () => 0,
      stop: async () => undefined,
    };
    const owner: Session = await signUp(tandem.server, { timezone: 'UTC' });
    const { primary } = await connectAndConfigure(tandem.server, owner, side);
    const booking = await addCalendar(tandem.server, owner, {
      type: 'round_robin',
      name: 'Session',
      durationMin: 30,
      members: [{ userId: owner.userId }],
    });
    // Bookings before any worker runs: their outbox rows and a dispatch job wait in the database and Redis.
    const appointmentIds: string[] = [];
    for (let i = 0; i < BOOKINGS; i++) {
      const response = await bookAsStaff(tandem.server, owner, booking, at(plusDays(monday, Math.floor(i / 8)), 9 + (i % 8)), {
        name: `Client ${i}`,
        email: `client-${i}@example.test`,
      });
      expect(response.statusCode, response.body).toBe(201);
      appointmentIds.push(response.json<{ appointment: { id: string } }>().appointment.id);
    }
    expect(await pendingOutbox(db)).toBe(BOOKINGS);

    const importedItems = async () =>
      Number(
        (
          await db
            .selectFrom('remote_items')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('remote_calendar_id', '=', primary.id)
            .where('kind', '=', 'imported')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const token = async () =>
      (await db.selectFrom('remote_calendars').select('sync_token').where('id', '=', primary.id).executeTakeFirstOrThrow()).sync_token;
    const workerEnv = {
      DATABASE_URL: tandem.databaseUrl!,
      REDIS_URL: redisUrl,
      TANDEM_SECRET_KEY: TEST_SECRET_KEY,
      CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
      SYNC_POLL_SECONDS: '5',
      LOG_LEVEL: 'silent',
      TANDEM_SEED_DEMO: 'false',
    };

    // ---- worker one: killed once the import is under way, before it is done -------------------------
    const first = startWorker(workerEnv);
    workers.push(first);
    await waitFor(
      async () => {
        if (first.child.exitCode !== null) throw new Error(`worker exited early:\n${first.output()}`);
        const n = await importedItems();
        return n > 0 && n < EVENTS;
      },
      'the first worker to be part-way through the import',
      60_000,
    );
    await first.kill();
    expect((await first.exited).signal).toBe('SIGKILL');
    const importedAtKill = await importedItems();
    expect(importedAtKill, 'killed mid-import').toBeLessThan(EVENTS);
    // The initial listing records its token only once complete: the next run starts it again.
    expect(await token()).toBeNull();

    // Outbox rows the dead worker had claimed come back when their lease (2 minutes) runs out; the
    // test lets that time pass at once instead of waiting. The Redis job and lock of the killed sync
    // expire on their own (BullMQ's stall detection, 30 s), and are waited for.
    await db
      .updateTable('outbox')
      .set({ leased_until: new Date() })
      .where('status', '=', 'pending')
      .where('leased_until', '>', new Date())
      .execute();

    // ---- worker two: finishes everything --------------------------------------------------------------
    const second = startWorker(workerEnv);
    workers.push(second);
    await waitFor(
      async () => {
        if (second.child.exitCode !== null) throw new Error(`worker exited early:\n${second.output()}`);
        if ((await importedItems()) !== EVENTS || (await token()) === null || (await pendingOutbox(db)) !== 0) return false;
        const links = await db
          .selectFrom('appointment_links')
          .select(['etag', 'create_pending'])
          .where('appointment_id', 'in', appointmentIds)
          .execute();
        return links.length === BOOKINGS && links.every((l) => l.etag !== null && !l.create_pending);
      },
      'the second worker to finish the import and drain the outbox',
      150_000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toEqual({ code: 0, signal: null });

    // ---- on the server: every event once --------------------------------------------------------------
    const objects = await calendarObjects(side.auth, `${radicale.calendarHomeUrl}home/`);
    const uids = objects.map((o) => readEvent(o.ics).uid);
    expect(new Set(uids).size, 'no UID twice on the server').toBe(uids.length);
    expect(uids.filter((uid) => uid.startsWith('seed-'))).toHaveLength(EVENTS);
    const appointments = await db
      .selectFrom('appointments')
      .select(['id', 'start_at', 'end_at'])
      .where('id', 'in', appointmentIds)
      .execute();
    for (const appointment of appointments) {
      const events = objects.map((o) => readEvent(o.ics)).filter((e) => e.uid === appointmentEventUid(appointment.id));
      expect(
        events.map((e) => [e.start, e.end]),
        `appointment ${appointment.id}`,
      ).toEqual([[appointment.start_at, appointment.end_at]]);
    }
    expect(uids).toHaveLength(EVENTS + BOOKINGS);

    // ---- in Tandem: every event imported once, our own events recognised as ours ------------------------
    const items = await db
      .selectFrom('remote_items')
      .select(['href', 'uid', 'kind'])
      .where('remote_calendar_id', '=', primary.id)
      .execute();
    expect(new Set(items.map((i) => i.href)).size).toBe(items.length);
    expect(new Set(items.map((i) => i.uid)).size).toBe(items.length);
    expect(items.filter((i) => i.kind === 'imported')).toHaveLength(EVENTS);
    const occurrences = await db
      .selectFrom('imported_occurrences as o')
      .innerJoin('remote_items as r', 'r.id', 'o.remote_item_id')
      .select(['r.uid', (eb) => eb.fn.countAll<string>().as('n')])
      .where('r.remote_calendar_id', '=', primary.id)
      .groupBy('r.uid')
      .execute();
    expect(occurrences).toHaveLength(EVENTS);
    expect(
      occurrences.every((o) => Number(o.n) === 1),
      'one occurrence per single event',
    ).toBe(true);
    const confirmed = await db
      .selectFrom('appointments')
      .select(['status', 'removed_from_remote'])
      .where('id', 'in', appointmentIds)
      .execute();
    expect(confirmed.every((a) => a.status === 'confirmed' && !a.removed_from_remote)).toBe(true);
  }, 240_000);
});
