import { runSyncJob, type SyncJobDeps } from './run-sync-job.ts';
import { interruptAfterGrace, type SyncQueue } from './sync-queue.ts';
import { reportToConsole, type ReportError, type SyncJob } from './sync-job.ts';

export interface InProcessQueueOptions extends SyncJobDeps {
  /** Syncs running at once against one CalDAV host (politeness towards iCloud). */
  hostConcurrency: number;
  /** Syncs running at once in total. */
  concurrency?: number;
  onError?: ReportError;
}

/**
 * The embedded default: jobs live in memory, in this process. Nothing is lost by that — the
 * schedule lives in the database, so jobs dropped by a restart are simply due again at the next tick.
 *
 * Dedupe is by calendar id over queued *and* running jobs, which is also what guarantees at most
 * one sync of a calendar in flight.
 */
export function createInProcessQueue(options: InProcessQueueOptions): SyncQueue {
  const concurrency = options.concurrency ?? 16;
  const onError = options.onError ?? reportToConsole;
  const pending = new Map<string, SyncJob>(); // insertion order = FIFO
  const running = new Set<string>();
  const hostLoad = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let dispatch: 'idle' | 'queued' | 'running' = 'idle';
  let accepting = true;
  let started = false;
  // Aborted when a stop's grace period runs out: running syncs stop at their next batch boundary.
  let interrupt = new AbortController();

  function track(promise: Promise<void>): void {
    inFlight.add(promise);
    // Fire-and-forget: every tracked promise has already handed its error to onError, so this chain cannot reject.
    void promise.finally(() => {
      inFlight.delete(promise);
      pump();
    });
  }

  function launchSync(job: SyncJob): void {
    running.add(job.calendarId);
    hostLoad.set(job.host, (hostLoad.get(job.host) ?? 0) + 1);
    track(
      runSyncJob(job, options, interrupt.signal)
        .then(
          () => undefined,
          (error: unknown) => onError(error, `recording the sync of calendar ${job.calendarId}`),
        )
        .finally(() => {
          running.delete(job.calendarId);
          const load = (hostLoad.get(job.host) ?? 1) - 1;
          if (load > 0) hostLoad.set(job.host, load);
          else hostLoad.delete(job.host);
        }),
    );
  }

  function launchDispatch(): void {
    dispatch = 'running';
    track(
      options.work
        .dispatchOutbox(interrupt.signal)
        .then(
          () => undefined,
          (error: unknown) => onError(error, 'dispatching the outbox'),
        )
        .finally(() => {
          dispatch = 'idle';
        }),
    );
  }

  /** Starts whatever the limits allow; called after every enqueue and every finished job. */
  function pump(): void {
    if (!started) return;
    if (dispatch === 'queued') launchDispatch();
    for (const [calendarId, job] of pending) {
      if (running.size >= concurrency) break;
      // A busy host does not block the line: calendars on other hosts overtake.
      if ((hostLoad.get(job.host) ?? 0) >= options.hostConcurrency) continue;
      pending.delete(calendarId);
      launchSync(job);
    }
  }

  return {
    async enqueueSync(job) {
      if (!accepting || pending.has(job.calendarId) || running.has(job.calendarId)) return;
      pending.set(job.calendarId, job);
      pump();
    },
    async enqueueDispatch() {
      if (!accepting || dispatch !== 'idle') return;
      dispatch = 'queued';
      pump();
    },
    async depth() {
      return { waiting: pending.size, running: running.size };
    },
    async start() {
      accepting = true;
      started = true;
      if (interrupt.signal.aborted) interrupt = new AbortController();
      pump();
    },
    async stop(stopOptions = {}) {
      accepting = false;
      started = false;
      pending.clear();
      if (dispatch === 'queued') dispatch = 'idle';
      const cancelGrace = interruptAfterGrace(interrupt, stopOptions);
      try {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      } finally {
        cancelGrace();
      }
    },
  };
}
