import { RemoteAccessDenied, RemoteUnavailable } from '../services/sync/remote-errors.ts';
import { syncCalendar, type SyncCalendarDeps } from '../services/sync/sync-calendar.ts';
import { pruneDeliveredOutbox } from '../services/sync/prune-outbox.ts';
import { dispatchOutbox } from '../services/sync/dispatch-outbox.ts';
import type { SyncJobOutcome, SyncWork } from './sync-job.ts';

/** The work needs exactly what one calendar sync needs, plus the dispatcher's share of it. */
export type CalendarSyncWorkOptions = SyncCalendarDeps;

/**
 * The real work behind the queue: inbound sync of a calendar and the outbox dispatcher, with remote
 * failures turned into what the scheduler needs to know — try again later (and when), or stop
 * polling until the user reconnects.
 */
export function createCalendarSyncWork(options: CalendarSyncWorkOptions): SyncWork {
  return {
    async syncCalendar(calendarId, mode): Promise<SyncJobOutcome> {
      try {
        await syncCalendar(options, { calendarId, mode });
        return { status: 'ok' };
      } catch (error) {
        return outcomeOf(error);
      }
    },
    async dispatchOutbox() {
      const now = options.now();
      const report = await dispatchOutbox({ store: options.store, openRemote: options.openRemote, codec: options.codec }, { now });
      await pruneDeliveredOutbox(options.db, now);
      return { processed: report.rows.length };
    },
  };
}

export function outcomeOf(error: unknown): SyncJobOutcome {
  if (error instanceof RemoteAccessDenied) {
    return { status: 'stop', error: { code: 'needs_reconnect', message: `The calendar server refused Tandem's access (${error.message}). Reconnect the account with a new app-specific password.` } };
  }
  if (error instanceof RemoteUnavailable) {
    return { status: 'retry', error: { code: 'remote_unavailable', message: `The calendar server is busy or unreachable (${error.message}). Tandem will try again.` }, retryAfterMs: error.retryAfterMs };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'retry', error: { code: 'sync_failed', message: `Sync failed: ${message}. Tandem will try again.` }, retryAfterMs: null };
}
