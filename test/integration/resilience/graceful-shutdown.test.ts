/**
 * Graceful shutdown (issue 9 item 5): a real `tandem worker` gets SIGTERM in the middle of importing a
 * large Radicale calendar. With no grace period left (SHUTDOWN_GRACE_SECONDS=0) it stops the import at
 * the next batch boundary, gives back everything it held — the calendar's Redis lock, its BullMQ job,
 * its outbox claims — leaves the calendar due at once with no error shown, closes the database and
 * Redis, and exits 0. A second worker then finishes the import and the outbox with nothing twice:
 * it had nothing to wait for (no lease to expire, no stalled job to be detected).
 */
import { startGateProxy, type GateProxy } from '../../support/gate-proxy.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SYNC_QUEUE_NAME } from '../../../src/jobs/bullmq-queue.ts';
import { TEST_SECRET_KEY, addCalendar, signUp } from '../../support/api.ts';
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

/** Ten batches of 100 (two multiget requests of 500), each its own transaction: SIGTERM lands between two of them. */
const EVENTS = 1_000;
const BOOKINGS = 6;
/** `tandem worker` takes no Redis key prefix: a Redis database nothing else in the suite uses. */
const REDIS_DB = 12;
const USERNAME = 'shutdown';
const PASSWORD = 'shutdown-password';

describe('a tandem worker stopped with SIGTERM mid-import', () => {
  let storageDir: string;
  let radicale: Awaited<ReturnType<typeof startRadicale>>;
  let gate: GateProxy;
  let tandem: SyncApp;
  let redis: Redis;
  let redisUrl: string;
  const workers: TandemProcess[] = [];
  const monday = mondayAhead(3);

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'tandem-shutdown-'));
    const dir = join(storageDir, 'collection-root', USERNAME, 'home');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, '.Radicale.props'),
      JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': 'Home', 'C:supported-calendar-component-set': 'VEVENT' }),
    );
    for (let i = 0; i < EVENTS; i++) {
      const start = at(plusDays(monday, Math.floor(i / 5)), 18 + (i % 5));
      writeFileSync(
        join(dir, `seed-${i}.ics`),
        simpleEventIcs({
          uid: `seed-${i}@example.com`,
          summary: `Evening ${i}`,
          start: icsUtc(start),
          end: icsUtc(new Date(start.getTime() + 3_600_000)),
        }),
      );
    }
    radicale = await startRadicale({ storageDir, username: USERNAME, password: PASSWORD });
    gate = await startGateProxy({
      target: radicale.baseUrl,
      pass: 1,
      matches: (method, body) => method === 'REPORT' && body.includes('calendar-multiget'),
    });
    // Warm Radicale's item cache, as in production.
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
    await gate?.stop();
    await radicale?.stop();
    if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  });

  it('exits 0 holding nothing, and the next worker resumes at once and finishes without duplicates', async () => {
    const db = tandem.db;
    const side: ServerSide = {
      name: 'Radicale',
      connect: { provider: 'caldav', serverUrl: gate.url, username: USERNAME, password: PASSWORD },
      primaryName: 'Home',
      conflictName: 'Home',
      direct: (u) => u,
      auth: { username: USERNAME, password: PASSWORD },
      requestCount: () => 0,
      stop: async () => undefined,
    };
    const owner = await signUp(tandem.server, { timezone: 'UTC' });
    const { primary } = await connectAndConfigure(tandem.server, owner, side);
    const booking = await addCalendar(tandem.server, owner, {
      type: 'round_robin',
      name: 'Session',
      durationMin: 30,
      members: [{ userId: owner.userId }],
    });
    for (let i = 0; i < BOOKINGS; i++) {
      const response = await bookAsStaff(tandem.server, owner, booking, at(monday, 9 + i), {
        name: `Client ${i}`,
        email: `client-${i}@example.test`,
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    const imported = async () =>
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
    const calendarRow = () =>
      db
        .selectFrom('remote_calendars')
        .select(['sync_token', 'next_sync_at', 'last_error_code', 'failures'])
        .where('id', '=', primary.id)
        .executeTakeFirstOrThrow();
    const env = {
      DATABASE_URL: tandem.databaseUrl!,
      REDIS_URL: redisUrl,
      TANDEM_SECRET_KEY: TEST_SECRET_KEY,
      CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
      SYNC_POLL_SECONDS: '5',
      LOG_LEVEL: 'info',
      TANDEM_SEED_DEMO: 'false',
    };

    // ---- worker one: SIGTERM part-way through the import, no grace period ----------------------------
    const first = startTandem('worker', { ...env, SHUTDOWN_GRACE_SECONDS: '0' });
    workers.push(first);
    // The first multiget batch goes through, the second is held: SIGTERM lands between two batches
    // however fast the import runs, and the held batch is let through once the worker is stopping.
    await Promise.race([
      gate.held,
      first.exited.then(() => {
        throw new Error(`worker exited early:\n${first.output()}`);
      }),
    ]);
    // The first batch is stored while the second is fetched: wait for it, the second cannot arrive.
    await waitFor(async () => (await imported()) > 0, 'the first batch to be stored', 60_000);
    first.child.kill('SIGTERM');
    await waitFor(async () => /SIGTERM: stopping/.test(first.output()), 'the worker to begin stopping', 60_000);
    gate.release();
    expect(await first.exited, first.output()).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/SIGTERM: stopping/);

    // ---- it held nothing on the way out --------------------------------------------------------------------
    expect(await imported(), 'the import was interrupted, not finished').toBeLessThan(EVENTS);
    const calendar = await calendarRow();
    expect(calendar.sync_token, 'the listing is not recorded as complete').toBeNull();
    expect(calendar.last_error_code, 'an interrupted sync is not an error').toBeNull();
    expect(calendar.failures).toBe(0);
    expect(calendar.next_sync_at!.getTime(), 'due at once').toBeLessThanOrEqual(Date.now());
    const prefix = `tandem:${SYNC_QUEUE_NAME}`;
    expect(await redis.exists(`${prefix}:lock:calendar:${primary.id}`), 'calendar lock released').toBe(0);
    expect(await redis.exists(`${prefix}:lock:dispatch`), 'dispatch lock released').toBe(0);
    expect(await redis.exists(`${prefix}:sync-${primary.id}`), 'its BullMQ job ended (not left active until stall detection)').toBe(0);
    expect(await redis.lrange(`${prefix}:active`, 0, -1), 'no job left active').toEqual([]);
    const leased = await db
      .selectFrom('outbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('leased_until', '>', new Date())
      .execute();
    expect(leased, 'no outbox row left claimed').toEqual([]);

    // ---- worker two: picks up where the first stopped -------------------------------------------------------
    const second = startTandem('worker', env);
    workers.push(second);
    await waitFor(
      async () => {
        if (!second.alive()) throw new Error(`worker exited early:\n${second.output()}`);
        return (await imported()) === EVENTS && (await calendarRow()).sync_token !== null && (await pendingOutbox(db)) === 0;
      },
      'the second worker to finish the import and drain the outbox',
      120_000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toEqual({ code: 0, signal: null });

    const objects = await calendarObjects(side.auth, `${radicale.calendarHomeUrl}home/`);
    const uids = objects.map((o) => readEvent(o.ics).uid);
    expect(new Set(uids).size, 'no UID twice on the server').toBe(uids.length);
    expect(uids).toHaveLength(EVENTS + BOOKINGS);
    const items = await db.selectFrom('remote_items').select(['href', 'kind']).where('remote_calendar_id', '=', primary.id).execute();
    expect(new Set(items.map((i) => i.href)).size, 'nothing imported twice').toBe(items.length);
    expect(items.filter((i) => i.kind === 'imported')).toHaveLength(EVENTS);
  }, 300_000);
});
