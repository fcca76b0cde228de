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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { at, bookAsStaff, calendarObjects, mondayAhead, pendingOutbox, plusDays, readEvent } from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  importedItemCount,
  ownerWithBookingCalendar,
  startSeededRadicale,
  startScaleOut,
  type ScaleOut,
  type SeededRadicale,
} from '../../support/worker-journey.ts';

/** Events in the calendar the worker imports: transactions of 100, 400 and 100 (a first import; two multiget requests). */
const EVENTS = 600;
const BOOKINGS = 16;
/**
 * `tandem worker` takes no Redis key prefix, so it gets a Redis database of its own: nothing else in
 * the suite uses this index (other suites separate themselves by prefix on database 0).
 */
const REDIS_DB = 9;

const USERNAME = 'worker-kill';
const PASSWORD = 'worker-kill-password';

describe('a tandem worker killed mid-sync', () => {
  let seeded: SeededRadicale;
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
    scaled = await startScaleOut(REDIS_DB);
  });
  afterAll(async () => {
    await scaled?.close();
    await seeded?.stop();
  });

  it('a second worker finishes the import and the outbox: nothing imported twice, every appointment on the server once', async () => {
    const { tandem } = scaled;
    const db = tandem.db;
    const side = seeded.side();
    const { owner, primary, bookingCalendarId: booking } = await ownerWithBookingCalendar(tandem, side);
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

    const importedItems = () => importedItemCount(db, primary.id);
    const token = async () =>
      (await db.selectFrom('remote_calendars').select('sync_token').where('id', '=', primary.id).executeTakeFirstOrThrow()).sync_token;

    // ---- worker one: killed once the import is under way, before it is done -------------------------
    const first = scaled.startWorker({ LOG_LEVEL: 'silent' });
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
    const second = scaled.startWorker({ LOG_LEVEL: 'silent' });
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
    const objects = await calendarObjects(side.auth, seeded.calendarUrl);
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
