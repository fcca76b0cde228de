import { describe, expect, it } from 'vitest';
import { readFirstEventUid } from '../../../src/services/sync/read-uid.ts';

describe('readFirstEventUid', () => {
  it('reads a folded UID of the first VEVENT, ignoring other components and nested alarms', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'BEGIN:VTIMEZONE',
      'TZID:Europe/London',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'BEGIN:VALARM',
      'UID:alarm-uid',
      'END:VALARM',
      'UID:tandem-5f0c2a1e-0000-4000-8000-00000000',
      ' 0001@tandem',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:second',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    expect(readFirstEventUid(ics)).toBe('tandem-5f0c2a1e-0000-4000-8000-000000000001@tandem');
  });

  it('unescapes TEXT escapes and returns null without a VEVENT UID', () => {
    expect(readFirstEventUid('BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\\,b\nEND:VEVENT\nEND:VCALENDAR\n')).toBe('a,b');
    expect(readFirstEventUid('BEGIN:VCALENDAR\nBEGIN:VTODO\nUID:todo\nEND:VTODO\nEND:VCALENDAR\n')).toBeNull();
  });
});
