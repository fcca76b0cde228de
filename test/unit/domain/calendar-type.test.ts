import { describe, expect, it } from 'vitest';
import {
  CALENDAR_TYPES,
  consultsExternalCalendars,
  hasSeats,
  isCalendarType,
  pushesToExternalCalendars,
} from '../../../src/domain/calendar-type.ts';

describe('calendar types (SPEC §2)', () => {
  it('only Simple and Event calendars stay out of iCloud, in both directions', () => {
    const integrated = CALENDAR_TYPES.filter(consultsExternalCalendars);
    expect(integrated).toEqual(['round_robin', 'collective', 'class', 'service']);
    expect(CALENDAR_TYPES.filter(pushesToExternalCalendars)).toEqual(integrated);
    expect(consultsExternalCalendars('simple')).toBe(false);
    expect(pushesToExternalCalendars('event')).toBe(false);
  });

  it('Class and Event sell seats', () => {
    expect(CALENDAR_TYPES.filter(hasSeats)).toEqual(['class', 'event']);
  });

  it('recognises type names', () => {
    expect(isCalendarType('collective')).toBe(true);
    expect(isCalendarType('webinar')).toBe(false);
  });
});
