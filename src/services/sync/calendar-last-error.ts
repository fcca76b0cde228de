/** The columns of remote_calendars that hold an error a person should see. */
export interface CalendarErrorColumns {
  last_error_code: string | null;
  last_error_message: string | null;
  limit_error_code: string | null;
  limit_error_message: string | null;
  item_error_code: string | null;
  item_error_message: string | null;
}

export const CALENDAR_ERROR_COLUMNS = [
  'last_error_code',
  'last_error_message',
  'limit_error_code',
  'limit_error_message',
  'item_error_code',
  'item_error_message',
] as const;

/**
 * A calendar's lastError: the remote failure of its last run when there is one (it stops
 * everything), else the calendar holding more items than the cap, else its items' problems (events
 * unreadable, too large, capped). A run that succeeds clears only the first: the others stay until
 * their data changes, so nothing that blocks less than it should is ever silent.
 */
export function calendarLastError(row: CalendarErrorColumns): { code: string; message: string } | null {
  if (row.last_error_code) return { code: row.last_error_code, message: row.last_error_message ?? '' };
  if (row.limit_error_code) return { code: row.limit_error_code, message: row.limit_error_message ?? '' };
  if (row.item_error_code) return { code: row.item_error_code, message: row.item_error_message ?? '' };
  return null;
}
