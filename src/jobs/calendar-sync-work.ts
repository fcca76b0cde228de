import { RemoteAccessDenied, RemoteCalendarError, RemoteRefused, RemoteUnavailable } from '../services/sync/remote-errors.ts';
import { sawChange, syncCalendar, type SyncCalendarDeps } from '../services/sync/sync-calendar.ts';
import { runOutboxDispatch } from '../services/sync/run-outbox-dispatch.ts';
import type { SyncJobOutcome } from '../domain/sync/schedule.ts';
import type { SyncWork } from './sync-job.ts';

/** The work needs exactly what one calendar sync needs, plus the dispatcher's share of it. */
export type CalendarSyncWorkOptions = SyncCalendarDeps & {
  /**
   * The daily reconciliation's listing of the calendar's account (services/connections/
   * reconcile-calendar-list.ts): `force` lists now. Says whether the calendar itself was deleted.
   */
  relistCalendars?: (calendarId: string, force: boolean) => Promise<{ removed: boolean }>;
};

/**
 * The real work behind the queue: inbound sync of a calendar and the outbox dispatcher, with remote
 * failures turned into what the scheduler needs to know — try again later (and when), or stop
 * polling until the user reconnects.
 */
export function createCalendarSyncWork(options: CalendarSyncWorkOptions): SyncWork {
  return {
    async syncCalendar(calendarId, mode, signal): Promise<SyncJobOutcome> {
      // The daily full sync first lists the account's calendars: new ones appear, deleted ones are marked.
      if (mode === 'full' && (await options.relistCalendars?.(calendarId, false))?.removed) return { status: 'ok' };
      try {
        const report = await syncCalendar(options, { calendarId, mode, ...(signal && { signal }) });
        return sawChange(report) ? { status: 'ok', changed: true } : { status: 'ok' };
      } catch (error) {
        const outcome = outcomeOf(error);
        // "Not found": perhaps deleted in the calendar app. A listing tells (and marks it) at once.
        if (
          outcome.status !== 'ok' &&
          outcome.error.code.endsWith('_not_found') &&
          (await options.relistCalendars?.(calendarId, true))?.removed
        )
          return { status: 'ok' };
        return outcome;
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
