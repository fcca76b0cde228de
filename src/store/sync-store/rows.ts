import type { Selectable } from 'kysely';
import type { ImportedOccurrence, RemoteLink, SavedItem, WrittenSnapshot } from '../../domain/sync/types.ts';
import type { AppointmentLinks, ImportedOccurrences, RemoteItems, StoredSnapshot } from '../schema.ts';

/**
 * Conversions between the sync tables' rows and the engine's vocabulary (domain/sync/types.ts).
 * Kept in one place so every reader and writer agrees on the mapping, jsonb dates included.
 */

export function toSavedItem(
  row: Pick<Selectable<RemoteItems>, 'href' | 'etag' | 'content_hash' | 'uid' | 'kind' | 'expanded_until' | 'error'> & {
    error_code?: string | null;
  },
): SavedItem {
  return {
    href: row.href,
    etag: row.etag,
    contentHash: row.content_hash,
    uid: row.uid,
    kind: row.kind,
    expandedUntil: row.expanded_until,
    error: row.error,
    ...(row.error_code != null && { errorCode: row.error_code }),
  };
}

export function toOccurrence(
  row: Pick<Selectable<ImportedOccurrences>, 'recurrence_id' | 'start_at' | 'end_at' | 'all_day' | 'blocks' | 'summary' | 'status'> & {
    occurrences?: number;
  },
): ImportedOccurrence {
  return {
    recurrenceId: row.recurrence_id,
    start: row.start_at,
    end: row.end_at,
    allDay: row.all_day,
    blocks: row.blocks,
    summary: row.summary,
    status: row.status,
    ...(row.occurrences !== undefined && row.occurrences > 1 && { occurrences: row.occurrences }),
  };
}

// jsonb keeps no Date type: snapshots travel as ISO strings and are revived on the way out.
export function storeSnapshots(snapshots: readonly WrittenSnapshot[]): string {
  const stored: StoredSnapshot[] = snapshots.map((s) => ({
    start: s.start.toISOString(),
    end: s.end.toISOString(),
    title: s.title,
    detailsHash: s.detailsHash,
  }));
  return JSON.stringify(stored);
}

export function reviveSnapshots(stored: readonly StoredSnapshot[]): WrittenSnapshot[] {
  return stored.map((s) => ({ start: new Date(s.start), end: new Date(s.end), title: s.title, detailsHash: s.detailsHash }));
}

export type LinkRow = Selectable<AppointmentLinks>;

export function toRemoteLink(row: LinkRow): RemoteLink {
  return {
    appointmentId: row.appointment_id,
    userId: row.user_id,
    calendarId: row.remote_calendar_id,
    href: row.href,
    etag: row.etag,
    written: { start: row.written_start, end: row.written_end, title: row.written_title, detailsHash: row.written_details_hash },
    sequence: row.sequence,
    removedRemotely: row.removed_remotely,
    createPending: row.create_pending,
    pendingWrites: reviveSnapshots(row.pending_writes),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Appointment ids reach the store from remote data (the UID `tandem-<id>@tandem` of any event a
 * user can type): anything that is not a UUID names no appointment, and must not reach a uuid
 * comparison, where PostgreSQL would reject the whole statement.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
