import type { SyncWork } from '../jobs/sync-job.ts';
import type { Metrics } from './metrics.ts';

/** What the metrics need to know of a calendar before its sync runs. */
export type CalendarSyncStatus = (calendarId: string) => Promise<{ provider: string; lastSyncedAt: Date | null } | null>;

/**
 * The sync work with each calendar sync counted and timed. The lag is measured from the calendar's
 * previous successful sync (read before this one runs) to the end of this one.
 */
export function instrumentSyncWork(
  work: SyncWork,
  metrics: Metrics,
  statusOf: CalendarSyncStatus,
  now: () => Date = () => new Date(),
): SyncWork {
  return {
    ...work,
    async syncCalendar(calendarId, mode, signal) {
      const status = await statusOf(calendarId).catch(() => null);
      const provider = status?.provider ?? 'unknown';
      const started = process.hrtime.bigint();
      const outcome = await work.syncCalendar(calendarId, mode, signal);
      metrics.syncDuration.observe({ provider, mode }, Number(process.hrtime.bigint() - started) / 1e9);
      metrics.syncs.inc({ provider, mode, outcome: outcome.status });
      if (outcome.status === 'ok') {
        if (status?.lastSyncedAt) metrics.syncLag.observe({ provider }, (now().getTime() - status.lastSyncedAt.getTime()) / 1000);
      } else {
        metrics.syncErrors.inc({ provider, code: outcome.error.code });
      }
      return outcome;
    },
  };
}
