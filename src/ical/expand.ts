/**
 * Occurrences of the events in a calendar object, for availability: which time each one takes
 * and whether it blocks. How we read what RFC 5545 leaves open or clients get wrong:
 *  - TZID: IANA name first, then the object's VTIMEZONE, then Windows names, else the user's zone
 *    with a warning (zones.ts says why IANA comes first). Floating times and all-day days are
 *    read on the user's zone.
 *  - DTSTART is always the first instance, even when it does not match its RRULE.
 *  - An EXDATE deletes an instance for good, even if an override for it exists. An override whose
 *    instance the rule no longer yields (the series was edited after it) is still shown: calendar
 *    apps show such detached instances, and for availability showing is the safe side.
 *  - Several overrides for one instance: the highest SEQUENCE wins (then the later in the file).
 *  - RANGE=THISANDFUTURE moves every later instance by the override's shift and gives it the
 *    override's length and properties.
 *  - An override is a whole component (RFC 5545 §3.8.4.4): only a missing SUMMARY falls back to
 *    the series'.
 */
import { eventContext, ICalParseError } from './errors.ts';
import { readEvent, type EventData } from './event-data.ts';
import { clockOf, lengthOf, spanAt, type Clock } from './event-span.ts';
import { parseICalendar, textValue, type JCalComponent } from './jcal.ts';
import { ruleInstances } from './recurrence.ts';
import { DAY_MS, HOUR_MS, SECOND_MS, wall, wallDay, type DateValue, type DurationValue, type Wall } from './values.ts';
import { ZoneResolver, type WallZone } from './zones.ts';

export { ICalParseError } from './errors.ts';

export interface Occurrence {
  uid: string;
  /**
   * UTC ISO of the original start for recurring instances (for all-day ones, the start of that
   * day in the user's zone, like `start`), null for single events.
   */
  recurrenceId: string | null;
  start: Date;
  end: Date;
  allDay: boolean;
  /** False when TRANSP:TRANSPARENT, STATUS:CANCELLED, or one of `selfEmails` declined. */
  blocks: boolean;
  summary: string;
  /** CONFIRMED / TENTATIVE / CANCELLED as written, or null. */
  status: string | null;
}

export interface ExpandOptions {
  from: Date;
  to: Date;
  /** The user's IANA zone: floating times and all-day days are read on it. */
  zone: string;
  selfEmails?: string[];
  /** Safety cap per event (UID), default 5000; what is cut off is reported through onWarning. */
  maxOccurrences?: number;
  /** Told about anything we worked around: unknown TZIDs, the cap, impossible DTENDs. */
  onWarning?: (message: string) => void;
}

const DEFAULT_MAX_OCCURRENCES = 5000;
/** Per RRULE; only pathological rules (SECONDLY with a huge COUNT, years back) come near it. */
const MAX_RULE_ITERATIONS = 1_000_000;

interface Context {
  readonly zones: ZoneResolver;
  readonly from: number;
  readonly to: number;
  readonly selfEmails: ReadonlySet<string>;
  readonly maxOccurrences: number;
  readonly warn: (message: string) => void;
}

/**
 * Expands one calendar object resource (a master VEVENT and its RECURRENCE-ID overrides; several
 * UIDs are tolerated, as in an exported .ics file) into the occurrences that overlap
 * [from, to), sorted by start. A zero-length occurrence counts when from ≤ start < to.
 * Throws ICalParseError for malformed input; a calendar with no VEVENT yields [].
 */
export function expandCalendarObject(ics: string, options: ExpandOptions): Occurrence[] {
  const from = options.from.getTime();
  const to = options.to.getTime();
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError('expandCalendarObject: from and to must be valid dates');
  const maxOccurrences = options.maxOccurrences ?? DEFAULT_MAX_OCCURRENCES;
  if (!Number.isInteger(maxOccurrences) || maxOccurrences < 1) throw new RangeError('expandCalendarObject: maxOccurrences must be a positive integer');
  const warn = options.onWarning ?? ((): void => undefined);

  const { events, vtimezones } = collectComponents(parseICalendar(ics));
  const zones = new ZoneResolver(vtimezones, options.zone, warn);
  if (events.length === 0 || from >= to) return [];

  const context: Context = {
    zones,
    from,
    to,
    selfEmails: new Set((options.selfEmails ?? []).map((email) => email.trim().replace(/^mailto:/i, '').toLowerCase())),
    maxOccurrences,
    warn,
  };
  const byUid = new Map<string, EventData[]>();
  for (const component of events) {
    const event = guarded(null, () => readEvent(component));
    const list = byUid.get(event.uid);
    if (list) list.push(event);
    else byUid.set(event.uid, [event]);
  }
  const occurrences: Occurrence[] = [];
  for (const [uid, group] of byUid) occurrences.push(...guarded(uid, () => expandSeries(uid, group, context)));
  return occurrences.sort(compareOccurrences);
}

/** Never lets a TypeError or RangeError from odd data escape as such: says which event it came from. */
function guarded<T>(uid: string | null, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ICalParseError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ICalParseError(`${uid === null ? 'VEVENT' : eventContext(uid)}: cannot be read: ${reason}`, { cause: error });
  }
}

function collectComponents(calendars: readonly JCalComponent[]): { events: JCalComponent[]; vtimezones: Map<string, JCalComponent> } {
  const events: JCalComponent[] = [];
  const vtimezones = new Map<string, JCalComponent>();
  for (const calendar of calendars) {
    for (const component of calendar.components) {
      if (component.name === 'vevent') events.push(component);
      else if (component.name === 'vtimezone') {
        const tzid = textValue(component, 'tzid');
        if (tzid) vtimezones.set(tzid, component);
      }
    }
  }
  return { events, vtimezones };
}

function compareOccurrences(a: Occurrence, b: Occurrence): number {
  return (
    a.start.getTime() - b.start.getTime() ||
    a.end.getTime() - b.end.getTime() ||
    (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0) ||
    (a.recurrenceId ?? '').localeCompare(b.recurrenceId ?? '')
  );
}

/* ------------------------------------------------------------------------------------------------ */

/**
 * A date value read on a series' clock, for matching EXDATE / RECURRENCE-ID / RDATE against the
 * series' instances. Mismatched value types are tolerated the way clients write them: a
 * DATE-TIME against an all-day series means its date, a DATE against a timed series means that
 * day at DTSTART's time, a floating time means the series' own clock.
 */
function onClock(value: DateValue, clock: Clock, zones: ZoneResolver, dtstart: Wall): Wall {
  if (clock.allDay) return value.type === 'date' ? value.wall : wallDay(value.wall);
  if (value.type === 'date') return wall(value.wall + (dtstart - wallDay(dtstart)));
  if (value.zone.kind === 'floating') return value.wall;
  return clock.zone.toWall(zones.resolve(value.zone).toInstant(value.wall));
}

/** UNTIL on the series' clock (a DATE UNTIL on a timed series includes that whole day). */
function untilOnClock(until: DateValue, clock: Clock, zones: ZoneResolver): Wall {
  if (until.type === 'date') return clock.allDay ? until.wall : wall(until.wall + DAY_MS - SECOND_MS);
  if (until.zone.kind === 'floating') return until.wall;
  return clock.zone.toWall(zones.resolve(until.zone).toInstant(until.wall));
}

function overlaps(start: number, end: number, context: Context): boolean {
  if (start === end) return start >= context.from && start < context.to;
  return start < context.to && end > context.from;
}

function blocks(event: EventData, selfEmails: ReadonlySet<string>): boolean {
  if (event.transparent || event.status === 'CANCELLED') return false;
  const declined = event.attendees.some((attendee) => attendee.partstat === 'DECLINED' && attendee.emails.some((email) => selfEmails.has(email)));
  return !declined;
}

function makeOccurrence(uid: string, recurrenceId: number | null, span: readonly [number, number], allDay: boolean, props: EventData, master: EventData | undefined, selfEmails: ReadonlySet<string>): Occurrence {
  return {
    uid,
    recurrenceId: recurrenceId === null ? null : new Date(recurrenceId).toISOString(),
    start: new Date(span[0]),
    end: new Date(span[1]),
    allDay,
    blocks: blocks(props, selfEmails),
    // An override normally repeats SUMMARY; if it does not, the series' title is better than none.
    summary: props.summary ?? master?.summary ?? '',
    status: props.status,
  };
}

/** The winning override per RECURRENCE-ID: highest SEQUENCE, then the later one in the file. */
function pickLatest(candidates: readonly EventData[]): EventData {
  return candidates.reduce((best, candidate) => (candidate.sequence >= best.sequence ? candidate : best));
}

interface ThisAndFuture {
  readonly ridWall: Wall;
  readonly shift: number;
  readonly length: DurationValue;
  readonly event: EventData;
}

function expandSeries(uid: string, components: readonly EventData[], context: Context): Occurrence[] {
  const { zones, selfEmails, warn } = context;
  const masters = components.filter((component) => component.recurrenceId === null);
  if (masters.length > 1) warn(`${eventContext(uid)}: ${masters.length} master components; using the one with the highest SEQUENCE`);
  const master = masters.length > 0 ? pickLatest(masters) : undefined;
  const overrides = components.filter((component) => component.recurrenceId !== null);
  const out: Occurrence[] = [];

  const emitOverride = (override: EventData, recurrenceId: number): void => {
    const clock = clockOf(override.start, zones);
    const span = spanAt(clock, lengthOf(override, clock, zones, warn), override.start.wall);
    if (overlaps(span[0], span[1], context)) out.push(makeOccurrence(uid, recurrenceId, span, clock.allDay, override, master, selfEmails));
  };

  if (!master) {
    // Only overrides (a CalDAV server shows us just the instances we were invited to): each stands alone.
    const byRid = new Map<number, EventData[]>();
    for (const override of overrides) {
      const rid = override.recurrenceId!;
      const ridInstant = rid.type === 'date' ? zones.user.toInstant(rid.wall) : zones.resolve(rid.zone).toInstant(rid.wall);
      byRid.set(ridInstant, [...(byRid.get(ridInstant) ?? []), override]);
    }
    for (const [ridInstant, candidates] of byRid) emitOverride(pickLatest(candidates), ridInstant);
    return capped(uid, out, context);
  }

  const clock = clockOf(master.start, zones);
  const dtstart = master.start.wall;
  const length = lengthOf(master, clock, zones, warn);
  const recurring = master.rrules.length > 0 || master.rdates.length > 0;

  // EXDATE: instants on the series' clock, or whole days for a DATE EXDATE on a timed series.
  const excluded = new Set<Wall>();
  const excludedDays = new Set<Wall>();
  for (const exdate of master.exdates) {
    if (exdate.type === 'date' && !clock.allDay) excludedDays.add(exdate.wall);
    else excluded.add(onClock(exdate, clock, zones, dtstart));
  }
  const isExcluded = (value: Wall): boolean => excluded.has(value) || (excludedDays.size > 0 && excludedDays.has(wallDay(value)));

  // Overrides by the instance they replace. One whose instance was deleted by EXDATE stays
  // deleted; one that matches no instance (the rule changed after it was made) is still shown,
  // as calendar apps show such detached instances.
  const overridesByRid = new Map<Wall, EventData[]>();
  for (const override of overrides) {
    const ridWall = onClock(override.recurrenceId!, clock, zones, dtstart);
    overridesByRid.set(ridWall, [...(overridesByRid.get(ridWall) ?? []), override]);
  }
  const thisAndFuture: ThisAndFuture[] = [];
  for (const [ridWall, candidates] of overridesByRid) {
    const override = pickLatest(candidates);
    if (isExcluded(ridWall)) continue;
    emitOverride(override, clock.zone.toInstant(ridWall));
    if (override.thisAndFuture) {
      // RANGE=THISANDFUTURE: later instances move by the same amount and take this one's
      // length and properties (RFC 5545 §3.8.4.4).
      const overrideClock = clockOf(override.start, zones);
      thisAndFuture.push({
        ridWall,
        shift: onClock(override.start, clock, zones, dtstart) - ridWall,
        length: lengthOf(override, overrideClock, zones, warn),
        event: override,
      });
    }
  }
  thisAndFuture.sort((a, b) => a.ridWall - b.ridWall);

  const emitInstance = (value: Wall, explicitSpan: [number, number] | null): void => {
    if (isExcluded(value) || overridesByRid.has(value)) return;
    let props = master;
    let span = explicitSpan ?? spanAt(clock, length, value);
    const recurrenceId = recurring ? clock.zone.toInstant(value) : null;
    const moved = thisAndFuture.findLast((entry) => entry.ridWall <= value);
    if (moved) {
      props = moved.event;
      span = spanAt(clock, moved.length, wall(value + moved.shift));
    }
    if (overlaps(span[0], span[1], context)) out.push(makeOccurrence(uid, recurrenceId, span, clock.allDay, props, master, selfEmails));
  };

  if (!recurring) {
    emitInstance(dtstart, null);
    return capped(uid, out, context);
  }

  const { skipBefore, stopAfter } = wallBounds(clock.zone, context, [length, ...thisAndFuture.map((entry) => entry.length)], thisAndFuture.map((entry) => entry.shift));

  const seen = new Set<Wall>();
  const limit = context.maxOccurrences;
  if (master.rrules.length > 0) {
    for (const rule of master.rrules) {
      const until = rule.until ? untilOnClock(rule.until, clock, zones) : null;
      const instances = ruleInstances(
        rule,
        dtstart,
        clock.allDay,
        until,
        { skipBefore, stopAfter, maxIterations: MAX_RULE_ITERATIONS, onLimit: warn },
        eventContext(uid),
      );
      // Overrides are already in `out`; counting generated instances separately keeps the cap
      // cutting the latest occurrences, never early ones.
      let generated = 0;
      for (const value of instances) {
        if (value < skipBefore || seen.has(value)) continue;
        seen.add(value);
        const before = out.length;
        emitInstance(value, null);
        if (out.length > before && ++generated > limit) break;
      }
    }
  } else {
    seen.add(dtstart); // RDATEs only: DTSTART is still the first instance
    emitInstance(dtstart, null);
  }

  for (const rdate of master.rdates) {
    const value = onClock(rdate.start, clock, zones, dtstart);
    if (seen.has(value)) continue;
    seen.add(value);
    let span: [number, number] | null = null;
    if (rdate.end || rdate.duration) {
      // VALUE=PERIOD carries its own end.
      const periodClock = clockOf(rdate.start, zones);
      const start = periodClock.zone.toInstant(rdate.start.wall);
      const end = rdate.end
        ? (rdate.end.type === 'date' ? periodClock.zone : zones.resolve(rdate.end.zone)).toInstant(rdate.end.wall)
        : spanAt(periodClock, rdate.duration!, rdate.start.wall)[1];
      span = [start, Math.max(start, end)];
    }
    emitInstance(value, span);
  }
  return capped(uid, out, context);
}

/** Room for DST changes inside a long event (nominal days) and for double summer time. */
const SLACK_MS = 3 * HOUR_MS;

/**
 * Which instance starts (on the series' wall clock) can matter for [from, to): wide enough for the
 * longest instance, any THISANDFUTURE shift and the zone's offsets around the window edges, plus
 * SLACK_MS; instances are checked exactly afterwards. Kept tight because everything before
 * `skipBefore` is jumped over rather than iterated, which matters for SECONDLY or MINUTELY rules.
 */
function wallBounds(zone: WallZone, context: Context, lengths: readonly DurationValue[], shifts: readonly number[]): { skipBefore: Wall; stopAfter: Wall } {
  const offset = (instant: number): number => zone.toWall(instant) - instant;
  const longest = Math.max(...lengths.map((l) => l.days * DAY_MS + Math.max(0, l.ms)));
  const forward = Math.max(0, ...shifts);
  const backward = Math.max(0, ...shifts.map((shift) => -shift));
  const earliest = context.from - longest - forward;
  const skipBefore = earliest + Math.min(offset(earliest - DAY_MS), offset(context.from)) - SLACK_MS;
  const stopAfter = context.to + backward + Math.max(offset(context.to - DAY_MS), offset(context.to + DAY_MS)) + SLACK_MS;
  return { skipBefore: wall(skipBefore), stopAfter: wall(stopAfter) };
}

function capped(uid: string, occurrences: Occurrence[], context: Context): Occurrence[] {
  if (occurrences.length <= context.maxOccurrences) return occurrences;
  context.warn(`${eventContext(uid)}: more than ${context.maxOccurrences} occurrences in the window; only the first ${context.maxOccurrences} are used`);
  return occurrences.sort(compareOccurrences).slice(0, context.maxOccurrences);
}
