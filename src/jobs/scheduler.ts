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
  /**
   * A calendar this scheduler enqueued and that is still due by the same time is not offered again
   * for this long (default 60 s): its job is waiting or running. After it, it is offered once more,
   * in case the queue lost it (a Redis that came back empty).
   */
  reofferMs?: number;
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
  const reofferMs = options.reofferMs ?? 60_000;
  // What this scheduler enqueued, by calendar: the due time it was due by, and when. A backlog that
  // the workers have not reached is due tick after tick; offering all of it again every tick would
  // cost the queue one no-op per calendar — thousands per tick, when the workers are already behind.
  const offered = new Map<string, { dueAt: string | null; at: number }>();

  async function tick(): Promise<number> {
    const now = options.now();
    const due = await options.store.dueCalendars(now, options.limit ?? null);
    const stillDue = new Set(due.map((calendar) => calendar.calendarId));
    // A calendar no longer due has run (its due time moved) or left the schedule.
    for (const calendarId of offered.keys()) if (!stillDue.has(calendarId)) offered.delete(calendarId);
    const toOffer = due.filter((calendar) => {
      if (calendar.dueAt === undefined) return true;
      const last = offered.get(calendar.calendarId);
      return last === undefined || last.dueAt !== calendar.dueAt || now.getTime() - last.at >= reofferMs;
    });
    await Promise.all(toOffer.map((calendar) => options.queue.enqueueSync(calendar)));
    for (const calendar of toOffer) {
      if (calendar.dueAt !== undefined) offered.set(calendar.calendarId, { dueAt: calendar.dueAt, at: now.getTime() });
    }
    // The outbox has its own per-row due times; a dispatch each tick is how they get looked at.
    await options.queue.enqueueDispatch();
    return toOffer.length;
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
