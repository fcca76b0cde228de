import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createBullMqQueue, SYNC_QUEUE_NAME, type BullMqQueueOptions } from '../../../src/jobs/bullmq-queue.ts';
import { runWorker } from '../../../src/jobs/run-worker.ts';
import type { SyncJob, SyncWork } from '../../../src/jobs/sync-job.ts';
import type { SyncQueue } from '../../../src/jobs/sync-queue.ts';
import { waitFor } from '../../support/wait-for.ts';
import { createRecordingStore, createWorkStub } from './stubs.ts';

const now = new Date('2025-03-01T10:00:00Z');
const pollMs = 60_000;
const job = (calendarId: string, host = 'p1-caldav.icloud.test'): SyncJob => ({ calendarId, host, mode: 'incremental', failures: 0 });

// Every queue, raw BullMQ handle and stub a test opens is closed afterwards, in the order registered:
// held work is released first (stop waits for running jobs), so no Redis connection outlives its test.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A fresh key prefix per test: tests share one Redis server but never each other's jobs. */
function fixture() {
  const prefix = `t${randomUUID().replaceAll('-', '')}`;
  const stub = createWorkStub();
  const recording = createRecordingStore();
  const errors: string[] = [];
  cleanups.push(async () => stub.releaseEverything());
  const open = (role: BullMqQueueOptions['role'], overrides: Partial<BullMqQueueOptions> = {}): SyncQueue => {
    const queue = createBullMqQueue({
      redisUrl: inject('redisUrl'),
      role,
      work: stub.work,
      store: recording.store,
      concurrency: 5,
      pollMs,
      random: () => 0.5,
      now: () => now,
      prefix,
      onError: (error, context) => errors.push(`${context}: ${error instanceof Error ? error.message : String(error)}`),
      ...overrides,
    });
    cleanups.push(() => queue.stop());
    return queue;
  };
  /** A plain BullMQ handle on the same queue, to look inside it or to play a misbehaving producer. */
  const raw = () => {
    const queue = new Queue(SYNC_QUEUE_NAME, { connection: { url: inject('redisUrl') }, prefix });
    cleanups.push(() => queue.close());
    return queue;
  };
  return { prefix, stub, recording, errors, open, raw };
}

/** Counts which worker ran what, so a test can show both workers really took part. */
function countingWork(work: SyncWork, counter: { syncs: number }): SyncWork {
  return {
    syncCalendar: (calendarId, mode) => {
      counter.syncs += 1;
      return work.syncCalendar(calendarId, mode);
    },
    dispatchOutbox: () => work.dispatchOutbox(),
  };
}

const total = (map: Map<string, number>) => [...map.values()].reduce((sum, n) => sum + n, 0);

async function startAll(...queues: SyncQueue[]): Promise<void> {
  for (const queue of queues) await queue.start();
}

describe('BullMQ queue (real Redis)', () => {
  it('two workers never sync the same calendar at once, and every calendar gets synced', async () => {
    const { stub, recording, open, errors } = fixture();
    const first = { syncs: 0 };
    const second = { syncs: 0 };
    const producer = open('producer');
    const workerA = open('worker', { work: countingWork(stub.work, first) });
    const workerB = open('worker', { work: countingWork(stub.work, second) });
    await startAll(producer, workerA, workerB);
    const calendars = ['cal-1', 'cal-2', 'cal-3', 'cal-4', 'cal-5'];
    const rounds = 3;

    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; calendars.some((id) => (stub.finished.get(id) ?? 0) < rounds); round++) {
      expect(round, 'rounds needed').toBeLessThan(200);
      // Every calendar, many times over, from several producers' worth of concurrent adds, while
      // other syncs of the same calendars are running.
      await Promise.all(calendars.flatMap((id) => Array.from({ length: 4 }, () => producer.enqueueSync(job(id)))));
      await waitFor(async () => {
        if (stub.held.length > 0) return true;
        // When the last round released every held sync, these adds can reach Redis while those jobs are
        // still completing: same job id, so BullMQ drops them as duplicates and nothing is left to run.
        // A producer adds again, as the scheduler's next tick would.
        await Promise.all(calendars.map((id) => producer.enqueueSync(job(id))));
        return false;
      }, 'a sync to start');
      for (const sync of [...stub.held]) if (random() < 0.5) stub.release(sync.calendarId);
    }
    stub.releaseEverything();
    await waitFor(async () => recording.outcomes.length === total(stub.started), 'every outcome to be recorded');

    for (const id of calendars) {
      expect(stub.maxPerCalendar.get(id), id).toBe(1);
      expect(stub.finished.get(id), id).toBeGreaterThanOrEqual(rounds);
    }
    expect(first.syncs, 'worker A took part').toBeGreaterThan(0);
    expect(second.syncs, 'worker B took part').toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('a second delivery of a running calendar (another job id) is skipped by the calendar lock', async () => {
    const { stub, recording, open, raw } = fixture();
    const producer = open('producer');
    await startAll(producer, open('worker'), open('worker'));
    await producer.enqueueSync(job('cal-x'));
    await waitFor(async () => stub.heldOf('cal-x'), 'cal-x to start');
    const inside = raw();
    await Promise.all(Array.from({ length: 5 }, () => producer.enqueueSync(job('cal-x'))));
    // The job id dedupe: adds while cal-x runs queue nothing.
    expect(await inside.getJobCounts('waiting', 'delayed', 'active')).toMatchObject({ waiting: 0, delayed: 0, active: 1 });

    // What a stalled-job re-delivery amounts to: the same calendar under a job id dedupe cannot see.
    await inside.add(
      'sync',
      { kind: 'sync', job: job('cal-x') },
      { jobId: 'sync-cal-x-again', removeOnComplete: true, removeOnFail: true },
    );
    await waitFor(async () => (await inside.getJob('sync-cal-x-again')) === undefined, 'the duplicate to be processed');
    expect(stub.started.get('cal-x')).toBe(1);

    stub.release('cal-x');
    await waitFor(async () => recording.outcomes.length === 1, 'the outcome');
    expect(stub.maxPerCalendar.get('cal-x')).toBe(1);
    expect(recording.outcomesOf('cal-x')).toHaveLength(1);
  });

  it('deduplicates outbox dispatches across producers and workers', async () => {
    const { stub, open, raw } = fixture();
    const producer = open('producer');
    const otherProducer = open('both');
    await startAll(producer, otherProducer, open('worker'));
    const inside = raw();

    await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? producer : otherProducer).enqueueDispatch()));
    await waitFor(async () => stub.dispatch.started === 1, 'a dispatch to start');
    await Promise.all([producer.enqueueDispatch(), otherProducer.enqueueDispatch()]);
    // Nothing waits behind the running dispatch: the adds while it runs were no-ops.
    expect(await inside.getJobCounts('waiting', 'delayed', 'active')).toMatchObject({ waiting: 0, delayed: 0, active: 1 });

    stub.releaseDispatches();
    await waitFor(async () => stub.dispatch.finished === 1, 'the dispatch to finish');
    await waitFor(async () => (await inside.getJobCounts('active')).active === 0, 'the job to be removed');
    await producer.enqueueDispatch();
    await waitFor(async () => stub.dispatch.started === 2, 'the next dispatch');
    expect(stub.dispatch.max).toBe(1);
  });

  it('records a stop outcome: polling stops until the user reconnects', async () => {
    const { stub, recording, open } = fixture();
    const producer = open('producer');
    await startAll(producer, open('worker'));
    await producer.enqueueSync({ ...job('cal-revoked'), failures: 2, mode: 'full' });
    await waitFor(async () => stub.heldOf('cal-revoked'), 'the sync to start');
    expect(stub.heldOf('cal-revoked')?.mode).toBe('full');

    stub.release('cal-revoked', { status: 'stop', error: { code: 'unauthorized', message: 'HTTP 401' } });

    await waitFor(async () => recording.outcomes.length === 1, 'the outcome');
    expect(recording.outcomes[0]).toEqual({
      calendarId: 'cal-revoked',
      outcome: { status: 'stop', error: { code: 'unauthorized', message: 'HTTP 401' } },
      next: { at: null, failures: 3 },
      now,
      mode: 'full',
    });
  });

  it('a job that fails outside the work still backs off (failed handler), with no BullMQ retry', async () => {
    const { stub, recording, open, raw, errors } = fixture();
    const producer = open('producer');
    await startAll(producer, open('worker'));
    recording.state.failRecords = 1; // the processor's own record throws: the job fails

    await producer.enqueueSync(job('cal-f'));
    await waitFor(async () => stub.heldOf('cal-f'), 'the sync to start');
    stub.release('cal-f');

    await waitFor(async () => recording.outcomes.length === 1, 'the failed handler to record');
    expect(recording.outcomes[0]).toMatchObject({
      calendarId: 'cal-f',
      outcome: { status: 'retry', error: { code: 'job_failed', message: 'database unavailable' } },
      next: { at: new Date(now.getTime() + 15_000), failures: 1 },
    });
    expect(stub.started.get('cal-f')).toBe(1);
    expect(await raw().getJobCounts('waiting', 'delayed', 'active', 'failed')).toMatchObject({
      waiting: 0,
      delayed: 0,
      active: 0,
      failed: 0,
    });
    expect(errors).toEqual([]);
  });

  it('keeps the per-host limit across workers while other hosts go ahead', async () => {
    const { stub, recording, open } = fixture();
    const producer = open('producer');
    const options = { hostConcurrency: 1, hostBusyDelayMs: 40 };
    await startAll(producer, open('worker', options), open('worker', options));
    const onX = ['x-1', 'x-2', 'x-3'];
    for (const id of onX) await producer.enqueueSync(job(id, 'x.test'));
    await producer.enqueueSync(job('y-1', 'y.test'));

    await waitFor(async () => stub.heldOf('y-1'), 'the other host to go ahead');
    for (let done = 0; done < onX.length; done++) {
      const held = await waitFor(async () => stub.held.find((sync) => sync.calendarId.startsWith('x-')), 'a sync on x.test');
      expect(stub.held.filter((sync) => sync.calendarId.startsWith('x-'))).toHaveLength(1);
      stub.release(held.calendarId);
    }
    stub.release('y-1');
    await waitFor(async () => recording.outcomes.length === 4, 'all four outcomes');
    expect(onX.map((id) => stub.finished.get(id))).toEqual([1, 1, 1]);
    expect(Math.max(...onX.map((id) => stub.maxPerCalendar.get(id) ?? 0))).toBe(1);
  });

  it('runWorker schedules, processes, and on shutdown drains the running job before returning', async () => {
    const { prefix, stub } = fixture();
    const recording = createRecordingStore([{ calendarId: 'cal-w', host: 'p1-caldav.icloud.test', mode: 'full', failures: 0 }]);
    let shutdown: () => void = () => undefined;
    const until = new Promise<void>((resolve) => {
      shutdown = resolve;
    });
    let returned = false;
    const running = runWorker({
      redisUrl: inject('redisUrl'),
      work: stub.work,
      store: recording.store,
      config: {
        sync: {
          pollSeconds: 60,
          fastPollSeconds: 15,
          fastPollForSeconds: 300,
          pastDays: 30,
          futureDays: 400,
          hostConcurrency: 2,
          workerConcurrency: 8,
          scheduler: true,
        },
      },
      until,
      prefix,
      onError: () => undefined,
    }).then(() => {
      returned = true;
    });
    cleanups.push(async () => {
      shutdown();
      stub.releaseEverything();
      await running;
    });

    await waitFor(async () => stub.heldOf('cal-w'), 'the scheduled calendar to be synced');
    expect(stub.heldOf('cal-w')?.mode).toBe('full');
    await waitFor(async () => stub.dispatch.started === 1, 'the scheduled dispatch');

    shutdown();
    await waitFor(async () => stub.held.length === 1, 'shutdown to begin'); // still held: cannot have returned
    expect(returned).toBe(false);
    stub.release('cal-w');
    stub.releaseDispatches();
    await running;
    expect(returned).toBe(true);
    expect(recording.outcomesOf('cal-w')).toEqual([expect.objectContaining({ outcome: { status: 'ok' }, mode: 'full' })]);
  });
});
