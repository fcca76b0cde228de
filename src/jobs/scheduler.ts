import type { ScheduleStore } from '../domain/sync/schedule.ts';
import type { SyncQueue } from './sync-queue.ts';
import { reportToConsole, type ReportError } from './sync-job.ts';

export interface SchedulerOptions {
  store: Pick<ScheduleStore, 'dueCalendars'>;
  queue: Pick<SyncQueue, 'enqueueSync' | 'enqueueDispatch'>;
  /** How often to look for due calendars; well under the poll interval so a due calendar waits little. */
  intervalMs: number;
  now: () => Date;
  /**
   * Due calendars enqueued per tick at most (tests). Default: every due calendar — a fixed cap would
   * bound how many calendars per minute can be kept fresh, whatever the workers; the queue dedupes
   * calendars already waiting, so a backlog is re-offered, not duplicated.
   */
  limit?: number;
  onError?: ReportError;
}

export interface Scheduler {
  /** Enqueues the due calendars and one outbox dispatch; returns how many calendars were enqueued. Also "wake now" after a change. */
  tick(): Promise<number>;
  /** Ticks now, then every intervalMs; a tick never overlaps the previous one. */
  start(): void;
  /** Stops ticking and waits for a tick in progress. */
  stop(): Promise<void>;
}

/**
 * The schedule lives in the database (next_sync_at), not in timers, so the scheduler is stateless:
 * every process may run one, and the queue's dedupe makes two schedulers enqueueing the same
 * calendar harmless. A restart loses nothing: whatever was due is still due.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const onError = options.onError ?? reportToConsole;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;

  async function tick(): Promise<number> {
    const due = await options.store.dueCalendars(options.now(), options.limit ?? null);
    await Promise.all(due.map((calendar) => options.queue.enqueueSync(calendar)));
    // The outbox has its own per-row due times; a dispatch each tick is how they get looked at.
    await options.queue.enqueueDispatch();
    return due.length;
  }

  function loop(): void {
    if (current) return;
    current = tick()
      .then(
        () => undefined,
        (error: unknown) => onError(error, 'scheduler tick'),
      )
      .finally(() => {
        current = null;
      });
  }

  return {
    tick,
    start() {
      if (timer) return;
      timer = setInterval(loop, options.intervalMs);
      loop();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await current;
    },
  };
}
