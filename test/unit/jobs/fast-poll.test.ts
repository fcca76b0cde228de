/**
 * Freshness (issue 12.6): after a sync sees a change, the calendar is polled every 15 s for 5
 * minutes, then every 60 s again. The clock is injected: the rule is checked at exact instants.
 */
import { describe, expect, it } from 'vitest';
import { nextPollDelayMs, type PollPolicy } from '../../../src/domain/sync/poll-schedule.ts';
import { sawChange } from '../../../src/services/sync/sync-calendar.ts';
import { runSyncJob } from '../../../src/jobs/run-sync-job.ts';
import type { ScheduleStore, SyncJobOutcome } from '../../../src/domain/sync/schedule.ts';
import type { SyncJob } from '../../../src/jobs/sync-job.ts';

const policy: PollPolicy = { pollMs: 60_000, fastPollMs: 15_000, fastForMs: 300_000 };
const t0 = new Date('2026-12-06T10:00:00Z');
const after = (ms: number) => new Date(t0.getTime() + ms);

describe('nextPollDelayMs', () => {
  it('polls fast while the last change is younger than the window, then at the default again', () => {
    expect(nextPollDelayMs(t0, null, policy)).toBe(60_000);
    expect(nextPollDelayMs(t0, t0, policy)).toBe(15_000);
    expect(nextPollDelayMs(after(299_999), t0, policy)).toBe(15_000);
    expect(nextPollDelayMs(after(300_000), t0, policy)).toBe(60_000);
    // A change stamped ahead of this node's clock counts as just now.
    expect(nextPollDelayMs(t0, after(5_000), policy)).toBe(15_000);
  });

  it('never polls slower than the default, and a zero window turns it off', () => {
    expect(nextPollDelayMs(t0, t0, { ...policy, fastPollMs: 120_000 })).toBe(60_000);
    expect(nextPollDelayMs(t0, t0, { ...policy, fastForMs: 0 })).toBe(60_000);
  });
});

describe('sawChange', () => {
  it('is a fetched object or an applied action, not an idle poll or a refused emptying', () => {
    expect(sawChange({ fetched: 0, counts: {} })).toBe(false);
    expect(sawChange({ fetched: 0, counts: { RefuseEmptyCalendar: 1 } })).toBe(false);
    expect(sawChange({ fetched: 1, counts: { SkipUnchanged: 1 } })).toBe(true);
    expect(sawChange({ fetched: 0, counts: { RemoveImportedItem: 1 } })).toBe(true);
  });
});

describe('the schedule a sync run leaves behind', () => {
  /**
   * Runs one job at `now` with the given outcome and returns when the calendar is next due. The job's
   * lastChangeAt is what the scheduler read from the row (the stamp an earlier run left).
   */
  async function nextDue(now: Date, outcome: SyncJobOutcome, job: Partial<SyncJob> = {}): Promise<Date | null> {
    let due: Date | null | undefined;
    const store: ScheduleStore = {
      dueCalendars: () => Promise.resolve([]),
      markDue: () => Promise.resolve(true),
      recordOutcome: (_id, _outcome, next) => {
        due = next.at;
        return Promise.resolve();
      },
    };
    await runSyncJob(
      { calendarId: 'c1', host: 'h', mode: 'incremental', failures: 0, ...job },
      {
        work: { syncCalendar: () => Promise.resolve(outcome), dispatchOutbox: () => Promise.resolve({ processed: 0 }) },
        store,
        pollMs: policy.pollMs,
        fastPoll: { intervalMs: policy.fastPollMs, forMs: policy.fastForMs },
        random: () => 0.5,
        now: () => now,
      },
    );
    return due ?? null;
  }

  it('is 15 s after a run that saw a change, and stays 15 s on idle runs for 5 minutes after it', async () => {
    // The run that saw the change (at t0) says so; the later idle runs carry the stamp it left.
    const stamped = { lastChangeAt: t0.toISOString() };
    expect(await nextDue(t0, { status: 'ok', changed: true })).toEqual(after(15_000));
    expect(await nextDue(after(15_000), { status: 'ok' }, stamped)).toEqual(after(30_000));
    expect(await nextDue(after(290_000), { status: 'ok' }, stamped)).toEqual(after(305_000));
    expect(await nextDue(after(300_000), { status: 'ok' }, stamped)).toEqual(after(360_000));
    expect(await nextDue(t0, { status: 'ok' })).toEqual(after(60_000));
  });

  it('leaves retries to the backoff', async () => {
    const retry: SyncJobOutcome = { status: 'retry', error: { code: 'x', message: 'x' }, retryAfterMs: 120_000 };
    expect(await nextDue(t0, retry, { lastChangeAt: t0.toISOString() })).toEqual(after(120_000));
  });
});
