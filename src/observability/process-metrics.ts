import type { SyncQueue } from '../jobs/sync-queue.ts';
import type { SyncWork } from '../jobs/sync-job.ts';
import type { Database } from '../store/database.ts';
import { calendarLags, calendarSyncStatus, undeliveredOutboxRows } from '../store/metrics-queries.ts';
import { instrumentSyncWork } from './instrument-sync.ts';
import { createMetrics, type Metrics } from './metrics.ts';

export interface ProcessMetrics {
  metrics: Metrics;
  /** The sync work, counting each sync (duration, outcome, lag) into these metrics. */
  instrument(work: SyncWork, now?: () => Date): SyncWork;
}

/**
 * The metrics of one Tandem process, `tandem serve` and `tandem worker` alike: scrape-time gauges
 * read from its database and queue, sync counters fed by the instrumented work.
 */
export function createProcessMetrics(
  db: Database,
  options: {
    /** The queue this process can count, or null: a consume-only worker holds no producer handle (its gauge stays empty). */
    queue: () => Pick<SyncQueue, 'depth'> | null;
    processMetrics: boolean;
  },
): ProcessMetrics {
  const metrics = createMetrics(
    {
      queueDepth: async () => {
        const queue = options.queue();
        return queue === null ? null : queue.depth();
      },
      outboxRows: () => undeliveredOutboxRows(db),
      calendarLags: (now) => calendarLags(db, now),
    },
    { processMetrics: options.processMetrics },
  );
  return {
    metrics,
    instrument: (work, now) => instrumentSyncWork(work, metrics, (id) => calendarSyncStatus(db, id), now),
  };
}
