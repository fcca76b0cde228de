/**
 * Slot engine benchmark (target: p50 < 10 ms per query).
 *
 *   npm run bench:slots
 *
 * Scenarios, 30-day window, deterministic data from a seeded generator:
 *  - round robin: 10 members in 3 time zones, 10,000 busy intervals spread over them;
 *  - collective: 5 members in 2 time zones, 100 busy intervals each (a few a day: five calendars much
 *    fuller than that rarely share a free half hour, and the query would return almost nothing);
 *  - collective, dense: the same with 2,000 busy intervals each, as a worst case for the time taken.
 * Each scenario is warmed up, then timed over many queries whose window moves by an hour each time
 * (so every query does the full work; the engine keeps no cache between calls).
 */
import { computeSlots, type CalendarRules, type MemberAvailability, type SlotQuery } from '../src/domain/slots.ts';
import type { Interval } from '../src/domain/interval.ts';
import type { WeeklyHours } from '../src/domain/schedule.ts';
import { seededRandom } from '../test/support/seeded-random.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WARMUP = 30;
const RUNS = 200;

const ZONES = ['America/New_York', 'Europe/London', 'Asia/Kolkata'];
const NOW = Date.UTC(2026, 2, 2, 12); // spans the March DST changes in the US and the UK
const SPAN: Interval = { start: NOW, end: NOW + 30 * DAY };

function weeklyHours(random: () => number): WeeklyHours {
  const hours: WeeklyHours = {};
  for (const day of [1, 2, 3, 4, 5] as const) {
    hours[day] =
      random() < 0.5
        ? [{ start: '09:00', end: '17:00' }]
        : [
            { start: '08:30', end: '12:00' },
            { start: '13:00', end: '18:00' },
          ];
  }
  if (random() < 0.3) hours[6] = [{ start: '10:00', end: '14:00' }];
  return hours;
}

function busyIntervals(random: () => number, count: number): Interval[] {
  const out: Interval[] = [];
  for (let i = 0; i < count; i++) {
    const start = SPAN.start + Math.floor((random() * (SPAN.end - SPAN.start)) / (5 * MINUTE)) * 5 * MINUTE;
    out.push({ start, end: start + (15 + Math.floor(random() * 6) * 15) * MINUTE });
  }
  return out;
}

function members(random: () => number, count: number, busyEach: number, zones: string[]): MemberAvailability[] {
  return Array.from({ length: count }, (_, i) => {
    const busy = busyIntervals(random, busyEach);
    const third = Math.floor(busy.length / 3);
    return {
      userId: `user-${i}`,
      priority: Math.floor(random() * 3),
      schedule: { timezone: zones[i % zones.length]!, weeklyHours: weeklyHours(random), overrides: [{ date: '2026-03-20', ranges: [] }] },
      busy: { appointments: busy.slice(0, third), blocked: busy.slice(third, 2 * third), imported: busy.slice(2 * third) },
      appointmentStartsOnCalendar: busy.slice(0, 40).map((b) => b.start),
    };
  });
}

function rules(type: CalendarRules['type']): CalendarRules {
  return {
    type,
    durationMin: 30,
    intervalMin: 15,
    bufferBeforeMin: 5,
    bufferAfterMin: 10,
    minNoticeMin: 60,
    windowDays: 60,
    dailyLimit: 6,
    seats: 1,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function run(name: string, base: SlotQuery): void {
  const query = (i: number): SlotQuery => ({ ...base, range: { start: SPAN.start + (i % 24) * HOUR, end: SPAN.end + (i % 24) * HOUR } });
  for (let i = 0; i < WARMUP; i++) computeSlots(query(i));
  const times: number[] = [];
  let slots = 0;
  for (let i = 0; i < RUNS; i++) {
    const q = query(i);
    const t0 = performance.now();
    const result = computeSlots(q);
    times.push(performance.now() - t0);
    if (i === 0) slots = result.length;
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((s, t) => s + t, 0) / times.length;
  const busy = base.members.reduce((s, m) => s + m.busy.appointments.length + m.busy.blocked.length + m.busy.imported.length, 0);
  console.log(
    `${name.padEnd(16)} members=${base.members.length} busy=${busy} runs=${RUNS}  p50=${percentile(times, 50).toFixed(2)} ms  p95=${percentile(times, 95).toFixed(2)} ms  mean=${mean.toFixed(2)} ms  slots=${slots}`,
  );
}

run('round_robin', { rules: rules('round_robin'), members: members(seededRandom(1), 10, 1000, ZONES), range: SPAN, now: NOW });
run('collective', { rules: rules('collective'), members: members(seededRandom(2), 5, 100, ZONES.slice(0, 2)), range: SPAN, now: NOW });
run('collective-dense', {
  rules: rules('collective'),
  members: members(seededRandom(3), 5, 2000, ZONES.slice(0, 2)),
  range: SPAN,
  now: NOW,
});
