/**
 * Deterministic iCloud-like calendar data for the sync benchmark: the same seed gives byte-identical
 * files on every machine, so a cached Radicale storage folder stays valid between runs.
 *
 * Shapes follow what iCloud (Calendar.app) writes: PRODID of macOS, uppercase UUID UIDs and file
 * names, TZID-qualified times with the VTIMEZONE in the object, CREATED / LAST-MODIFIED / DTSTAMP,
 * TRANSP, a VALARM on many events, X-APPLE-* properties, some attendees, and recurring series
 * whose overrides (RECURRENCE-ID) live in the same object as their master.
 */
import { seededRandom } from '../../test/support/seeded-random.ts';

const DAY = 86_400_000;

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

/** An uppercase UUID (v4 layout) from the generator, as iCloud names events. */
function uuid(random: Random): string {
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16))
      .join('')
      .toUpperCase();
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(random, ['8', '9', 'A', 'B'])}${hex(3)}-${hex(12)}`;
}

// -------------------------------------------------------------------------------------------------
// Time zones (as Calendar.app writes them: the current rules only)
// -------------------------------------------------------------------------------------------------

const VTIMEZONES: Record<string, string[]> = {
  'Europe/Berlin': [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'DTSTART:19810329T020000',
    'TZNAME:CEST',
    'TZOFFSETTO:+0200',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'DTSTART:19961027T030000',
    'TZNAME:CET',
    'TZOFFSETTO:+0100',
    'END:STANDARD',
    'END:VTIMEZONE',
  ],
  'Europe/London': [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/London',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'DTSTART:19810329T010000',
    'TZNAME:BST',
    'TZOFFSETTO:+0100',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0100',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'DTSTART:19961027T020000',
    'TZNAME:GMT',
    'TZOFFSETTO:+0000',
    'END:STANDARD',
    'END:VTIMEZONE',
  ],
  'America/New_York': [
    'BEGIN:VTIMEZONE',
    'TZID:America/New_York',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:-0500',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU',
    'DTSTART:20070311T020000',
    'TZNAME:EDT',
    'TZOFFSETTO:-0400',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:-0400',
    'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
    'DTSTART:20071104T020000',
    'TZNAME:EST',
    'TZOFFSETTO:-0500',
    'END:STANDARD',
    'END:VTIMEZONE',
  ],
  'America/Los_Angeles': [
    'BEGIN:VTIMEZONE',
    'TZID:America/Los_Angeles',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:-0800',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU',
    'DTSTART:20070311T020000',
    'TZNAME:PDT',
    'TZOFFSETTO:-0700',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:-0700',
    'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
    'DTSTART:20071104T020000',
    'TZNAME:PST',
    'TZOFFSETTO:-0800',
    'END:STANDARD',
    'END:VTIMEZONE',
  ],
};

/** The calendar owner's zone: most events are written in it. */
export const USER_ZONE = 'Europe/Berlin';
const OTHER_ZONES = ['Europe/London', 'America/New_York', 'America/Los_Angeles'] as const;

// -------------------------------------------------------------------------------------------------
// Wall-clock arithmetic: a Date whose UTC fields are the local reading (no zone involved)
// -------------------------------------------------------------------------------------------------

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const wallText = (d: Date): string =>
  `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}00`;
const dateText = (d: Date): string => wallText(d).slice(0, 8);
const utcText = (d: Date): string => `${wallText(d)}Z`;
const addDays = (d: Date, days: number): Date => new Date(d.getTime() + days * DAY);
const addMinutes = (d: Date, minutes: number): Date => new Date(d.getTime() + minutes * 60_000);
const addMonths = (d: Date, months: number): Date =>
  new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()));
/**
 * UNTIL (in UTC) that keeps the instance at local reading `last` and no later one, for every zone
 * used here (UTC-8 … UTC+2): the wall reading plus 12 hours, read as UTC.
 */
const untilAfter = (last: Date): string => utcText(addMinutes(last, 12 * 60));
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

/** Folds content lines at 75 octets (RFC 5545 §3.1), as iCloud does. */
function fold(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= 75) return line;
  const parts: string[] = [];
  let rest = line;
  let limit = 75;
  while (rest.length > 0) {
    let cut = Math.min(rest.length, limit);
    while (Buffer.byteLength(rest.slice(0, cut), 'utf8') > limit) cut--;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
    limit = 74;
  }
  return parts.join('\r\n ');
}

function calendarObject(zones: ReadonlySet<string>, events: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 14.5//EN', 'CALSCALE:GREGORIAN'];
  for (const zone of zones) lines.push(...(VTIMEZONES[zone] ?? []));
  for (const event of events) lines.push(...event);
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

// -------------------------------------------------------------------------------------------------
// Event contents
// -------------------------------------------------------------------------------------------------

const SUMMARIES = [
  'Team sync',
  'Dentist',
  '1:1 with Maria',
  'Quarterly planning',
  'Lunch with Tom',
  'Yoga',
  'Flight LH 1234',
  'School pickup',
  'Project review',
  'Call with supplier',
  'Haircut',
  'Board meeting',
  'Doctor appointment',
  'Coffee chat',
  'Design critique',
  'Piano lesson',
  'Budget review',
  'Parent-teacher conference',
  'Gym',
  'Workshop: onboarding',
  "Dinner at Lina's",
  'Car service',
];
const LOCATIONS = [
  'Zoom',
  'Room 4.12',
  'Alexanderplatz 1, 10178 Berlin, Germany',
  'Café Einstein',
  'Microsoft Teams Meeting',
  'Home',
  'Terminal 1, BER Airport',
  'Praxis Dr. Weber, Kantstraße 5, Berlin',
];
const DESCRIPTIONS = [
  'Agenda:\\n1. Status\\n2. Risks\\n3. Next steps',
  'Join: https://zoom.us/j/9876543210?pwd=abcdefghijkl',
  'Please bring the signed documents.',
  'Booked via the practice website. Cancel at least 24 h in advance.',
];
const PEOPLE = [
  'maria.schulz@example.com',
  'tom.becker@example.org',
  'lina.ahmadi@example.net',
  'j.okafor@example.com',
  'sam.lee@example.org',
];
const SELF = 'alex.meyer@icloud.com';

interface EventShape {
  uid: string;
  zone: string | null;
  start: Date;
  minutes: number;
  allDay: boolean;
  created: Date;
  summary: string;
  random: Random;
  sequence?: number;
  extra?: string[];
  recurrenceId?: string;
}

function vevent(e: EventShape): string[] {
  const { random } = e;
  const lines = ['BEGIN:VEVENT', `CREATED:${utcText(e.created)}`];
  const zoned = (name: string, d: Date): string => (e.zone === null ? `${name}:${utcText(d)}` : `${name};TZID=${e.zone}:${wallText(d)}`);
  if (e.allDay) {
    lines.push(`DTEND;VALUE=DATE:${dateText(addDays(e.start, Math.max(1, Math.round(e.minutes / 1440))))}`);
  } else {
    lines.push(zoned('DTEND', addMinutes(e.start, e.minutes)));
  }
  lines.push(`DTSTAMP:${utcText(addMinutes(e.created, 3))}`);
  lines.push(e.allDay ? `DTSTART;VALUE=DATE:${dateText(e.start)}` : zoned('DTSTART', e.start));
  lines.push(`LAST-MODIFIED:${utcText(addMinutes(e.created, 2))}`);
  if (e.recurrenceId !== undefined) lines.push(e.recurrenceId);
  if (random() < 0.45) lines.push(`LOCATION:${pick(random, LOCATIONS)}`);
  if (random() < 0.3) lines.push(`DESCRIPTION:${pick(random, DESCRIPTIONS)}`);
  lines.push(...(e.extra ?? []));
  lines.push(`SEQUENCE:${e.sequence ?? 0}`);
  lines.push(`SUMMARY:${e.summary}`);
  lines.push(`TRANSP:${e.allDay || random() < 0.06 ? 'TRANSPARENT' : 'OPAQUE'}`);
  lines.push(`UID:${e.uid}`);
  if (random() < 0.15) {
    const organizer = pick(random, PEOPLE);
    lines.push(`ORGANIZER;CN="${organizer.split('@')[0] ?? organizer}":mailto:${organizer}`);
    lines.push(
      `ATTENDEE;CN="Alex Meyer";CUTYPE=INDIVIDUAL;EMAIL="${SELF}";PARTSTAT=${random() < 0.1 ? 'DECLINED' : 'ACCEPTED'};ROLE=REQ-PARTICIPANT:mailto:${SELF}`,
    );
    for (let i = between(random, 1, 3); i > 0; i--) {
      const person = pick(random, PEOPLE);
      lines.push(`ATTENDEE;CN="${person}";CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:${person}`);
    }
  }
  if (!e.allDay) lines.push('X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC');
  if (random() < 0.6) {
    const alarm = uuid(random);
    lines.push(
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:Reminder',
      `TRIGGER:-PT${pick(random, [5, 10, 15, 30])}M`,
      `UID:${alarm}`,
      `X-WR-ALARMUID:${alarm}`,
      'END:VALARM',
    );
  }
  lines.push('END:VEVENT');
  return lines;
}

export interface CalendarFile {
  /** The resource name (`<UID>.ics`). */
  name: string;
  ics: string;
}

export interface BigCalendarStats {
  singles: number;
  recurring: { daily: number; weekly: number; monthly: number };
  withExdate: number;
  withOverrides: number;
  allDay: number;
  otherZone: number;
}

/** A reading at `hour:minute` local on the day `offsetDays` from `now` (wall time, UTC fields). */
function wallAt(now: Date, offsetDays: number, hour: number, minute: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offsetDays, hour, minute));
}

function singleEvent(random: Random, now: Date, window: { daysBack: number; daysAhead: number }, stats: BigCalendarStats): CalendarFile {
  const uid = uuid(random);
  const allDay = random() < 0.05;
  const zone = allDay ? null : random() < 0.85 ? USER_ZONE : pick(random, OTHER_ZONES);
  if (zone !== null && zone !== USER_ZONE) stats.otherZone++;
  if (allDay) stats.allDay++;
  const offset = between(random, -window.daysBack, window.daysAhead - 1);
  const start = wallAt(now, offset, allDay ? 0 : between(random, 7, 19), allDay ? 0 : pick(random, [0, 0, 15, 30, 45]));
  const minutes = allDay ? 1440 * between(random, 1, 3) : pick(random, [15, 30, 30, 45, 60, 60, 60, 90, 120, 180]);
  const created = addDays(new Date(now.getTime()), -between(random, 1, 400));
  const event = vevent({ uid, zone, start, minutes, allDay, created, summary: pick(random, SUMMARIES), random });
  stats.singles++;
  return { name: `${uid}.ics`, ics: calendarObject(new Set(zone === null ? [] : [zone]), [event]) };
}

function recurringEvent(random: Random, now: Date, stats: BigCalendarStats): CalendarFile {
  const uid = uuid(random);
  const zone = random() < 0.85 ? USER_ZONE : pick(random, OTHER_ZONES);
  if (zone !== USER_ZONE) stats.otherZone++;
  const kind = pick(random, [
    'weekly',
    'weekly',
    'weekly',
    'weekly',
    'daily',
    'daily',
    'monthly',
    'monthly',
    'monthly',
    'monthly',
  ] as const);
  stats.recurring[kind]++;
  // Series started up to a year ago (so expansion walks from well before the window) or start later.
  let start = wallAt(now, between(random, -365, 200), between(random, 7, 18), pick(random, [0, 30]));
  if (kind === 'monthly')
    start = new Date(
      Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), between(random, 1, 28), start.getUTCHours(), start.getUTCMinutes()),
    );
  const minutes = pick(random, [15, 30, 45, 60, 60, 90]);
  const stepOf = (k: number): Date =>
    kind === 'daily' ? addDays(start, k) : kind === 'weekly' ? addDays(start, 7 * k) : addMonths(start, k);

  let rule: string;
  let instances: number; // how many stepOf() instances certainly exist
  if (kind === 'daily') {
    const bounded = random() < 0.6;
    instances = bounded ? between(random, 5, 60) : 400;
    rule = bounded
      ? random() < 0.5
        ? `FREQ=DAILY;COUNT=${instances}`
        : `FREQ=DAILY;UNTIL=${untilAfter(stepOf(instances - 1))}`
      : 'FREQ=DAILY';
  } else if (kind === 'weekly') {
    const day = WEEKDAYS[start.getUTCDay()] as string;
    const days = random() < 0.3 ? [...new Set([day, pick(random, ['MO', 'WE', 'FR'])])] : [day];
    const interval = random() < 0.2 ? 2 : 1;
    const bounded = random() < 0.3;
    instances = bounded ? between(random, 4, 40) : 80;
    rule = `FREQ=WEEKLY${interval === 2 ? ';INTERVAL=2' : ''}${bounded ? `;UNTIL=${untilAfter(stepOf(interval * (instances - 1)))}` : ''};BYDAY=${days.join(',')}`;
    if (interval === 2) instances = Math.floor(instances / 2);
  } else {
    instances = random() < 0.3 ? between(random, 3, 12) : 24;
    rule =
      random() < 0.5
        ? `FREQ=MONTHLY;BYMONTHDAY=${start.getUTCDate()}${instances < 24 ? `;COUNT=${instances}` : ''}`
        : `FREQ=MONTHLY${instances < 24 ? `;COUNT=${instances}` : ''}`;
  }
  const interval = rule.includes('INTERVAL=2') ? 2 : 1;
  const instance = (k: number): Date => stepOf(interval * k);

  const used = new Set<number>();
  const freeInstance = (): number | null => {
    for (let tries = 0; tries < 10; tries++) {
      const k = between(random, 1, Math.max(1, instances - 1));
      if (!used.has(k)) {
        used.add(k);
        return k;
      }
    }
    return null;
  };
  const extra = [`RRULE:${rule}`];
  if (random() < 0.25) {
    stats.withExdate++;
    for (let n = between(random, 1, 4); n > 0; n--) {
      const k = freeInstance();
      if (k !== null) extra.push(`EXDATE;TZID=${zone}:${wallText(instance(k))}`);
    }
  }
  // Written some time before it starts, and never after `now`.
  const created = new Date(Math.min(addDays(start, -between(random, 1, 30)).getTime(), addDays(now, -between(random, 1, 60)).getTime()));
  const summary = pick(random, SUMMARIES);
  const events = [vevent({ uid, zone, start, minutes, allDay: false, created, summary, random, extra })];
  if (random() < 0.2) {
    stats.withOverrides++;
    for (let n = between(random, 1, 3); n > 0; n--) {
      const k = freeInstance();
      if (k === null) continue;
      const original = instance(k);
      const moved = addMinutes(original, pick(random, [-60, 30, 60, 120, 24 * 60]));
      events.push(
        vevent({
          uid,
          zone,
          start: moved,
          minutes,
          allDay: false,
          created,
          summary: random() < 0.5 ? `${summary} (moved)` : summary,
          random,
          sequence: 1,
          recurrenceId: `RECURRENCE-ID;TZID=${zone}:${wallText(original)}`,
        }),
      );
    }
  }
  return { name: `${uid}.ics`, ics: calendarObject(new Set([zone]), events) };
}

/**
 * The big calendar: `count` objects, `recurringShare` of them recurring (weekly / daily / monthly,
 * some with EXDATEs and overrides), the rest single events spread over the sync window around `now`.
 */
export function generateBigCalendar(options: {
  seed: number;
  count: number;
  recurringShare: number;
  now: Date;
  window: { daysBack: number; daysAhead: number };
}): {
  files: CalendarFile[];
  stats: BigCalendarStats;
} {
  const random = seededRandom(options.seed);
  const stats: BigCalendarStats = {
    singles: 0,
    recurring: { daily: 0, weekly: 0, monthly: 0 },
    withExdate: 0,
    withOverrides: 0,
    allDay: 0,
    otherZone: 0,
  };
  const recurring = Math.round(options.count * options.recurringShare);
  const files: CalendarFile[] = [];
  for (let i = 0; i < options.count; i++) {
    // Interleaved, so the recurring ones are spread over the listing like in a real calendar.
    const isRecurring = Math.floor(((i + 1) * recurring) / options.count) > Math.floor((i * recurring) / options.count);
    files.push(isRecurring ? recurringEvent(random, options.now, stats) : singleEvent(random, options.now, options.window, stats));
  }
  return { files, stats };
}

/** A small calendar of `count` objects in the coming month, one of them a weekly series. */
export function generateSmallCalendar(options: { seed: number; count: number; now: Date }): CalendarFile[] {
  const random = seededRandom(options.seed);
  const stats: BigCalendarStats = {
    singles: 0,
    recurring: { daily: 0, weekly: 0, monthly: 0 },
    withExdate: 0,
    withOverrides: 0,
    allDay: 0,
    otherZone: 0,
  };
  const files: CalendarFile[] = [];
  for (let i = 0; i < options.count; i++) {
    files.push(
      i === 0 ? recurringEvent(random, options.now, stats) : singleEvent(random, options.now, { daysBack: 7, daysAhead: 30 }, stats),
    );
  }
  return files;
}

/**
 * An edit a person makes in Calendar.app: a new title, the event an hour later, SEQUENCE and
 * LAST-MODIFIED bumped. Works on the master VEVENT (the first one) of any object generated here.
 */
export function editEvent(ics: string, label: string, at: Date): string {
  const lines = ics.replace(/\r\n /g, '').split('\r\n');
  let inFirstEvent = false;
  let seenEvent = false;
  const out = lines.map((line) => {
    if (line === 'BEGIN:VEVENT') {
      inFirstEvent = !seenEvent;
      seenEvent = true;
      return line;
    }
    if (line === 'END:VEVENT') inFirstEvent = false;
    if (!inFirstEvent) return line;
    if (line.startsWith('SUMMARY:')) return `SUMMARY:${line.slice('SUMMARY:'.length)} (${label})`;
    if (line.startsWith('SEQUENCE:')) return `SEQUENCE:${Number(line.slice('SEQUENCE:'.length)) + 1}`;
    if (line.startsWith('LAST-MODIFIED:') || line.startsWith('DTSTAMP:')) return `${line.split(':')[0]}:${utcText(at)}`;
    const time = /^(DTSTART|DTEND)((?:;TZID=[^:]+)?):(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)\d\d(Z?)$/.exec(line);
    if (time) {
      const [y, mo, d, h, mi] = time.slice(3, 8).map(Number) as [number, number, number, number, number];
      return `${time[1] ?? ''}${time[2] ?? ''}:${wallText(new Date(Date.UTC(y, mo - 1, d, h + 1, mi)))}${time[8] ?? ''}`;
    }
    return line;
  });
  return out.map(fold).join('\r\n');
}
