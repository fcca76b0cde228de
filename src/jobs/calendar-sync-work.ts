import { RemoteAccessDenied, RemoteCalendarError, RemoteRefused, RemoteUnavailable } from '../services/sync/remote-errors.ts';
import { syncCalendar, type SyncCalendarDeps } from '../services/sync/sync-calendar.ts';
import { runOutboxDispatch } from '../services/sync/run-outbox-dispatch.ts';
import type { SyncJobOutcome } from '../domain/sync/schedule.ts';
import type { SyncWork } from './sync-job.ts';

/** The work needs exactly what one calendar sync needs, plus the dispatcher's share of it. */
export type CalendarSyncWorkOptions = SyncCalendarDeps;

/**
 * The real work behind the queue: inbound sync of a calendar and the outbox dispatcher, with remote
 * failures turned into what the scheduler needs to know — try again later (and when), or stop
 * polling until the user reconnects.
 */
export function createCalendarSyncWork(options: CalendarSyncWorkOptions): SyncWork {
  return {
    async syncCalendar(calendarId, mode, signal): Promise<SyncJobOutcome> {
      try {
        await syncCalendar(options, { calendarId, mode, ...(signal && { signal }) });
        return { status: 'ok' };
      } catch (error) {
        return outcomeOf(error);
      }
    },
    dispatchOutbox: (signal) => runOutboxDispatch(options, options.now(), signal),
  };
}

/** The classifier's verdict (caldav/providers/classify-failure.ts) as the scheduler's outcome. */
export function outcomeOf(error: unknown): SyncJobOutcome {
  const failure = error instanceof RemoteCalendarError ? error.failure : null;
  if (failure !== null) {
    const described = { code: failure.code, message: failure.message };
    if (failure.action === 'reconnect') return { status: 'stop', error: described };
    if (failure.action === 'stop') return { status: 'halt', error: described };
    return { status: 'retry', error: described, retryAfterMs: failure.retryAfterMs };
  }
  if (error instanceof RemoteRefused) {
    return { status: 'halt', error: { code: 'remote_refused', message: `${error.message}. Tandem stopped retrying this calendar.` } };
  }
  if (error instanceof RemoteAccessDenied) {
    return {
      status: 'stop',
      error: {
        code: 'needs_reconnect',
        message: `Tandem cannot use this account's stored credentials (${error.message}). Reconnect the account.`,
      },
    };
  }
  if (error instanceof RemoteUnavailable) {
    return {
      status: 'retry',
      error: {
        code: 'remote_unavailable',
        message: `The calendar server is busy or unreachable (${error.message}). Tandem will try again.`,
      },
      retryAfterMs: error.retryAfterMs,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 'retry',
    error: { code: 'sync_failed', message: `Sync failed: ${message}. Tandem will try again.` },
    retryAfterMs: null,
  };
}
