/**
 * Graceful shutdown (issue 9 item 5): a real `tandem worker` gets SIGTERM in the middle of importing a
 * large Radicale calendar. With no grace period left (SHUTDOWN_GRACE_SECONDS=0) it stops the import at
 * the next batch boundary, gives back everything it held — the calendar's Redis lock, its BullMQ job,
 * its outbox claims — leaves the calendar due at once with no error shown, closes the database and
 * Redis, and exits 0. A second worker then finishes the import and the outbox with nothing twice:
 * it had nothing to wait for (no lease to expire, no stalled job to be detected).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_QUEUE_NAME } from '../../../src/jobs/bullmq-queue.ts';
import { lockKey } from '../../../src/jobs/redis-leases.ts';
import { listingWithData, startGateProxy, type GateProxy } from '../../support/gate-proxy.ts';
import { at, bookAsStaff, calendarObjects, mondayAhead, pendingOutbox, readEvent } from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  importedItemCount,
  ownerWithBookingCalendar,
  startSeededRadicale,
  startScaleOut,
  type ScaleOut,
  type SeededRadicale,
} from '../../support/worker-journey.ts';

/**
 * Three multiget requests of 500; a first import's transactions are 100, then up to 500 objects. The gate holds the
 * second request until the sync is interrupted, so the third is never stored, however the batches fall.
 */
const EVENTS = 1_500;
const BOOKINGS = 6;
/** `tandem worker` takes no Redis key prefix: a Redis database nothing else in the suite uses. */
const REDIS_DB = 12;
const USERNAME = 'shutdown';
const PASSWORD = 'shutdown-password';

describe('a tandem worker stopped with SIGTERM mid-import', () => {
  let seeded: SeededRadicale;
  let gate: GateProxy;
  let scaled: ScaleOut;
  const monday = mondayAhead(3);

  beforeAll(async () => {
    seeded = await startSeededRadicale({
      username: USERNAME,
      password: PASSWORD,
      calendar: { name: 'home', displayName: 'Home' },
      events: EVENTS,
      firstDay: monday,
    });
    gate = await startGateProxy({
      target: seeded.radicale.baseUrl,
      pass: 1,
      matches: (method, body) => method === 'REPORT' && body.includes('calendar-multiget'),
      refuse: listingWithData,
    });
    scaled = await startScaleOut(REDIS_DB);
  });
  afterAll(async () => {
    await scaled?.close();
    await gate?.stop();
    await seeded?.stop();
  });

  it('exits 0 holding nothing, and the next worker resumes at once and finishes without duplicates', async () => {
    const { tandem, redis } = scaled;
    const db = tandem.db;
    const side = seeded.side(gate.url);
    const { owner, primary, bookingCalendarId: booking } = await ownerWithBookingCalendar(tandem, side);
    for (let i = 0; i < BOOKINGS; i++) {
      const response = await bookAsStaff(tandem.server, owner, booking, at(monday, 9 + i), {
        name: `Client ${i}`,
        email: `client-${i}@example.test`,
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    const imported = () => importedItemCount(db, primary.id);
    const calendarRow = () =>
      db
        .selectFrom('remote_calendars')
        .select(['sync_token', 'next_sync_at', 'last_error_code', 'failures'])
        .where('id', '=', primary.id)
        .executeTakeFirstOrThrow();

    // ---- worker one: SIGTERM part-way through the import, no grace period ----------------------------
    const first = scaled.startWorker({ SHUTDOWN_GRACE_SECONDS: '0' });
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
    // Released only once the syncs are interrupted: before that the worker may still finish the import.
    await waitFor(async () => /grace period over/.test(first.output()), 'the worker to interrupt its sync', 60_000);
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
    expect(await redis.exists(lockKey(`${prefix}:lock:calendar:${primary.id}`)), 'calendar lock released').toBe(0);
    expect(await redis.exists(lockKey(`${prefix}:lock:dispatch`)), 'dispatch lock released').toBe(0);
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
    const second = scaled.startWorker();
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

    const objects = await calendarObjects(side.auth, seeded.calendarUrl);
    const uids = objects.map((o) => readEvent(o.ics).uid);
    expect(new Set(uids).size, 'no UID twice on the server').toBe(uids.length);
    expect(uids).toHaveLength(EVENTS + BOOKINGS);
    const items = await db.selectFrom('remote_items').select(['href', 'kind']).where('remote_calendar_id', '=', primary.id).execute();
    expect(new Set(items.map((i) => i.href)).size, 'nothing imported twice').toBe(items.length);
    expect(items.filter((i) => i.kind === 'imported')).toHaveLength(EVENTS);
  }, 300_000);
});
