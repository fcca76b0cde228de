import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessQueue } from '../../../src/jobs/in-process-queue.ts';
import type { SyncJob, SyncWork } from '../../../src/jobs/sync-job.ts';
import { waitFor } from '../../support/wait-for.ts';
import { createRecordingStore, createWorkStub } from './stubs.ts';

const now = new Date('2025-03-01T10:00:00Z');
const pollMs = 60_000;
const hosts: Record<string, string> = { a1: 'a.test', a2: 'a.test', a3: 'a.test', a4: 'a.test', b1: 'b.test' };
const hostOf = (calendarId: string) => hosts[calendarId] ?? 'other.test';
const job = (calendarId: string, failures = 0): SyncJob => ({ calendarId, host: hostOf(calendarId), mode: 'incremental', failures });

function setup(options: { hostConcurrency?: number; concurrency?: number } = {}) {
  const stub = createWorkStub(hostOf);
  const recording = createRecordingStore();
  const errors: string[] = [];
  const queue = createInProcessQueue({
    work: stub.work,
    store: recording.store,
    hostConcurrency: options.hostConcurrency ?? 4,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    pollMs,
    random: () => 0.5,
    now: () => now,
    onError: (error, context) => errors.push(`${context}: ${String(error)}`),
  });
  teardowns.push(async () => {
    stub.releaseEverything();
    await queue.stop();
  });
  return { stub, recording, queue, errors };
}

const teardowns: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const teardown of teardowns.splice(0)) await teardown();
});

/** Lets queued promise callbacks run (no timers involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('in-process queue', () => {
  it('deduplicates: a calendar queued or running is not queued again', async () => {
    const { stub, recording, queue } = setup({ hostConcurrency: 1 });
    await queue.start();
    await queue.enqueueSync(job('a1'));
    await queue.enqueueSync(job('a2')); // waits: host a.test allows one at a time
    for (let i = 0; i < 5; i++) {
      await queue.enqueueSync(job('a1')); // running
      await queue.enqueueSync(job('a2')); // queued
    }
    await waitFor(async () => stub.heldOf('a1'), 'a1 to start');
    expect(stub.heldOf('a2')).toBeUndefined();

    stub.release('a1');
    await waitFor(async () => stub.heldOf('a2'), 'a2 to start');
    stub.release('a2');
    await waitFor(async () => recording.outcomes.length === 2, 'both outcomes');

    expect(Object.fromEntries(stub.started)).toEqual({ a1: 1, a2: 1 });
    // Once finished, the calendar can be queued again.
    await queue.enqueueSync(job('a1'));
    await waitFor(async () => stub.heldOf('a1'), 'a1 to start again');
    expect(stub.started.get('a1')).toBe(2);
  });

  it('never runs two syncs of one calendar at once, and keeps the host limit, under random interleavings', async () => {
    const { stub, recording, queue } = setup({ hostConcurrency: 2 });
    await queue.start();
    const calendars = Object.keys(hosts);
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let step = 0; step < 400; step++) {
      if (random() < 0.6 || stub.held.length === 0) {
        await queue.enqueueSync(job(calendars[Math.floor(random() * calendars.length)]!));
      } else {
        const sync = stub.held[Math.floor(random() * stub.held.length)]!;
        stub.release(sync.calendarId);
      }
      if (random() < 0.5) await settle();
    }
    for (const calendarId of calendars) await queue.enqueueSync(job(calendarId));
    stub.releaseEverything();
    await queue.stop();

    for (const calendarId of calendars) {
      expect(stub.maxPerCalendar.get(calendarId), calendarId).toBe(1);
      expect(stub.started.get(calendarId) ?? 0, calendarId).toBeGreaterThan(0);
    }
    expect(stub.maxPerHost.get('a.test')).toBe(2);
    expect(stub.maxPerHost.get('b.test')).toBe(1);
    const totalStarted = [...stub.started.values()].reduce((sum, n) => sum + n, 0);
    expect(recording.outcomes).toHaveLength(totalStarted);
  });

  it('respects the per-host limit while other hosts overtake', async () => {
    const { stub, queue } = setup({ hostConcurrency: 2 });
    for (const calendarId of ['a1', 'a2', 'a3', 'a4', 'b1']) await queue.enqueueSync(job(calendarId));
    expect(stub.held).toHaveLength(0); // nothing runs before start
    await queue.start();

    await waitFor(async () => stub.held.length === 3, 'three syncs to start');
    expect(stub.held.map((sync) => sync.calendarId).sort()).toEqual(['a1', 'a2', 'b1']);

    stub.release('a1');
    await waitFor(async () => stub.heldOf('a3'), 'a3 to take the free slot');
    expect(stub.heldOf('a4')).toBeUndefined();
    expect(stub.maxPerHost.get('a.test')).toBe(2);
  });

  it('respects the total concurrency', async () => {
    const { stub, queue } = setup({ hostConcurrency: 10, concurrency: 2 });
    await queue.start();
    for (const calendarId of ['a1', 'a2', 'b1', 'c1']) await queue.enqueueSync(job(calendarId));
    await waitFor(async () => stub.held.length === 2, 'two syncs to start');
    await settle();
    expect(stub.held.map((sync) => sync.calendarId)).toEqual(['a1', 'a2']);
    stub.release('a2');
    await waitFor(async () => stub.heldOf('b1'), 'b1 to start');
    expect(stub.held).toHaveLength(2);
  });

  it('records each outcome with its backoff; a throwing sync counts as a transient failure', async () => {
    const { stub, recording, queue } = setup();
    await queue.start();
    await queue.enqueueSync(job('ok'));
    await queue.enqueueSync({ ...job('busy', 2), mode: 'full' });
    await queue.enqueueSync(job('revoked'));
    await queue.enqueueSync(job('broken', 1));
    await waitFor(async () => stub.held.length === 4, 'four syncs to start');

    stub.release('ok');
    stub.release('busy', { status: 'retry', error: { code: 'server_error', message: '503' }, retryAfterMs: null });
    stub.release('revoked', { status: 'stop', error: { code: 'unauthorized', message: '401' } });
    stub.fail('broken', new Error('parser exploded'));
    await waitFor(async () => recording.outcomes.length === 4, 'four outcomes');

    expect(recording.outcomesOf('ok')).toEqual([
      {
        calendarId: 'ok',
        outcome: { status: 'ok' },
        next: { at: new Date(now.getTime() + pollMs), failures: 0 },
        now,
        mode: 'incremental',
      },
    ]);
    // Third consecutive failure: ceiling 30 s · 2² = 120 s, random 0.5 → 60 s.
    expect(recording.outcomesOf('busy')).toEqual([
      expect.objectContaining({ next: { at: new Date(now.getTime() + 60_000), failures: 3 }, mode: 'full' }),
    ]);
    expect(recording.outcomesOf('revoked')).toEqual([
      expect.objectContaining({
        outcome: { status: 'stop', error: { code: 'unauthorized', message: '401' } },
        next: { at: null, failures: 1 },
      }),
    ]);
    expect(recording.outcomesOf('broken')).toEqual([
      expect.objectContaining({
        outcome: { status: 'retry', error: { code: 'internal_error', message: 'parser exploded' }, retryAfterMs: null },
        next: { at: new Date(now.getTime() + 30_000), failures: 2 },
      }),
    ]);
  });

  it('a failing record is reported and does not jam the queue', async () => {
    const { stub, recording, queue, errors } = setup();
    await queue.start();
    recording.state.failRecords = 1;
    await queue.enqueueSync(job('a1'));
    await waitFor(async () => stub.heldOf('a1'), 'a1 to start');
    stub.release('a1');
    await waitFor(async () => errors.length === 1, 'the error to be reported');
    expect(errors[0]).toContain('database unavailable');

    await queue.enqueueSync(job('a1'));
    await waitFor(async () => stub.heldOf('a1'), 'a1 to run again');
    stub.release('a1');
    await waitFor(async () => recording.outcomes.length === 1, 'the outcome');
  });

  it('deduplicates outbox dispatches too', async () => {
    const { stub, queue } = setup();
    await queue.start();
    await queue.enqueueDispatch();
    await queue.enqueueDispatch();
    await waitFor(async () => stub.dispatch.started === 1, 'a dispatch to start');
    await queue.enqueueDispatch();
    await settle();
    expect(stub.dispatch.started).toBe(1);

    stub.releaseDispatches();
    await waitFor(async () => stub.dispatch.finished === 1, 'the dispatch to finish');
    await queue.enqueueDispatch();
    await waitFor(async () => stub.dispatch.started === 2, 'a second dispatch');
    expect(stub.dispatch.max).toBe(1);
  });

  it('stop waits for running jobs, and their outcomes, and takes nothing new', async () => {
    const { stub, recording, queue } = setup({ hostConcurrency: 1 });
    await queue.start();
    await queue.enqueueSync(job('a1'));
    await queue.enqueueSync(job('a2'));
    await waitFor(async () => stub.heldOf('a1'), 'a1 to start');

    let stopped = false;
    const stopping = queue.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    await queue.enqueueSync(job('b1'));

    stub.release('a1');
    await stopping;
    expect(recording.outcomesOf('a1')).toHaveLength(1);
    expect(stub.started.has('a2')).toBe(false);
    expect(stub.started.has('b1')).toBe(false);
  });

  it('stop({ graceMs }) interrupts a sync that outlives the grace period: left due at once, no failure recorded', async () => {
    const recording = createRecordingStore();
    const marked: string[] = [];
    let signal: AbortSignal | undefined;
    // A sync that runs until interrupted, like a long first import between two batches.
    const work: SyncWork = {
      syncCalendar: (_calendarId, _mode, received) =>
        new Promise((_resolve, reject) => {
          signal = received;
          received?.addEventListener('abort', () => reject(new Error('interrupted')));
        }),
      dispatchOutbox: async () => ({ processed: 0 }),
    };
    const queue = createInProcessQueue({
      work,
      store: { ...recording.store, markDue: async (calendarId) => (marked.push(calendarId), true) },
      hostConcurrency: 1,
      pollMs,
      random: () => 0.5,
      now: () => now,
      onError: () => undefined,
    });
    await queue.start();
    await queue.enqueueSync(job('a1'));
    await waitFor(async () => signal !== undefined, 'the sync to start');
    await queue.stop({ graceMs: 0 });
    expect(signal?.aborted).toBe(true);
    expect(marked, 'due again at once').toEqual(['a1']);
    expect(recording.outcomes, 'no failure, no backoff').toEqual([]);
  });

  it('stop({ graceMs }) lets a sync that finishes within the grace period finish', async () => {
    const { stub, recording, queue } = setup();
    await queue.start();
    await queue.enqueueSync(job('a1'));
    await waitFor(async () => stub.heldOf('a1'), 'a1 to start');
    const stopped = queue.stop({ graceMs: 600_000 });
    await settle();
    stub.release('a1');
    await stopped;
    expect(recording.outcomes.map((o) => [o.calendarId, o.outcome.status])).toEqual([['a1', 'ok']]);
  });
});
