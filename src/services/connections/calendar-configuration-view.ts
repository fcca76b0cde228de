import type { Database } from '../../store/database.ts';
import { loadCalendarViews, type RemoteCalendarView } from './connection-view.ts';
import { loadPrimaryNotice } from './primary-notice.ts';

/**
 * A user's calendar configuration (SPEC §4). The primary calendar always counts for conflicts too,
 * so it is listed in both places; `calendars` are all calendars of the user's connections — the
 * ones the UI may offer (those with `connectable: false` greyed out).
 */
export interface CalendarConfigurationView {
  userId: string;
  primaryCalendarId: string | null;
  conflictCalendarIds: string[];
  calendars: RemoteCalendarView[];
  /** Where appointments are (not) written, when that is not simply the primary: primary-notice.ts. */
  primaryNotice: string | null;
}

export async function loadCalendarConfiguration(
  db: Database,
  workspaceId: string,
  userId: string,
  now: Date,
): Promise<CalendarConfigurationView> {
  const calendars = await loadCalendarViews(db, workspaceId, { userId });
  const primary = calendars.find((calendar) => calendar.role === 'primary') ?? null;
  const conflicts = calendars.filter((calendar) => calendar.role === 'conflict').map((calendar) => calendar.id);
  return {
    userId,
    primaryCalendarId: primary?.id ?? null,
    conflictCalendarIds: primary ? [primary.id, ...conflicts] : conflicts,
    calendars,
    primaryNotice: await loadPrimaryNotice(db, { workspaceId, userId, hasPrimary: primary !== null, now }),
  };
}
