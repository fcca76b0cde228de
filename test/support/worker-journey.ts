/**
 * What the scale-out resilience tests share (graceful shutdown, a killed worker, a Redis outage): a
 * Radicale account whose calendar is seeded as files before Radicale starts, the test's own Tandem as
 * the web server, and `tandem worker` child processes on the same PostgreSQL and Redis.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { TEST_SECRET_KEY, addCalendar, signUp, type Session } from './api.ts';
import { simpleEventIcs, syncCollection } from './caldav-fixtures.ts';
import { startRadicale } from './radicale.ts';
import { at, connectAndConfigure, icsUtc, plusDays, startSyncApp, type ServerSide, type SyncApp } from './sync-journey.ts';
import { startTandem, type TandemProcess } from './tandem-process.ts';

export interface SeededRadicale {
  radicale: Awaited<ReturnType<typeof startRadicale>>;
  /** The seeded calendar's URL on the server. */
  calendarUrl: string;
  /** The person's side of it, as `connectAndConfigure` takes it; `serverUrl` defaults to Radicale itself. */
  side(serverUrl?: string): ServerSide;
  stop(): Promise<void>;
}

/**
 * One Radicale account with one calendar of `events` single evening events (outside working hours, so
 * no booking is refused for them), five a day from `firstDay`. The files are written before Radicale
 * starts (DESIGN §7), and a seeded calendar's item cache is warmed, so Tandem meets a server as in
 * production.
 */
export async function startSeededRadicale(options: {
  username: string;
  password: string;
  calendar: { name: string; displayName: string };
  events?: number;
  firstDay?: Date;
}): Promise<SeededRadicale> {
  const { username, password, calendar } = options;
  const events = options.events ?? 0;
  const storageDir = mkdtempSync(join(tmpdir(), `tandem-${username}-`));
  const dir = join(storageDir, 'collection-root', username, calendar.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, '.Radicale.props'),
    JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': calendar.displayName, 'C:supported-calendar-component-set': 'VEVENT' }),
  );
  for (let i = 0; i < events; i++) {
    const start = at(plusDays(options.firstDay ?? new Date(), Math.floor(i / 5)), 18 + (i % 5));
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
  const radicale = await startRadicale({ storageDir, username, password });
  const calendarUrl = `${radicale.calendarHomeUrl}${calendar.name}/`;
  if (events > 0) {
    const listed = await syncCollection({ username, password }, calendarUrl, null);
    if (listed.changed.length !== events) throw new Error(`Radicale lists ${listed.changed.length} of ${events} seeded events`);
  }
  return {
    radicale,
    calendarUrl,
    side: (serverUrl = radicale.baseUrl) => ({
      name: 'Radicale',
      connect: { provider: 'caldav', serverUrl, username, password },
      primaryName: calendar.displayName,
      conflictName: calendar.displayName,
      direct: (url) => url,
      auth: { username, password },
      requestCount: () => 0,
      stop: async () => undefined,
    }),
    async stop() {
      await radicale.stop();
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
}

/** A staff member with the calendar connected as primary and a Round Robin booking calendar of their own. */
export async function ownerWithBookingCalendar(
  tandem: SyncApp,
  side: ServerSide,
): Promise<{ owner: Session; primary: { id: string }; bookingCalendarId: string }> {
  const owner = await signUp(tandem.server, { timezone: 'UTC' });
  const { primary } = await connectAndConfigure(tandem.server, owner, side);
  const bookingCalendarId = await addCalendar(tandem.server, owner, {
    type: 'round_robin',
    name: 'Session',
    durationMin: 30,
    members: [{ userId: owner.userId }],
  });
  return { owner, primary, bookingCalendarId };
}

export interface ScaleOut {
  /** The test's own Tandem: the web server, a BullMQ producer (REDIS_URL set), on PostgreSQL. */
  tandem: SyncApp;
  /** A client of the Redis database the processes share; emptied at the start and at close(). */
  redis: Redis;
  /** A `tandem worker` on the same database and Redis; close() kills whichever still run. */
  startWorker(env?: Record<string, string>): TandemProcess;
  close(): Promise<void>;
}

/** Tandem scaled out: its web server here, workers as child processes, the suite's Redis on database `redisDb` (workers take no key prefix). */
export async function startScaleOut(redisDb: number): Promise<ScaleOut> {
  const url = new URL(inject('redisUrl'));
  url.pathname = `/${redisDb}`;
  const redisUrl = url.toString();
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  const tandem = await startSyncApp({ kind: 'postgres', env: { REDIS_URL: redisUrl } });
  const workers: TandemProcess[] = [];
  return {
    tandem,
    redis,
    startWorker(env = {}) {
      const worker = startWorker(tandem, redisUrl, env);
      workers.push(worker);
      return worker;
    },
    async close() {
      for (const worker of workers) await worker.kill();
      await tandem.close();
      await redis.flushdb();
      await redis.quit();
    },
  };
}

/** A `tandem worker` child process on the test Tandem's database and the given Redis, polling every 5 s. */
export function startWorker(tandem: SyncApp, redisUrl: string, env: Record<string, string> = {}): TandemProcess {
  return startTandem('worker', {
    DATABASE_URL: tandem.databaseUrl!,
    REDIS_URL: redisUrl,
    TANDEM_SECRET_KEY: TEST_SECRET_KEY,
    CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
    SYNC_POLL_SECONDS: '5',
    LOG_LEVEL: 'info',
    TANDEM_SEED_DEMO: 'false',
    ...env,
  });
}

/** Imported (not our own) events Tandem holds for a remote calendar. */
export async function importedItemCount(db: Database, remoteCalendarId: string): Promise<number> {
  const row = await db
    .selectFrom('remote_items')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('remote_calendar_id', '=', remoteCalendarId)
    .where('kind', '=', 'imported')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
