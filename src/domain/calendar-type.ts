/**
 * Booking calendar types (SPEC §2) and the rules that differ between them.
 */
export type CalendarType = 'round_robin' | 'collective' | 'class' | 'service' | 'simple' | 'event';

export const CALENDAR_TYPES: readonly CalendarType[] = ['round_robin', 'collective', 'class', 'service', 'simple', 'event'];

export function isCalendarType(value: string): value is CalendarType {
  return (CALENDAR_TYPES as readonly string[]).includes(value);
}

/**
 * Simple and Event calendars have no iCloud integration (SPEC §2): their availability ignores
 * events imported from iCloud.
 */
export function consultsExternalCalendars(type: CalendarType): boolean {
  return type !== 'simple' && type !== 'event';
}

/**
 * The same product rule seen from the sync side: appointments of Simple and Event calendars are not
 * written to iCloud. A separate name so that the two call sites read for what they decide, and could
 * diverge later without a hunt through the code.
 */
export function pushesToExternalCalendars(type: CalendarType): boolean {
  return consultsExternalCalendars(type);
}

/** Class and Event calendars sell seats in a session; the others book one person per slot. */
export function hasSeats(type: CalendarType): boolean {
  return type === 'class' || type === 'event';
}

export const MAX_SEATS = 9999;
