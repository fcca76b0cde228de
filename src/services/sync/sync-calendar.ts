import { defaultSyncWindow } from '../../domain/sync/sync-window.ts';
import type { Database } from '../../store/database.ts';
import type { ItemParser } from './item-parser.ts';
import type { EventCodec, OpenRemoteCalendar, SyncStore } from '../../domain/sync/ports.ts';
import { runInboundSync, type InboundSyncReport } from './run-inbound-sync.ts';
import type { SyncLimits } from './sync-limits.ts';

/**
 * Objects per transaction of a first import in the server and the worker: one multiget request's
 * worth. 5,000 events are 10 transactions instead of 50 (decision 0017, third round).
 */
export const FIRST_IMPORT_BATCH_SIZE = 500;

export interface SyncCalendarDeps {
  db: Database;
  store: SyncStore;
  openRemote: OpenRemoteCalendar;
  codec: EventCodec;
  window: { pastDays: number; futureDays: number };
  now: () => Date;
  /** Objects per multiget batch (default 100). */
  batchSize?: number;
  /** Objects per transaction of a calendar's first import (runInboundSync's firstImportBatchSize; default batchSize). */
  firstImportBatchSize?: number;
  /** Imports of at least this many objects write their progress (default 200: big enough to wait on). */
  progressThreshold?: number;
  /** Caps against hostile calendars (sync-limits.ts); defaults when absent. */
  limits?: SyncLimits;
  /** Where objects are parsed (item-parser.ts); in this thread when absent. */
  parser?: ItemParser;
}

/**
 * One inbound sync of one configured calendar. Remote errors propagate to the job that runs it,
 * which records them and decides when to try again; a first import of a large calendar writes its
 * progress ("1,200 of 5,000") to the calendar as it goes.
 */
export async function syncCalendar(
  deps: SyncCalendarDeps,
  options: {
    calendarId: string;
    mode: 'incremental' | 'full';
    /** Shutdown: stop at the next batch boundary (each batch is its own transaction). */ signal?: AbortSignal;
  },
): Promise<InboundSyncReport> {
  options.signal?.throwIfAborted();
  const now = deps.now();
  const remote = await deps.openRemote(options.calendarId);
  let reported = false;
  const report = await runInboundSync(
    {
      store: deps.store,
      remote,
      codec: deps.codec,
      ...(deps.limits && { limits: deps.limits }),
      ...(deps.parser && { parser: deps.parser }),
    },
    {
      calendarId: options.calendarId,
      mode: options.mode,
      now,
      ...(deps.batchSize !== undefined && { batchSize: deps.batchSize }),
      ...(deps.firstImportBatchSize !== undefined && { firstImportBatchSize: deps.firstImportBatchSize }),
      window: defaultSyncWindow(now, { daysBack: deps.window.pastDays, daysAhead: deps.window.futureDays }),
      onProgress: async ({ done, total }) => {
        options.signal?.throwIfAborted();
        if (total < (deps.progressThreshold ?? 200) && !reported) return;
        reported = true;
        await deps.db
          .updateTable('remote_calendars')
          .set({ import_total: total, import_done: done })
          .where('id', '=', options.calendarId)
          .execute();
      },
    },
  );
  // Freshness (issue 12.6): a calendar seen changing is polled faster for a while (domain/sync/poll-schedule.ts).
  if (sawChange(report))
    await deps.db.updateTable('remote_calendars').set({ last_change_at: now }).where('id', '=', options.calendarId).execute();
  // The confirmation is spent once a run has applied it.
  if (report.allowEmptySpent)
    await deps.db.updateTable('remote_calendars').set({ allow_empty_once: false }).where('id', '=', options.calendarId).execute();
  return report;
}

/** A new etag or token was seen (something fetched), or something applied (a deletion): the calendar is active. */
export function sawChange(report: Pick<InboundSyncReport, 'fetched' | 'counts'>): boolean {
  if (report.fetched > 0) return true;
  return Object.entries(report.counts).some(([type, count]) => type !== 'RefuseEmptyCalendar' && (count ?? 0) > 0);
}
