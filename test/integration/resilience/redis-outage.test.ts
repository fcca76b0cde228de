/**
 * Redis going away under BullMQ (issue 7 item 1): a real `tandem worker` and the test's own Tandem (a
 * BullMQ producer, as `tandem serve` with REDIS_URL) lose their throwaway Redis, which comes back on
 * the same port — empty, as a memory-only Redis restarts. Neither process dies; the worker logs the
 * outage once and its end; /readyz says not ready meanwhile; afterwards a booking made through the
 * API is pushed to the calendar by the worker, once — the schedule and the outbox live in the
 * database, so nothing that was in Redis is needed again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { startRestartableRedis, type RestartableRedis } from '../../support/redis-server.ts';
import { at, bookAsStaff, calendarObjects, mondayAhead, readEvent, startSyncApp, type SyncApp } from '../../support/sync-journey.ts';
import type { TandemProcess } from '../../support/tandem-process.ts';
import { waitFor } from '../../support/wait-for.ts';
import { ownerWithBookingCalendar, startSeededRadicale, startWorker, type SeededRadicale } from '../../support/worker-journey.ts';

const USERNAME = 'redis-outage';
const PASSWORD = 'redis-outage-password';

describe('tandem worker and a BullMQ producer whose Redis restarts', () => {
  let seeded: SeededRadicale;
  let redis: RestartableRedis;
  let tandem: SyncApp;
  let worker: TandemProcess | null = null;

  beforeAll(async () => {
    seeded = await startSeededRadicale({ username: USERNAME, password: PASSWORD, calendar: { name: 'work', displayName: 'Work' } });
    redis = await startRestartableRedis();
    tandem = await startSyncApp({ kind: 'postgres', env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await worker?.kill();
    await tandem?.close();
    await redis?.stop();
    await seeded?.stop();
  });

  it('neither process dies; the outage is logged once; work resumes when Redis is back', async () => {
    const side = seeded.side();
    const { owner, primary, bookingCalendarId: calendarId } = await ownerWithBookingCalendar(tandem, side);
    const lastSynced = async () =>
      (await tandem.db.selectFrom('remote_calendars').select('last_synced_at').where('id', '=', primary.id).executeTakeFirstOrThrow())
        .last_synced_at;
    const readyz = () => tandem.server.inject({ method: 'GET', url: '/readyz' });

    const running = startWorker(tandem, redis.url);
    worker = running;
    const alive = () => {
      if (!running.alive()) throw new Error(`tandem worker exited:\n${running.output()}`);
    };
    await waitFor(
      async () => {
        alive();
        return (await lastSynced()) !== null;
      },
      'the worker to sync the calendar',
      60_000,
    );
    expect((await readyz()).statusCode).toBe(200);

    // Nothing in flight when Redis goes: a job still active when Redis comes back (empty) finds its keys
    // gone, and BullMQ rightly says so ("Missing key for job dispatch") — a job lost with Redis's data,
    // not what this test is about. The first sync's dispatch of the outbox may still be running here.
    await waitFor(async () => {
      alive();
      const depth = await tandem.app.jobs.queue.depth();
      return depth.waiting === 0 && depth.running === 0;
    }, 'the queue to be idle');

    // ---- Redis stops ------------------------------------------------------------------------------------
    await redis.halt();
    await waitFor(async () => {
      alive();
      return running.output().includes('redis unreachable');
    }, 'the worker to log the Redis outage');
    const notReady = await readyz();
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ ready: false, checks: { database: 'ok', redis: 'unreachable' } });
    alive();

    // ---- Redis is back (empty) -----------------------------------------------------------------------------
    await redis.resume();
    await waitFor(
      async () => {
        alive();
        return running.output().includes('redis reachable again') && (await readyz()).statusCode === 200;
      },
      'both processes to be back on Redis',
      60_000,
    );

    const booked = await bookAsStaff(tandem.server, owner, calendarId, at(mondayAhead(3), 10), {
      name: 'Client',
      email: 'client@example.test',
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const appointmentId = booked.json<{ appointment: { id: string } }>().appointment.id;
    await waitFor(
      async () => {
        alive();
        const rows = await tandem.db.selectFrom('outbox').select('status').where('appointment_id', '=', appointmentId).execute();
        return rows.length > 0 && rows.every((row) => row.status === 'done');
      },
      'the worker to push the booking',
      60_000,
    );
    const objects = await calendarObjects(side.auth, seeded.calendarUrl);
    expect(objects.map((o) => readEvent(o.ics).uid)).toEqual([appointmentEventUid(appointmentId)]);

    const log = running.output();
    expect(log.match(/redis unreachable/g), `the outage is logged once:\n${log}`).toHaveLength(1);
    expect(log).not.toMatch(/\[jobs\]/);
    running.child.kill('SIGTERM');
    expect(await running.exited, running.output()).toEqual({ code: 0, signal: null });
  }, 240_000);
});
