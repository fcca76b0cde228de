import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DueCalendar } from '../../../src/domain/sync/schedule.ts';
import { createScheduler } from '../../../src/jobs/scheduler.ts';
import type { SyncJob } from '../../../src/jobs/sync-job.ts';

const now = new Date('2025-03-01T10:00:00Z');
const due = (calendarId: string): DueCalendar => ({ calendarId, host: 'p1.test', mode: 'incremental', failures: 0 });

function fakeQueue() {
  const syncs: SyncJob[] = [];
  let dispatches = 0;
  return {
    syncs,
    dispatches: () => dispatches,
    queue: {
      enqueueSync: async (job: SyncJob) => {
        syncs.push(job);
      },
      enqueueDispatch: async () => {
        dispatches += 1;
      },
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('scheduler', () => {
  it('tick enqueues every due calendar and one dispatch, asking the store with its clock and limit', async () => {
    const asked: Array<[Date, number | null]> = [];
    const fake = fakeQueue();
    const scheduler = createScheduler({
      store: {
        dueCalendars: async (at, limit) => {
          asked.push([at, limit]);
          return [due('a'), { ...due('b'), mode: 'full', failures: 2 }];
        },
      },
      queue: fake.queue,
      intervalMs: 5_000,
      now: () => now,
      limit: 50,
    });

    expect(await scheduler.tick()).toBe(2);

    expect(asked).toEqual([[now, 50]]);
    expect(fake.syncs).toEqual([due('a'), { ...due('b'), mode: 'full', failures: 2 }]);
    expect(fake.dispatches()).toBe(1);
  });

  it('has no fixed per-tick cap by default: every due calendar is enqueued (the queue dedupes)', async () => {
    const asked: Array<number | null> = [];
    const fake = fakeQueue();
    const many = Array.from({ length: 1_200 }, (_, i) => due(`c${i}`));
    const scheduler = createScheduler({
      store: {
        dueCalendars: async (_at, limit) => {
          asked.push(limit);
          return many.slice(0, limit ?? many.length);
        },
      },
      queue: fake.queue,
      intervalMs: 5_000,
      now: () => now,
    });
    expect(await scheduler.tick()).toBe(1_200);
    expect(asked).toEqual([null]);
    expect(fake.syncs).toHaveLength(1_200);
  });

  it('offers a calendar still due by the same time once, again when its due time moves, and after reofferMs', async () => {
    const fake = fakeQueue();
    let clock = now.getTime();
    let listed: DueCalendar[] = [];
    const scheduler = createScheduler({
      store: { dueCalendars: async () => listed },
      queue: fake.queue,
      intervalMs: 5_000,
      now: () => new Date(clock),
      reofferMs: 60_000,
    });
    const backlog = { ...due('a'), dueAt: '2025-03-01T09:59:00.000Z' };
    listed = [backlog, { ...due('b'), dueAt: null }];
    expect(await scheduler.tick()).toBe(2);
    // Still waiting in the queue, due by the same times: not offered again.
    clock += 5_000;
    expect(await scheduler.tick()).toBe(0);
    // "Sync now" moved a's due time: a new due run.
    const syncNow = { ...backlog, dueAt: new Date(clock).toISOString() };
    listed = [syncNow, { ...due('b'), dueAt: null }];
    expect(await scheduler.tick()).toBe(1);
    // b ran and left the list; when it is due again, even by an old time, it is offered.
    listed = [syncNow];
    clock += 5_000;
    expect(await scheduler.tick()).toBe(0);
    listed = [syncNow, { ...due('b'), dueAt: null }];
    expect(await scheduler.tick()).toBe(1);
    // The queue may have lost a (a Redis that came back empty): offered again after reofferMs.
    clock += 60_000;
    expect(await scheduler.tick()).toBe(2);
    expect(fake.syncs.map((job) => job.calendarId)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('a tick with nothing due still dispatches the outbox', async () => {
    const fake = fakeQueue();
    const scheduler = createScheduler({
      store: { dueCalendars: async () => [] },
      queue: fake.queue,
      intervalMs: 5_000,
      now: () => now,
      limit: 50,
    });
    expect(await scheduler.tick()).toBe(0);
    expect(fake.dispatches()).toBe(1);
  });

  it('start ticks at once and then every interval, never overlapping a slow tick; stop waits for it', async () => {
    vi.useFakeTimers();
    const fake = fakeQueue();
    let calls = 0;
    let unblock: () => void = () => undefined;
    const scheduler = createScheduler({
      store: {
        dueCalendars: async () => {
          calls += 1;
          if (calls === 2) await new Promise<void>((resolve) => (unblock = resolve));
          return [due(`c${calls}`)];
        },
      },
      queue: fake.queue,
      intervalMs: 1_000,
      now: () => now,
      limit: 10,
    });

    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);

    await vi.advanceTimersByTimeAsync(1_000); // second tick starts and blocks
    await vi.advanceTimersByTimeAsync(5_000); // five intervals pass: no tick piles up behind it
    expect(calls).toBe(2);

    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    unblock();
    await stopping;
    expect(fake.syncs.map((job) => job.calendarId)).toEqual(['c1', 'c2']);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(2); // stopped means stopped
  });

  it('a failing tick is reported and the loop carries on', async () => {
    vi.useFakeTimers();
    const errors: string[] = [];
    const fake = fakeQueue();
    let calls = 0;
    const scheduler = createScheduler({
      store: {
        dueCalendars: async () => {
          calls += 1;
          if (calls === 1) throw new Error('database down');
          return [due('a')];
        },
      },
      queue: fake.queue,
      intervalMs: 1_000,
      now: () => now,
      limit: 10,
      onError: (error, context) => errors.push(`${context}: ${error instanceof Error ? error.message : String(error)}`),
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_000);
    await scheduler.stop();
    expect(errors).toEqual(['scheduler tick: database down']);
    expect(fake.syncs.map((job) => job.calendarId)).toEqual(['a']);
  });
});
