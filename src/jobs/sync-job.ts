/**
 * The sync work as the job layer sees it. The job layer decides *when* and *where* a calendar is
 * synced; what a sync does is injected (the lead wires the real engine in), so queues and the
 * scheduler are tested with stubs and never know about CalDAV.
 */

export type SyncMode = 'incremental' | 'full';

export interface SyncError {
  code: string;
  message: string;
}

export type SyncJobOutcome =
  | { status: 'ok' }
  /** Transient (503, timeouts, broken answers): try again later, never sooner than retryAfterMs. */
  | { status: 'retry'; error: SyncError; retryAfterMs: number | null }
  /** Retrying cannot help (401): the connection needs reconnecting, polling stops. */
  | { status: 'stop'; error: SyncError }
  /**
   * Retrying the same request gets the same refusal (an answer Tandem will not accept, a blocked
   * address): this calendar is looked at again only daily or on "Sync now"; the connection is fine.
   */
  | { status: 'halt'; error: SyncError };

export interface SyncWork {
  /** `signal` aborts at shutdown: the sync stops at its next safe point (a committed batch). */
  syncCalendar(calendarId: string, mode: SyncMode, signal?: AbortSignal): Promise<SyncJobOutcome>;
  /** Pushes pending appointment changes (the outbox) to iCloud; aborted, it gives back the rows it has not reached. */
  dispatchOutbox(signal?: AbortSignal): Promise<{ processed: number }>;
}

/**
 * One calendar's sync as it travels through a queue. `host` keys the per-host concurrency limit;
 * `failures` (consecutive failures so far) travels with the job so the backoff after this run can
 * be computed without reading the row again.
 */
export interface SyncJob {
  calendarId: string;
  host: string;
  mode: SyncMode;
  failures: number;
  /** When a sync last saw the calendar change (ISO, so it survives a trip through Redis), for the fast-poll rule. */
  lastChangeAt?: string | null;
}

/** Where background errors go: they happen outside any request, so someone must hear of them. */
export type ReportError = (error: unknown, context: string) => void;

export const reportToConsole: ReportError = (error, context) => {
  console.error(`[jobs] ${context}:`, error instanceof Error ? error.message : error);
};
