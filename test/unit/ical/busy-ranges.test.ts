import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeDenseSeries } from '../../../src/ical/busy-ranges.ts';
import { expandCalendarObject, type ICalProblem, type Occurrence } from '../../../src/ical/expand.ts';
import { calendar, iso, vevent } from './helpers.ts';

/** Busy time as a slot engine sees it: the union of blocking intervals. */
function union(occurrences: readonly Occurrence[]): [string, string][] {
  const out: [number, number][] = [];
  for (const o of [...occurrences].filter((x) => x.blocks).sort((a, b) => a.start.getTime() - b.start.getTime())) {
    const last = out.at(-1);
    if (last && o.start.getTime() <= last[1]) last[1] = Math.max(last[1], o.end.getTime());
    else out.push([o.start.getTime(), o.end.getTime()]);
  }
  return out.map(([s, e]) => [iso(new Date(s)), iso(new Date(e))]);
}

const window = { from: new Date('2026-11-06T00:00:00Z'), to: new Date('2028-02-09T00:00:00Z'), zone: 'UTC' };

describe('dense series as merged busy ranges', () => {
  it('a half-hourly series of half-hour events blocks the whole window as one range, never capped', () => {
    const problems: ICalProblem[] = [];
    const ics = calendar(vevent('UID:d\nDTSTART:20261101T000000Z\nDURATION:PT30M\nRRULE:FREQ=MINUTELY;INTERVAL=30'));
    const ranges = expandCalendarObject(ics, { ...window, denseRanges: true, onProblem: (p) => problems.push(p) });
    expect(ranges.map((o) => [iso(o.start), iso(o.end), o.occurrences])).toEqual([
      ['2026-11-06T00:00:00Z', '2028-02-09T00:00:00Z', 22_080],
    ]);
    expect(problems).toEqual([]);
  });

  it('FREQ=SECONDLY over the whole window is one range too', () => {
    const ranges = expandCalendarObject(calendar(vevent('UID:s\nDTSTART:20261101T000000Z\nDURATION:PT1S\nRRULE:FREQ=SECONDLY')), {
      ...window,
      denseRanges: true,
    });
    expect(ranges.map((o) => [iso(o.start), iso(o.end)])).toEqual([['2026-11-06T00:00:00Z', '2028-02-09T00:00:00Z']]);
  });

  it('gives exactly the busy time of the instance-by-instance expansion, across DST changes', () => {
    fc.assert(
      fc.property(
        fc.record({
          zone: fc.constantFrom('UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe'),
          freq: fc.constantFrom(['MINUTELY', 60_000] as const, ['HOURLY', 3_600_000] as const),
          interval: fc.integer({ min: 1, max: 40 }),
          extraMinutes: fc.integer({ min: 0, max: 90 }),
          startDay: fc.integer({ min: 0, max: 300 }),
          count: fc.option(fc.integer({ min: 1_001, max: 4_000 }), { nil: undefined }),
        }),
        ({ zone, freq, interval, extraMinutes, startDay, count }) => {
          const stepMinutes = (freq[1] / 60_000) * interval;
          const start = new Date(Date.UTC(2026, 9, 1) + startDay * 86_400_000);
          const local = start.toISOString().slice(0, 19).replace(/[-:]/g, '');
          const rule = `FREQ=${freq[0]};INTERVAL=${interval}${count === undefined ? '' : `;COUNT=${count}`}`;
          const ics = calendar(vevent(`UID:p\nDTSTART;TZID=${zone}:${local}\nDURATION:PT${stepMinutes + extraMinutes}M\nRRULE:${rule}`));
          const range = { from: new Date(start.getTime() + 86_400_000), to: new Date(start.getTime() + 80 * 86_400_000), zone: 'UTC' };
          const dense = expandCalendarObject(ics, { ...range, denseRanges: true, maxOccurrences: 200_000 });
          const each = expandCalendarObject(ics, { ...range, maxOccurrences: 200_000 });
          expect(union(dense)).toEqual(union(each));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('merges touching occurrences of a dense series and keeps separate blocks separate', () => {
    const ics = calendar(vevent('UID:g\nDTSTART:20261101T000000Z\nDURATION:PT15M\nRRULE:FREQ=MINUTELY;INTERVAL=30;COUNT=1500'));
    const occurrences = expandCalendarObject(ics, { ...window, denseRanges: true });
    const merged = mergeDenseSeries(occurrences);
    expect(merged).toHaveLength(occurrences.length);
    expect(merged.every((o) => o.occurrences === 1)).toBe(true);
    const touching = mergeDenseSeries(
      expandCalendarObject(
        calendar(
          vevent(
            'UID:t\nDTSTART:20261201T000000Z\nDURATION:PT2H\nRRULE:FREQ=HOURLY;BYHOUR=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23',
          ),
        ),
        { ...window, denseRanges: true },
      ),
    );
    // Every hour but midnight, each two hours long: one range, every instance counted.
    expect(touching).toHaveLength(1);
    expect(touching[0]!.occurrences).toBeGreaterThan(1000);
  });

  it('a sparse series is left as it is', () => {
    const ics = calendar(vevent('UID:w\nDTSTART:20261201T090000Z\nDURATION:PT24H\nRRULE:FREQ=DAILY;COUNT=10'));
    const occurrences = expandCalendarObject(ics, { ...window, denseRanges: true });
    const ranges = mergeDenseSeries(occurrences);
    expect(ranges).toHaveLength(10);
    // The same objects, not copies with a count of 1 (once per occurrence of every import).
    expect(ranges.every((o, i) => o === occurrences[i] && o.occurrences === undefined)).toBe(true);
  });
});

describe('one instant, one occurrence', () => {
  it('deduplicates the spring-forward duplicate of an hourly series', () => {
    const ics = calendar(vevent('UID:sf\nDTSTART;TZID=America/New_York:20270314T000000\nDURATION:PT1H\nRRULE:FREQ=HOURLY;COUNT=5'));
    const occurrences = expandCalendarObject(ics, {
      from: new Date('2027-03-01T00:00:00Z'),
      to: new Date('2027-04-01T00:00:00Z'),
      zone: 'UTC',
    });
    expect(occurrences.map((o) => iso(o.start))).toEqual([
      '2027-03-14T05:00:00Z',
      '2027-03-14T06:00:00Z',
      '2027-03-14T07:00:00Z',
      '2027-03-14T08:00:00Z',
    ]);
  });
});

describe('what cannot be read costs only itself', () => {
  const range = { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z'), zone: 'UTC' };

  it('a VEVENT ical.js cannot parse is skipped and reported; its siblings are used', () => {
    const problems: ICalProblem[] = [];
    const ics = calendar(
      vevent('UID:good\nDTSTART:20261210T100000Z\nDTEND:20261210T110000Z'),
      vevent('UID:bad\nDTSTART:20261211T100000Z\nRRULE:FREQ=DAILY;BYDAY=XX'),
    );
    const occurrences = expandCalendarObject(ics, { ...range, onProblem: (p) => problems.push(p) });
    expect(occurrences.map((o) => o.uid)).toEqual(['good']);
    expect(problems).toEqual([{ code: 'ical_event_skipped', message: expect.stringContaining('VEVENT "bad"') }]);
  });

  it('an override that cannot be read leaves its series', () => {
    const problems: ICalProblem[] = [];
    const ics = calendar(
      vevent('UID:s\nDTSTART:20261207T090000Z\nDTEND:20261207T093000Z\nRRULE:FREQ=DAILY;COUNT=3'),
      vevent('UID:s\nRECURRENCE-ID:20261208T090000Z\nDTSTART:20261208T150000Z\nDURATION:garbage'),
    );
    expect(expandCalendarObject(ics, { ...range, onProblem: (p) => problems.push(p) })).toHaveLength(3);
    expect(problems.map((p) => p.code)).toEqual(['ical_event_skipped']);
  });

  it("an object with nothing readable is unreadable as a whole, with the whole text's error", () => {
    expect(() => expandCalendarObject(calendar(vevent('UID:bad\nDTSTART:20261211T100000Z\nRRULE:FREQ=FOO')), range)).toThrow(
      /invalid frequency/,
    );
  });

  it('refuses components nested 10,000 deep with their own code, before anything recurses', () => {
    const deep = calendar(vevent(`UID:deep\nDTSTART:20261210T100000Z\n${'BEGIN:X-N\n'.repeat(10_000)}${'END:X-N\n'.repeat(10_000)}`));
    expect(() => expandCalendarObject(deep, range)).toThrow(expect.objectContaining({ name: 'ICalParseError', code: 'ical_too_deep' }));
  });

  it('reports a series cut at the cap, saying from when its busy time is missing', () => {
    const problems: ICalProblem[] = [];
    const ics = calendar(vevent('UID:c\nDTSTART:20261201T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY;INTERVAL=5'));
    expect(
      expandCalendarObject(ics, { ...range, maxOccurrences: 100, denseRanges: true, onProblem: (p) => problems.push(p) }),
    ).toHaveLength(100);
    expect(problems).toEqual([
      { code: 'ical_occurrences_capped', message: expect.stringContaining('busy time after 2026-12-01T08:16:00.000Z is missing') },
    ]);
  });
});
