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
import { eventContext, ICalParseError, type ICalProblem } from './errors.ts';
import { readEvent, type EventData } from './event-data.ts';
import { selfAnswer, type InvitationState } from '../domain/invitations.ts';
import { clockOf, lengthOf, spanAt, type Clock } from './event-span.ts';
import { isoInstant } from './iso-instant.ts';
import { parseICalendarLeniently, textValue, type JCalComponent } from './jcal.ts';
import type { Frequency } from './recurrence-rule.ts';
import { ruleInstances } from './recurrence.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, wall, wallDay, type DateValue, type DurationValue, type Wall } from './values.ts';
import { ZoneResolver, type WallZone } from './zones.ts';

export { ICalParseError, type ICalProblem, type ICalProblemCode } from './errors.ts';

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
  /**
   * Set when one of `selfEmails` is invited and has not accepted: not answered (NEEDS-ACTION) or
   * "maybe" (TENTATIVE). Whether such an occurrence blocks is the user's policy (domain/invitations.ts).
   */
  invitation?: InvitationState;
  summary: string;
  /** CONFIRMED / TENTATIVE / CANCELLED as written, or null. */
  status: string | null;
  /**
   * Set (> 1) when this entry is a run of touching occurrences of a dense series, merged into one
   * busy range from the first one's start to the last one's end (see expandContiguousRule).
   */
  occurrences?: number;
}

export interface ExpandOptions {
  from: Date;
  to: Date;
  /** The user's IANA zone: floating times and all-day days are read on it. */
  zone: string;
  selfEmails?: string[];
  /**
   * Safety cap per event (UID), default DEFAULT_MAX_OCCURRENCES; the earliest occurrences are kept
   * and what is cut off is reported through onProblem (and onWarning).
   */
  maxOccurrences?: number;
  /** Told about anything we worked around: unknown TZIDs, the cap, impossible DTENDs. */
  onWarning?: (message: string) => void;
  /**
   * Told about what makes the result incomplete: a VEVENT that was skipped (its siblings are
   * still used) or a series cut at the cap. The sync engine shows these on the calendar.
   */
  onProblem?: (problem: ICalProblem) => void;
  /**
   * Dense sub-daily series whose instances touch come back as merged busy ranges (Occurrence.
   * occurrences > 1) computed without visiting each instance, so no cap cuts them (what sync
   * stores, and `tandem ics expand` prints). Off: one entry per instance, up to the cap.
   */
  denseRanges?: boolean;
}

/**
 * Far beyond any real calendar (an hourly series over the 460-day sync window is 11,040), so only
 * rules no calendar app writes (SECONDLY, MINUTELY with gaps between instances) reach it; sync
 * takes its own from ICAL_MAX_OCCURRENCES. Dense series without gaps are never capped (denseRanges).
 */
export const DEFAULT_MAX_OCCURRENCES = 50_000;
/** Per RRULE; only pathological rules (SECONDLY with a huge COUNT, years back) come near it. */
const MAX_RULE_ITERATIONS = 1_000_000;

interface Context {
  readonly zones: ZoneResolver;
  readonly from: number;
  readonly to: number;
  /** Whether an event's occurrences block, worked out once per component (blocking). */
  readonly blockingOf: (event: EventData) => Blocking;
  readonly maxOccurrences: number;
  readonly warn: (message: string) => void;
  readonly problem: (problem: ICalProblem) => void;
  readonly denseRanges: boolean;
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
  if (!Number.isInteger(maxOccurrences) || maxOccurrences < 1)
    throw new RangeError('expandCalendarObject: maxOccurrences must be a positive integer');
  const warn = options.onWarning ?? ((): void => undefined);
  const problem = (reported: ICalProblem): void => {
    warn(reported.message);
    options.onProblem?.(reported);
  };

  // VEVENTs ical.js cannot even parse are skipped like those we cannot read (below).
  const skipped: ICalParseError[] = [];
  const { events, vtimezones } = collectComponents(parseICalendarLeniently(ics, (error) => skipped.push(error)));
  const zones = new ZoneResolver(vtimezones, options.zone, warn);
  if (events.length === 0 || from >= to) return [];

  const selfEmails: ReadonlySet<string> = new Set(
    (options.selfEmails ?? []).map((email) =>
      email
        .trim()
        .replace(/^mailto:/i, '')
        .toLowerCase(),
    ),
  );
  const blockingByEvent = new Map<EventData, Blocking>();
  const context: Context = {
    zones,
    from,
    to,
    blockingOf: (event) => {
      let answer = blockingByEvent.get(event);
      if (answer === undefined) blockingByEvent.set(event, (answer = blocking(event, selfEmails)));
      return answer;
    },
    maxOccurrences,
    warn,
    problem,
    denseRanges: options.denseRanges ?? false,
  };
  // One unreadable VEVENT (or series) costs only itself: its siblings in the object still count,
  // and the skip is reported. Only when nothing at all can be read is the object unreadable.
  const byUid = new Map<string, EventData[]>();
  for (const component of events) {
    let event: EventData;
    try {
      event = guarded(null, () => readEvent(component));
    } catch (error) {
      skipped.push(error as ICalParseError);
      continue;
    }
    const list = byUid.get(event.uid);
    if (list) list.push(event);
    else byUid.set(event.uid, [event]);
  }
  const occurrences: Occurrence[] = [];
  let expanded = 0;
  for (const [uid, group] of byUid) {
    try {
      occurrences.push(...guarded(uid, () => expandSeries(uid, group, context)));
      expanded++;
    } catch (error) {
      skipped.push(error as ICalParseError);
    }
  }
  if (expanded === 0 && skipped.length > 0) throw skipped[0]!;
  for (const error of skipped) {
    problem({ code: 'ical_event_skipped', message: `${error.message}; skipped, the object's other events are used` });
  }
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

/** Whether the event blocks as written, and the account's open answer when it was invited. */
interface Blocking {
  readonly blocks: boolean;
  readonly invitation?: InvitationState;
}

function blocking(event: EventData, selfEmails: ReadonlySet<string>): Blocking {
  if (event.transparent || event.status === 'CANCELLED') return { blocks: false };
  const answer = selfAnswer(event.attendees, selfEmails, event.organizer);
  if (answer.kind === 'declined') return { blocks: false };
  return answer.kind === 'open' ? { blocks: true, invitation: answer.state } : { blocks: true };
}

function makeOccurrence(
  uid: string,
  recurrenceId: number | null,
  span: readonly [number, number],
  allDay: boolean,
  props: EventData,
  master: EventData | undefined,
  blockingOf: (event: EventData) => Blocking,
): Occurrence {
  const rid = recurrenceId === null ? null : isoInstant(recurrenceId);
  const { blocks, invitation } = blockingOf(props);
  // An override normally repeats SUMMARY; if it does not, the series' title is better than none.
  const summary = props.summary ?? master?.summary ?? '';
  // Two literals rather than a spread: this runs once per occurrence (tens of thousands per import).
  return invitation === undefined
    ? { uid, recurrenceId: rid, start: new Date(span[0]), end: new Date(span[1]), allDay, blocks, summary, status: props.status }
    : {
        uid,
        recurrenceId: rid,
        start: new Date(span[0]),
        end: new Date(span[1]),
        allDay,
        blocks,
        invitation,
        summary,
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
  const { zones, warn } = context;
  const masters = components.filter((component) => component.recurrenceId === null);
  if (masters.length > 1) warn(`${eventContext(uid)}: ${masters.length} master components; using the one with the highest SEQUENCE`);
  const master = masters.length > 0 ? pickLatest(masters) : undefined;
  const overrides = components.filter((component) => component.recurrenceId !== null);
  const out: Occurrence[] = [];

  const emitOverride = (override: EventData, recurrenceId: number): void => {
    const clock = clockOf(override.start, zones);
    const span = spanAt(clock, lengthOf(override, clock, zones, warn), override.start.wall);
    if (overlaps(span[0], span[1], context))
      out.push(makeOccurrence(uid, recurrenceId, span, clock.allDay, override, master, context.blockingOf));
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

  // Two wall times can name one instant (a rule stepping through the hour a spring-forward change
  // skips lands twice on the hour after it): one instance per instant.
  const emittedInstants = new Set<number>();
  const emitInstance = (value: Wall, explicitSpan: [number, number] | null): void => {
    if (isExcluded(value) || overridesByRid.has(value)) return;
    let props = master;
    let span = explicitSpan ?? spanAt(clock, length, value);
    // Without an explicit span, the span starts at this very instant: not converted twice.
    const recurrenceId = !recurring ? null : explicitSpan === null ? span[0] : clock.zone.toInstant(value);
    if (recurrenceId !== null) {
      if (emittedInstants.has(recurrenceId)) return;
      emittedInstants.add(recurrenceId);
    }
    const moved = thisAndFuture.findLast((entry) => entry.ridWall <= value);
    if (moved) {
      props = moved.event;
      span = spanAt(clock, moved.length, wall(value + moved.shift));
    }
    if (overlaps(span[0], span[1], context))
      out.push(makeOccurrence(uid, recurrenceId, span, clock.allDay, props, master, context.blockingOf));
  };

  if (!recurring) {
    emitInstance(dtstart, null);
    return capped(uid, out, context);
  }

  const { skipBefore, stopAfter } = wallBounds(
    clock.zone,
    context,
    [length, ...thisAndFuture.map((entry) => entry.length)],
    thisAndFuture.map((entry) => entry.shift),
  );

  const contiguous = !context.denseRanges
    ? null
    : expandContiguousRule(uid, master, overrides.length, clock, length, context, { skipBefore, stopAfter });
  if (contiguous !== null) return contiguous;

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
        {
          skipBefore,
          stopAfter,
          maxIterations: Math.max(MAX_RULE_ITERATIONS, 10 * limit),
          onLimit: (message) =>
            context.problem({ code: 'ical_occurrences_capped', message: `${message}; later occurrences are not imported` }),
        },
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
function wallBounds(
  zone: WallZone,
  context: Context,
  lengths: readonly DurationValue[],
  shifts: readonly number[],
): { skipBefore: Wall; stopAfter: Wall } {
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
  const kept = occurrences.sort(compareOccurrences).slice(0, context.maxOccurrences);
  const until = kept.at(-1)!.end.toISOString();
  context.problem({
    code: 'ical_occurrences_capped',
    message: `${eventContext(uid)}: more than ${context.maxOccurrences} occurrences in the window; only the first ${context.maxOccurrences} are used, so its busy time after ${until} is missing`,
  });
  return kept;
}

const SUB_DAILY_MS: Partial<Record<Frequency, number>> = { SECONDLY: SECOND_MS, MINUTELY: MINUTE_MS, HOURLY: HOUR_MS };
/** Above this many instances in the window a series counts as dense (busy-ranges.ts says why). */
const DENSE_INSTANCES = 1000;

/**
 * A dense sub-daily series whose instances touch or overlap (one RRULE with no BYxxx part, each
 * instance at least as long as the step, no EXDATE, RDATE or override): its busy time is computed
 * as ranges without visiting every instance, so FREQ=SECONDLY over the whole window costs a few
 * hundred steps and blocks all of it, never a truncated part. Instances are DTSTART + k × step on
 * the wall clock (what the iterator yields for such a rule); wherever the zone's offset is the same
 * at both ends of a stretch, its instants are evenly spaced too and the stretch is one range. Across
 * an offset change the stretch is split where the change happens, so a fall-back hour leaves the
 * gap the wall-clock rule really has, and spring-forward instants that coincide are merged.
 * Returns null when the series is not of this kind (or not dense), for the general path.
 */
function expandContiguousRule(
  uid: string,
  master: EventData,
  overrideCount: number,
  clock: Clock,
  length: DurationValue,
  context: Context,
  bounds: { skipBefore: Wall; stopAfter: Wall },
): Occurrence[] | null {
  const rule = master.rrules.length === 1 ? master.rrules[0]! : null;
  if (rule === null || clock.allDay || overrideCount > 0 || master.rdates.length > 0 || master.exdates.length > 0) return null;
  const period = SUB_DAILY_MS[rule.freq];
  if (
    period === undefined ||
    rule.byday.length > 0 ||
    rule.bysetpos.length > 0 ||
    Object.values(rule.numeric).some((values) => values !== undefined && values.length > 0)
  )
    return null;
  const step = period * rule.interval;
  const lengthMs = length.days * DAY_MS + length.ms;
  if (length.days !== 0 || lengthMs < step) return null;

  const dtstart = master.start.wall;
  let kMax = Math.floor((bounds.stopAfter - dtstart) / step);
  if (rule.count !== null) kMax = Math.min(kMax, rule.count - 1);
  if (rule.until !== null)
    kMax = Math.min(kMax, Math.max(0, Math.floor((untilOnClock(rule.until, clock, context.zones) - dtstart) / step)));
  const kMin = Math.max(0, Math.floor((bounds.skipBefore - dtstart) / step));
  if (kMax - kMin + 1 <= DENSE_INSTANCES) return null;

  const wallAt = (k: number): Wall => wall(dtstart + k * step);
  const instant = (k: number): number => clock.zone.toInstant(wallAt(k));
  const offset = (k: number): number => wallAt(k) - instant(k);
  // Instants never decrease with k, so the first and last instances touching [from, to) are found by bisection.
  const firstAtLeast = (lo: number, hi: number, ok: (k: number) => boolean): number => {
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (ok(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const first = firstAtLeast(kMin, kMax + 1, (k) => instant(k) + lengthMs > context.from);
  const last = firstAtLeast(first, kMax + 1, (k) => instant(k) >= context.to) - 1;
  if (last < first) return [];

  const out: Occurrence[] = [];
  const push = (a: number, b: number): void => {
    const start = instant(a);
    const end = instant(b) + lengthMs;
    const previous = out.at(-1);
    if (previous !== undefined && start <= previous.end.getTime()) {
      if (end > previous.end.getTime()) previous.end = new Date(end);
      previous.occurrences = (previous.occurrences ?? 1) + (b - a + 1);
      return;
    }
    const occurrence = makeOccurrence(uid, start, [start, end], false, master, master, context.blockingOf);
    occurrence.occurrences = b - a + 1;
    out.push(occurrence);
  };
  const runs = (a: number, b: number): void => {
    if (offset(a) === offset(b)) return push(a, b);
    const change = firstAtLeast(a + 1, b, (k) => offset(k) === offset(b));
    runs(a, change - 1);
    runs(change, b);
  };
  // A day of wall time at a time: offsets change at most once in any real zone's day.
  const perDay = Math.max(1, Math.floor(DAY_MS / step));
  for (let a = first; a <= last; a += perDay) runs(a, Math.min(last, a + perDay - 1));
  return out;
}
