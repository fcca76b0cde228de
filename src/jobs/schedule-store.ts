import type { SyncJobOutcome, SyncMode } from './sync-job.ts';
import type { NextRun } from './backoff.ts';

/** A full reconciliation runs at least this often even when incremental sync is healthy (SPEC §5). */
export const FULL_SYNC_EVERY_MS = 24 * 60 * 60_000;

export interface DueCalendar {
  calendarId: string;
  /** The CalDAV host the calendar lives on (iCloud spreads accounts over pNN-caldav hosts). */
  host: string;
  mode: SyncMode;
  /** Consecutive failures so far, for the backoff after this run. */
  failures: number;
  /** ISO instant a sync last saw it change (null: never): it is polled faster for a while after. */
  lastChangeAt?: string | null;
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
  /** When a sync last saw the calendar change (stamped by the sync itself); absent: the job's own lastChangeAt. */
  lastChangeAt?(calendarId: string): Promise<Date | null>;
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
