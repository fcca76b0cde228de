/** What the jsonb columns without a domain type hold (scripts/generate-db-types.ts names them for each column). */

/** remote_calendars.sync_warning: the empty-calendar refusal (ports.ts CalendarWarning). */
export interface SyncWarningColumn {
  code: 'empty_calendar_refused';
  heldItems: number;
  message: string;
}

/** A written snapshot inside appointment_links.pending_writes, times as ISO strings. */
export interface StoredSnapshot {
  start: string;
  end: string;
  title: string;
  detailsHash: string;
}
