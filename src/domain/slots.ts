/**
 * The slot engine: which start times a booking calendar offers, per calendar type (SPEC §2).
 *
 * Pure and synchronous: the caller loads schedules, busy time and sessions, this decides. Built for
 * speed (it runs on every booking-page request): Luxon is consulted once per local day per zone,
 * busy time is padded and merged once per member, and candidates come from one forward sweep
 * (slot-grid.ts) rather than a check of every candidate against every busy interval.
 */
import { paddedBusy, type BusySources } from './busy.ts';
import { consultsExternalCalendars, MAX_SEATS, type CalendarType } from './calendar-type.ts';
import { daysAtLimit, dropStartsOnFullDays, isOnFullDay } from './daily-limit.ts';
import { intersectIntervals, intersectSortedIntervals, overlapsAny, subtractIntervals, type Interval } from './interval.ts';
import { DAY_MS, localDays, MINUTE_MS, type LocalDay } from './local-days.ts';
import { compileSchedule, workingDayIntervals, type CompiledSchedule, type Schedule } from './schedule.ts';
import { collidesWithOtherSession, indexSessions, seatsTakenAt, sessionAt, type ClassSession, type SessionIndex } from './seats.ts';
import { gridStarts, type GridSpec } from './slot-grid.ts';

export type { ClassSession } from './seats.ts';

export interface CalendarRules {
  type: CalendarType;
  durationMin: number;
  intervalMin: number;
  bufferBeforeMin: number;
  bufferAfterMin: number;
  minNoticeMin: number;
  windowDays: number;
  /**
   * Max confirmed appointments of this calendar per member per local day (member's zone); for
   * Collective per calendar per day in the first member's zone; for Class/Event it caps *new*
   * sessions per day (joining an existing session stays possible). null = no limit.
   */
  dailyLimit: number | null;
  /** Class & Event capacity (1..9999); 1 otherwise. */
  seats: number;
}

export interface MemberAvailability {
  userId: string;
  /** Higher = preferred. */
  priority: number;
  schedule: Schedule;
  /** `imported` (from iCloud) is ignored for Simple and Event calendars. */
  busy: BusySources;
  /** Starts of confirmed appointments of this calendar (for dailyLimit). */
  appointmentStartsOnCalendar: number[];
}

export interface SlotQuery {
  rules: CalendarRules;
  members: MemberAvailability[];
  /** Requested window: slot starts in [range.start, range.end). */
  range: Interval;
  now: number;
  /** Existing Class/Event sessions of this calendar. */
  sessions?: ClassSession[];
  /** Event calendars: the fixed occurrences (see event-times.ts). */
  eventTimes?: Interval[];
}

export interface Slot {
  start: number;
  end: number;
  /**
   * Who can take the slot, in the order of `members`: Round Robin/Service/Simple: every member free
   * then; Collective: all members; Class/Event: the host (of the existing session, if joining one).
   */
  userIds: string[];
  /** Seats still free (Class/Event); 1 for the other types. */
  seatsLeft: number;
}

/** Bookable slots, sorted by start. Throws RangeError on rules that make no sense. */
export function computeSlots(q: SlotQuery): Slot[] {
  validateRules(q.rules);
  if (q.members.length === 0) return [];
  const window = startWindow(q);
  if (window === null) return [];
  const ctx = new QueryContext(q.rules, window);
  switch (q.rules.type) {
    case 'collective':
      return collectiveSlots(q, ctx);
    case 'class':
      return classSlots(q, ctx);
    case 'event':
      return eventSlots(q, ctx);
    case 'round_robin':
    case 'service':
    case 'simple':
      return pooledSlots(q, ctx);
  }
}

export function validateRules(r: CalendarRules): void {
  const positive = (name: string, v: number): void => {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a positive number, got ${v}`);
  };
  const nonNegative = (name: string, v: number): void => {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be zero or more, got ${v}`);
  };
  positive('durationMin', r.durationMin);
  positive('intervalMin', r.intervalMin);
  nonNegative('bufferBeforeMin', r.bufferBeforeMin);
  nonNegative('bufferAfterMin', r.bufferAfterMin);
  nonNegative('minNoticeMin', r.minNoticeMin);
  nonNegative('windowDays', r.windowDays);
  if (r.dailyLimit !== null) nonNegative('dailyLimit', r.dailyLimit);
  if (r.type === 'class' || r.type === 'event') {
    if (!(Number.isInteger(r.seats) && r.seats >= 1 && r.seats <= MAX_SEATS))
      throw new RangeError(`seats must be 1..${MAX_SEATS}, got ${r.seats}`);
  }
}

/** Allowed starts: inside the requested range, after the minimum notice, before the booking window closes. */
export function startWindow(q: SlotQuery): { from: number; to: number } | null {
  const from = Math.max(q.range.start, earliestStart(q.rules, q.now));
  const to = Math.min(q.range.end, startsBefore(q.rules, q.now));
  return to > from ? { from, to } : null;
}

/** The minimum notice: no start before this instant. */
export function earliestStart(rules: CalendarRules, now: number): number {
  return now + rules.minNoticeMin * MINUTE_MS;
}

/** The booking window: every start is before this instant. */
export function startsBefore(rules: CalendarRules, now: number): number {
  return now + rules.windowDays * DAY_MS;
}

/** What one query shares between its members: the grid spec and local-day tables per zone. */
export class QueryContext {
  readonly grid: GridSpec;
  private readonly days = new Map<string, LocalDay[]>();

  constructor(
    readonly rules: CalendarRules,
    window: { from: number; to: number },
  ) {
    this.grid = { stepMs: rules.intervalMin * MINUTE_MS, durationMs: rules.durationMin * MINUTE_MS, from: window.from, to: window.to };
  }

  /** Local days of `zone` covering every allowed start and the end of the latest possible slot. */
  daysOf(zone: string): LocalDay[] {
    let days = this.days.get(zone);
    if (days === undefined) {
      days = localDays(zone, this.grid.from, this.grid.to + this.grid.durationMs);
      this.days.set(zone, days);
    }
    return days;
  }
}

export interface MemberPlan {
  member: MemberAvailability;
  compiled: CompiledSchedule;
  days: LocalDay[];
  /** Working intervals per local day: the grid anchors. */
  anchors: Interval[];
  /** Working time minus padded busy time, merged. */
  free: Interval[];
}

export function planMember(member: MemberAvailability, ctx: QueryContext, includeImported: boolean): MemberPlan {
  const compiled = compileSchedule(member.schedule);
  const days = ctx.daysOf(compiled.timezone);
  const anchors = workingDayIntervals(compiled, days);
  const free = subtractIntervals(anchors, paddedBusy(member.busy, ctx.rules, includeImported));
  return { member, compiled, days, anchors, free };
}

export function fullDaysOf(days: LocalDay[], appointmentStarts: number[], rules: CalendarRules, distinct: boolean): Interval[] {
  return rules.dailyLimit === null ? [] : daysAtLimit(days, appointmentStarts, rules.dailyLimit, distinct);
}

/** Round Robin, Service, Simple: a slot wherever at least one member is free; userIds = the free ones. */
function pooledSlots(q: SlotQuery, ctx: QueryContext): Slot[] {
  const includeImported = consultsExternalCalendars(q.rules.type);
  const byStart = new Map<number, string[]>();
  for (const member of q.members) {
    const plan = planMember(member, ctx, includeImported);
    const full = fullDaysOf(plan.days, member.appointmentStartsOnCalendar, q.rules, false);
    for (const start of dropStartsOnFullDays(gridStarts(plan.anchors, plan.free, ctx.grid), full)) {
      const userIds = byStart.get(start);
      if (userIds === undefined) byStart.set(start, [member.userId]);
      else userIds.push(member.userId);
    }
  }
  const starts = [...byStart.keys()].sort((a, b) => a - b);
  return starts.map((start) => ({ start, end: start + ctx.grid.durationMs, userIds: byStart.get(start)!, seatsLeft: 1 }));
}

/**
 * Collective: every member at once. The grid is anchored on the working time all members share
 * (intersected day by day), and a slot must fit in everyone's free time.
 */
function collectiveSlots(q: SlotQuery, ctx: QueryContext): Slot[] {
  const includeImported = consultsExternalCalendars(q.rules.type);
  const plans = q.members.map((m) => planMember(m, ctx, includeImported));
  const [first, ...rest] = plans;
  let anchors = first!.anchors;
  let free = first!.free;
  for (const p of rest) {
    anchors = intersectSortedIntervals(anchors, p.anchors);
    free = intersectIntervals(free, p.free);
  }
  const allStarts = q.members.flatMap((m) => m.appointmentStartsOnCalendar);
  const full = fullDaysOf(first!.days, allStarts, q.rules, true);
  const userIds = q.members.map((m) => m.userId);
  return dropStartsOnFullDays(gridStarts(anchors, free, ctx.grid), full).map((start) => ({
    start,
    end: start + ctx.grid.durationMs,
    userIds: [...userIds],
    seatsLeft: 1,
  }));
}

/**
 * Class: one host (the first member) on the usual grid. A start matching an existing session offers
 * the seats left in it; any other start colliding with a session is not offered; a fresh start offers
 * all seats.
 */
function classSlots(q: SlotQuery, ctx: QueryContext): Slot[] {
  const plan = planMember(q.members[0]!, ctx, consultsExternalCalendars(q.rules.type));
  const sessions = indexSessions(q.sessions ?? [], q.rules);
  const full = fullDaysOf(plan.days, plan.member.appointmentStartsOnCalendar, q.rules, true);
  const out: Slot[] = [];
  for (const start of gridStarts(plan.anchors, plan.free, ctx.grid)) {
    const end = start + ctx.grid.durationMs;
    const slot = seatSlot(sessions, sessionAt(sessions, start, end), start, end, plan.member.userId, q.rules.seats, full);
    if (slot !== null) out.push(slot);
  }
  return out;
}

/**
 * Event: the slots are the fixed occurrences. Working hours and iCloud events are not consulted (the
 * time is fixed, and Event calendars have no iCloud integration), but the host's own appointments and
 * hand-made blocked time still are, with buffers, as for every other type.
 */
function eventSlots(q: SlotQuery, ctx: QueryContext): Slot[] {
  const host = q.members[0]!;
  const busy = paddedBusy(host.busy, q.rules, false);
  const sessions = indexSessions(q.sessions ?? [], q.rules);
  const full =
    q.rules.dailyLimit === null ? [] : fullDaysOf(ctx.daysOf(host.schedule.timezone), host.appointmentStartsOnCalendar, q.rules, true);
  const times = [...(q.eventTimes ?? [])].sort((a, b) => a.start - b.start);
  const out: Slot[] = [];
  for (const t of times) {
    if (t.start < ctx.grid.from || t.start >= ctx.grid.to || !(t.end > t.start)) continue;
    if (out[out.length - 1]?.start === t.start) continue;
    if (overlapsAny(t, busy)) continue;
    // An occurrence is identified by its start: a session booked before the event's length was
    // edited still holds its seats.
    const taken = seatsTakenAt(sessions, t.start);
    const seatsLeft = q.rules.seats - taken.seatsTaken;
    if (seatsLeft <= 0) continue;
    // Only a new session counts against the daily limit.
    if (taken.userId === undefined && isOnFullDay(t.start, full)) continue;
    out.push({ start: t.start, end: t.end, userIds: [taken.userId ?? host.userId], seatsLeft });
  }
  return out;
}

/** A Class slot at [start, end), given the session matching it exactly (if any). */
function seatSlot(
  sessions: SessionIndex,
  matching: ClassSession | undefined,
  start: number,
  end: number,
  hostId: string,
  seats: number,
  fullDays: Interval[],
): Slot | null {
  if (collidesWithOtherSession(sessions, start, end, matching)) return null;
  if (matching === undefined) {
    // A new session: counts against the daily limit.
    return isOnFullDay(start, fullDays) ? null : { start, end, userIds: [hostId], seatsLeft: seats };
  }
  const seatsLeft = seats - matching.seatsTaken;
  return seatsLeft > 0 ? { start, end, userIds: [matching.userId], seatsLeft } : null;
}
