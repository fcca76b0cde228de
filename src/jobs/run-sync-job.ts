import { nextRunAfter, type ScheduleStore, type SyncJobOutcome } from '../domain/sync/schedule.ts';
import { nextPollDelayMs } from '../domain/sync/poll-schedule.ts';
import type { SyncJob, SyncWork } from './sync-job.ts';

/** What both queue adapters need to run a sync job and record how it went. */
export interface SyncJobDeps {
  work: SyncWork;
  store: ScheduleStore;
  pollMs: number;
  /** Faster polling after a change (issue 12.6); absent: always pollMs. */
  fastPoll?: { intervalMs: number; forMs: number };
  random: () => number;
  now: () => Date;
}

/** The work, with an unexpected throw turned into a transient failure: it is retried with backoff. */
export async function attemptSync(work: SyncWork, job: SyncJob, signal?: AbortSignal): Promise<SyncJobOutcome> {
  try {
    return await work.syncCalendar(job.calendarId, job.mode, signal);
  } catch (error) {
    return {
      status: 'retry',
      error: { code: 'internal_error', message: error instanceof Error ? error.message : String(error) },
      retryAfterMs: null,
    };
  }
}

/** outcome → backoff → store: the calendar's next due time is always written after a run. */
export async function recordSyncOutcome(job: SyncJob, outcome: SyncJobOutcome, deps: Omit<SyncJobDeps, 'work'>): Promise<void> {
  const now = deps.now();
  // A run that saw a change polls fast from now on (the sync stamped it on the row for the scheduler's
  // next reading); otherwise the last change the scheduler read with the job counts.
  const lastChangeAt = outcome.status === 'ok' && outcome.changed ? now : job.lastChangeAt ? new Date(job.lastChangeAt) : null;
  const pollMs = deps.fastPoll
    ? nextPollDelayMs(now, lastChangeAt, { pollMs: deps.pollMs, fastPollMs: deps.fastPoll.intervalMs, fastForMs: deps.fastPoll.forMs })
    : deps.pollMs;
  const next = nextRunAfter(outcome, job.failures, { pollMs, random: deps.random, now });
  await deps.store.recordOutcome(job.calendarId, outcome, next, now, job.mode);
}

/**
 * Runs and records one sync. Interrupted by shutdown (`signal`), a sync that did not finish is not
 * a failure: it is left due at once — no backoff, no error shown — for whichever process runs next.
 */
export async function runSyncJob(job: SyncJob, deps: SyncJobDeps, signal?: AbortSignal): Promise<SyncJobOutcome> {
  const outcome = await attemptSync(deps.work, job, signal);
  if (signal?.aborted && outcome.status !== 'ok') {
    await deps.store.markDue(job.calendarId, deps.now());
    return outcome;
  }
  await recordSyncOutcome(job, outcome, deps);
  return outcome;
}
