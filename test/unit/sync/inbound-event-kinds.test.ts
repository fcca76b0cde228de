import { describe, expect, it } from 'vitest';
import { createHarness } from './harness.ts';

/**
 * SPEC §5 rows about kinds of events, end to end through runInboundSync with the real iCalendar
 * modules: the engine must hand the user's zone, addresses and window to expansion and store what
 * comes back, blocking or not.
 */

function calendarObject(lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//iCloud//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
}

async function importOne(ics: string, selfEmails: string[] = []) {
  const h = createHarness();
  h.store.calendar('cal-primary').selfEmails = selfEmails;
  h.remotes['cal-primary'].userPut('/cal/primary/x.ics', ics);
  const report = await h.sync('cal-primary');
  expect(report.counts).toEqual({ ImportItem: 1 });
  return h.store.calendar('cal-primary').occurrences.get('/cal/primary/x.ics') ?? [];
}

describe('inbound event kinds (SPEC §5)', () => {
  it('an all-day event blocks the whole day in the user’s timezone', async () => {
    const occurrences = await importOne(
      calendarObject([
        'BEGIN:VEVENT',
        'UID:allday',
        'DTSTAMP:20300101T000000Z',
        'DTSTART;VALUE=DATE:20300704',
        'DTEND;VALUE=DATE:20300705',
        'SUMMARY:Holiday',
        'END:VEVENT',
      ]),
    );
    // Europe/London is on BST (UTC+1) in July.
    expect(occurrences).toMatchObject([
      { allDay: true, blocks: true, start: new Date('2030-07-03T23:00:00Z'), end: new Date('2030-07-04T23:00:00Z') },
    ]);
  });

  it('a free (TRANSP:TRANSPARENT) event is shown but does not block', async () => {
    const occurrences = await importOne(
      calendarObject([
        'BEGIN:VEVENT',
        'UID:free',
        'DTSTAMP:20300101T000000Z',
        'DTSTART:20300305T100000Z',
        'DTEND:20300305T110000Z',
        'SUMMARY:Maybe',
        'TRANSP:TRANSPARENT',
        'END:VEVENT',
      ]),
    );
    expect(occurrences).toMatchObject([{ blocks: false, summary: 'Maybe' }]);
  });

  it('a cancelled event does not block', async () => {
    const occurrences = await importOne(
      calendarObject([
        'BEGIN:VEVENT',
        'UID:cancelled',
        'DTSTAMP:20300101T000000Z',
        'DTSTART:20300305T100000Z',
        'DTEND:20300305T110000Z',
        'SUMMARY:Off',
        'STATUS:CANCELLED',
        'END:VEVENT',
      ]),
    );
    expect(occurrences).toMatchObject([{ blocks: false, status: 'CANCELLED' }]);
  });

  it('an invitation the user declined does not block (the user’s addresses reach expansion)', async () => {
    const occurrences = await importOne(
      calendarObject([
        'BEGIN:VEVENT',
        'UID:declined',
        'DTSTAMP:20300101T000000Z',
        'DTSTART:20300305T100000Z',
        'DTEND:20300305T110000Z',
        'SUMMARY:Board meeting',
        'ORGANIZER:mailto:boss@example.com',
        'ATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com',
        'END:VEVENT',
      ]),
      ['me@example.com'],
    );
    expect(occurrences).toMatchObject([{ blocks: false }]);
  });

  it('a recurring event is expanded over the window, with EXDATE and a RECURRENCE-ID override', async () => {
    const occurrences = await importOne(
      calendarObject([
        'BEGIN:VEVENT',
        'UID:weekly',
        'DTSTAMP:20300101T000000Z',
        'DTSTART;TZID=Europe/London:20300305T090000',
        'DTEND;TZID=Europe/London:20300305T100000',
        'RRULE:FREQ=WEEKLY;COUNT=5',
        'EXDATE;TZID=Europe/London:20300312T090000',
        'SUMMARY:Yoga',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:weekly',
        'DTSTAMP:20300101T000000Z',
        'RECURRENCE-ID;TZID=Europe/London:20300319T090000',
        'DTSTART;TZID=Europe/London:20300319T180000',
        'DTEND;TZID=Europe/London:20300319T190000',
        'SUMMARY:Yoga (evening)',
        'END:VEVENT',
      ]),
    );
    // 5 instances minus the EXDATE; the clocks go forward on 31 March, so April's are at 08:00 UTC.
    expect(occurrences.map((o) => o.start.toISOString())).toEqual([
      '2030-03-05T09:00:00.000Z',
      '2030-03-19T18:00:00.000Z',
      '2030-03-26T09:00:00.000Z',
      '2030-04-02T08:00:00.000Z',
    ]);
    expect(occurrences.every((o) => o.blocks)).toBe(true);
  });

  it('occurrences are stored over the window and beyond it by the headroom, not forever', async () => {
    const occurrences = await importOne(
      calendarObject([
        'BEGIN:VEVENT',
        'UID:daily',
        'DTSTAMP:20300101T000000Z',
        'DTSTART:20300101T070000Z',
        'DTEND:20300101T073000Z',
        'RRULE:FREQ=DAILY',
        'SUMMARY:Run',
        'END:VEVENT',
      ]),
    );
    const first = occurrences[0]!.start;
    const last = occurrences[occurrences.length - 1]!.start;
    // Window: 30 days before 2030-03-01T08:00Z … 400 days after, plus 30 days of headroom.
    expect(first.toISOString()).toBe('2030-01-31T07:00:00.000Z');
    expect(last.toISOString()).toBe('2031-05-05T07:00:00.000Z');
  });
});
