import type { ErrorCodeTable } from '../error-code-table.ts';

/**
 * The caps that keep one hostile or broken calendar from hurting anyone else (config.ts reads them
 * from ICAL_MAX_OBJECT_BYTES, SYNC_MAX_ITEMS_PER_CALENDAR and ICAL_MAX_OCCURRENCES). The defaults
 * are far above what a real iCloud calendar holds; each breach is recorded on that calendar with
 * one of the codes below, the item (or the excess) is skipped, and the rest of the calendar syncs.
 */
export interface SyncLimits {
  /** Largest calendar object read, in bytes (an iCloud event with notes is a few kB). */
  maxObjectBytes: number;
  /** Objects imported per calendar; more are listed but not fetched. */
  maxItemsPerCalendar: number;
  /** Stored occurrences (or busy ranges) per object; the earliest are kept. */
  maxOccurrencesPerObject: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = {
  maxObjectBytes: 2 * 1024 * 1024,
  maxItemsPerCalendar: 50_000,
  maxOccurrencesPerObject: 50_000,
};

/**
 * Codes a calendar's sync status can show besides the remote errors (connection-errors.ts), listed at
 * /api/errors. The status is not an HTTP answer: 422 says "this data cannot be used as it is".
 */
export const syncItemErrorCodes = {
  ical_unreadable: {
    status: 422,
    message: 'An event in this calendar is not valid iCalendar; it blocks no time until it is fixed or deleted in the calendar app.',
  },
  ical_too_deep: {
    status: 422,
    message: 'An event in this calendar nests its parts deeper than any calendar app does; it was not read and blocks no time.',
  },
  ical_object_too_large: {
    status: 422,
    message:
      'An event in this calendar is larger than Tandem reads (ICAL_MAX_OBJECT_BYTES); it blocks no time until it is made smaller or deleted.',
  },
  ical_event_skipped: {
    status: 422,
    message: 'Part of an event in this calendar could not be read; its other parts were imported and block time.',
  },
  ical_occurrences_capped: {
    status: 422,
    message:
      'A repeating event in this calendar has more occurrences than Tandem stores (ICAL_MAX_OCCURRENCES); its later occurrences block no time.',
  },
  calendar_too_many_items: {
    status: 422,
    message:
      'This calendar holds more events than Tandem imports (SYNC_MAX_ITEMS_PER_CALENDAR); the events beyond the limit block no time.',
  },
} as const satisfies ErrorCodeTable;

export type SyncItemErrorCode = keyof typeof syncItemErrorCodes;
