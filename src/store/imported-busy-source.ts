import type { Kysely } from 'kysely';
import type { Interval } from '../domain/interval.ts';
import type { DB } from './schema.ts';

/**
 * Where imported calendar busy time comes from. The slot engine does not know about iCloud; the
 * sync engine stores imported occurrences and feeds them to availability through this port.
 */
export interface ImportedBusySource {
  /**
   * Blocking occurrences per user overlapping `range` (primary + conflict calendars), read through
   * `executor` — the caller's transaction when booking, so the check sees what the booking locks
   * (and PGlite's single connection is never asked for twice).
   */
  importedBusy(executor: Kysely<DB>, userIds: string[], range: Interval): Promise<Map<string, Interval[]>>;
  /**
   * The blocking imported events of one user overlapping `range`, with what a person needs to
   * recognise them (explain names them). Optional: without it explain says "imported busy time".
   */
  importedEvents?(executor: Kysely<DB>, userId: string, range: Interval): Promise<ImportedEvent[]>;
}

/** One blocking occurrence of an imported event. */
export interface ImportedEvent extends Interval {
  title: string;
  allDay: boolean;
  remoteCalendarId: string;
  calendarName: string;
}
