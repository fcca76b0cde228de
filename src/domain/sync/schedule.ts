import { DEFAULT_RETRY, retryDelayMs, type RetryLimits } from '../retry-policy.ts';
import { DAY_MS } from '../time.ts';

/**
 * The scheduling model shared by jobs/ (the scheduler and the queues) and store/ (its Kysely
 * adapter, store/schedule-store.ts): how a sync ended, when a calendar runs next, and the port
 * through which the scheduler reads and records that.
 */

export type SyncMode = 'incremental' | 'full';

export interface SyncError {
  code: string;
  message: string;
}

export type SyncJobOutcome =
  /** `changed`: the run saw the calendar change (something fetched or applied): it is polled fast for a while. */
  | { status: 'ok'; changed?: true }
  /** Transient (503, timeouts, broken answers): try again later, never sooner than retryAfterMs. */
  | { status: 'retry'; error: SyncError; retryAfterMs: number | null }
  /** Retrying cannot help (401): the connection needs reconnecting, polling stops. */
  | { status: 'stop'; error: SyncError }
  /**
   * Retrying the same request gets the same refusal (an answer Tandem will not accept, a blocked
   * address): this calendar is looked at again only daily or on "Sync now"; the connection is fine.
   */
  | { status: 'halt'; error: SyncError };

export interface NextRun {
  /** null: not polled again until something (a reconnect) makes it due. */
  at: Date | null;
  /** Consecutive failures, 0 after a success. */
  failures: number;
}

/** A full reconciliation runs at least this often even when incremental sync is healthy (SPEC §5). */
export const FULL_SYNC_EVERY_MS = DAY_MS;

export interface DueCalendar {
  calendarId: string;
  /** The CalDAV host the calendar lives on (iCloud spreads accounts over pNN-caldav hosts). */
  host: string;
  mode: SyncMode;
  /** Consecutive failures so far, for the backoff after this run. */
  failures: number;
  /** ISO instant a sync last saw it change (null: never): it is polled faster for a while after. */
  lastChangeAt?: string | null;
  /** The due time it was selected by (ISO; null: never synced): while that stays, it is the same due run. */
  dueAt?: string | null;
}

/** Which calendars are due, and what happened when they ran. The scheduling columns only. */
export interface ScheduleStore {
  /**
   * Calendars in use (role ≠ none) of active connections whose next_sync_at has passed (null = due
   * now), oldest first, at most `limit` of them (null: all). Mode is 'full' when the last full sync
   * is missing or older than 24 h.
   */
  dueCalendars(now: Date, limit: number | null): Promise<DueCalendar[]>;
  /**
   * Records a run: next_sync_at and failures from `next`; the error on retry/stop, cleared on ok
   * (with last_synced_at, and last_full_sync_at after a full run). 'stop' also marks the connection
   * needs_reconnect, so none of its calendars is polled until the user reconnects. Nothing is deleted.
   */
  recordOutcome(calendarId: string, outcome: SyncJobOutcome, next: NextRun, now: Date, mode: SyncMode): Promise<void>;
  /** "Sync now": due at `now`. False when there is no such calendar. */
  markDue(calendarId: string, now: Date): Promise<boolean>;
}

/** The host part of a calendar URL; a URL that does not parse still gets a stable key of its own. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return `invalid:${url}`;
  }
}

export function modeFor(lastFullSyncAt: Date | null, now: Date): SyncMode {
  return lastFullSyncAt === null || now.getTime() - lastFullSyncAt.getTime() >= FULL_SYNC_EVERY_MS ? 'full' : 'incremental';
}

/** A halted calendar (refused answer, blocked address) is looked at again this often: its data may have changed. */
export const HALT_RECHECK_MS = DAY_MS;

export interface NextRunOptions {
  pollMs: number;
  /** Uniform in [0, 1), like Math.random. */
  random: () => number;
  now: Date;
  limits?: RetryLimits;
}

/** When a calendar is next due, given how its sync ended: a retry follows the one retry policy (retry-policy.ts). */
export function nextRunAfter(outcome: SyncJobOutcome, failures: number, options: NextRunOptions): NextRun {
  const { now } = options;
  switch (outcome.status) {
    case 'ok':
      return { at: new Date(now.getTime() + options.pollMs), failures: 0 };
    case 'stop':
      return { at: null, failures: failures + 1 };
    case 'halt':
      return { at: new Date(now.getTime() + HALT_RECHECK_MS), failures: failures + 1 };
    case 'retry': {
      const count = failures + 1;
      const delay = retryDelayMs(count, outcome.retryAfterMs, options.random, options.limits ?? DEFAULT_RETRY);
      return { at: new Date(now.getTime() + delay), failures: count };
    }
  }
}
