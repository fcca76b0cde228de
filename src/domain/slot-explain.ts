/**
 * "Why is this time not bookable?": every reason that keeps one start time from being a slot.
 *
 * Built from the slot engine's own parts (slots.ts: the start window, member plans with their
 * working-day anchors and free time, the daily-limit days, the session index), asking of one start
 * what the engine's sweep asks of every candidate. A start is a slot of computeSlots exactly when
 * this reports no reason; a property test holds the two to that.
 */
import { consultsExternalCalendars } from './calendar-type.ts';
import type { BusyInterval } from './busy.ts';
import { isOnFullDay } from './daily-limit.ts';
import { containedInAny, firstEndingAfter, intersectSortedIntervals, mergeIntervals, type Interval } from './interval.ts';
import { dayIndexAt, MINUTE_MS, type LocalDay } from './local-days.ts';
import type { TimeRange } from './schedule.ts';
import { indexSessions, seatsTakenAt, sessionAt, sessionsCollidingWith, type SessionIndex } from './seats.ts';
import {
  earliestStart,
  fullDaysOf,
  planMember,
  QueryContext,
  startsBefore,
  validateRules,
  type CalendarRules,
  type MemberAvailability,
  type MemberPlan,
  type SlotQuery,
} from './slots.ts';

export type BusyKind = 'appointment' | 'blocked_slot' | 'imported_event';

export type ExplainReason =
  | { code: 'no_members' }
  | { code: 'min_notice'; earliestStart: number }
  /** `startsBefore`: every start must be before this instant. */
  | { code: 'booking_window'; startsBefore: number }
  /** Slots start every `intervalMin` from the start of the working interval; the neighbours. */
  | { code: 'not_on_grid'; intervalMin: number; previousStart: number; nextStart: number }
  | { code: 'not_an_event_time' }
  /** `workingHours`: that local day's working intervals (empty: a day off). */
  | { code: 'outside_working_hours'; date: string; workingHours: Interval[] }
  /** The day's hours come from a date override. */
  | { code: 'date_override'; date: string; ranges: TimeRange[]; workingHours: Interval[] }
  | { code: 'daily_limit'; date: string; limit: number }
  /** `buffer`: only the calendar's buffers reach it, the slot itself does not overlap it. */
  | { code: BusyKind; buffer: boolean; busy: BusyInterval }
  | { code: 'session_conflict'; session: Interval }
  | { code: 'seats_full'; seats: number };

export interface MemberExplanation {
  userId: string;
  /** Free at this start (for Collective, all must be). */
  free: boolean;
  reasons: ExplainReason[];
}

export interface StartExplanation {
  start: number;
  /** End of the slot that would start here. */
  end: number;
  bookable: boolean;
  /** Reasons of the calendar as a whole (notice, window, grid of Collective, seats, …). */
  reasons: ExplainReason[];
  /** Each member concerned: every member (Round Robin, Service, Simple, Collective) or the host. */
  members: MemberExplanation[];
}

export type ExplainQuery = Omit<SlotQuery, 'range'>;

/** Every reason the slot engine has not to offer `start`. Throws RangeError on rules that make no sense. */
export function explainStart(q: ExplainQuery, start: number): StartExplanation {
  validateRules(q.rules);
  const durationMs = q.rules.durationMin * MINUTE_MS;
  if (q.members.length === 0) return { start, end: start + durationMs, bookable: false, reasons: [{ code: 'no_members' }], members: [] };
  const reasons = windowReasons(q.rules, q.now, start);
  // The engine's local days and grid for a window holding just this start.
  const ctx = new QueryContext(q.rules, { from: start, to: start + 1 });
  switch (q.rules.type) {
    case 'collective':
      return explainCollective(q, ctx, start, reasons);
    case 'class':
      return explainClass(q, ctx, start, reasons);
    case 'event':
      return explainEvent(q, ctx, start, reasons);
    case 'round_robin':
    case 'service':
    case 'simple':
      return explainPooled(q, ctx, start, reasons);
  }
}

function windowReasons(rules: CalendarRules, now: number, start: number): ExplainReason[] {
  const out: ExplainReason[] = [];
  const earliest = earliestStart(rules, now);
  if (start < earliest) out.push({ code: 'min_notice', earliestStart: earliest });
  const before = startsBefore(rules, now);
  if (start >= before) out.push({ code: 'booking_window', startsBefore: before });
  return out;
}

function explanation(
  start: number,
  end: number,
  reasons: ExplainReason[],
  members: MemberExplanation[],
  bookable: boolean,
): StartExplanation {
  return { start, end, bookable: reasons.length === 0 && bookable, reasons, members };
}

function memberExplanation(userId: string, reasons: ExplainReason[]): MemberExplanation {
  return { userId, free: reasons.length === 0, reasons };
}

/** Round Robin, Service, Simple: bookable when some member is free. */
function explainPooled(q: ExplainQuery, ctx: QueryContext, start: number, reasons: ExplainReason[]): StartExplanation {
  const end = start + ctx.grid.durationMs;
  const includeImported = consultsExternalCalendars(q.rules.type);
  const members = q.members.map((member) => {
    const plan = planMember(member, ctx, includeImported);
    const own = [
      ...gridReasons(plan.anchors, start, q.rules),
      ...workingReasons(plan, start, end),
      ...busyReasons(member, q.rules, includeImported, start, end),
    ];
    own.push(...dailyLimitReasons(plan.days, fullDaysOf(plan.days, member.appointmentStartsOnCalendar, q.rules, false), start, q.rules));
    return memberExplanation(member.userId, own);
  });
  return explanation(
    start,
    end,
    reasons,
    members,
    members.some((m) => m.free),
  );
}

/** Collective: every member at once, on the grid of the working time they share. */
function explainCollective(q: ExplainQuery, ctx: QueryContext, start: number, reasons: ExplainReason[]): StartExplanation {
  const end = start + ctx.grid.durationMs;
  const includeImported = consultsExternalCalendars(q.rules.type);
  const plans = q.members.map((m) => planMember(m, ctx, includeImported));
  const members = plans.map((plan) =>
    memberExplanation(plan.member.userId, [
      ...workingReasons(plan, start, end),
      ...busyReasons(plan.member, q.rules, includeImported, start, end),
    ]),
  );
  let shared = plans[0]!.anchors;
  for (const p of plans.slice(1)) shared = intersectSortedIntervals(shared, p.anchors);
  // Outside the shared working time some member already says why; inside it the grid decides.
  reasons.push(...gridReasons(shared, start, q.rules));
  const first = plans[0]!;
  const full = fullDaysOf(
    first.days,
    q.members.flatMap((m) => m.appointmentStartsOnCalendar),
    q.rules,
    true,
  );
  reasons.push(...dailyLimitReasons(first.days, full, start, q.rules));
  return explanation(
    start,
    end,
    reasons,
    members,
    members.every((m) => m.free),
  );
}

/** Class: the host's time, then the sessions: join one with seats left, or start a new one. */
function explainClass(q: ExplainQuery, ctx: QueryContext, start: number, reasons: ExplainReason[]): StartExplanation {
  const end = start + ctx.grid.durationMs;
  const includeImported = consultsExternalCalendars(q.rules.type);
  const plan = planMember(q.members[0]!, ctx, includeImported);
  const host = memberExplanation(plan.member.userId, [
    ...gridReasons(plan.anchors, start, q.rules),
    ...workingReasons(plan, start, end),
    ...busyReasons(plan.member, q.rules, includeImported, start, end),
  ]);
  const sessions = indexSessions(q.sessions ?? [], q.rules);
  const matching = sessionAt(sessions, start, end);
  for (const s of sessionsCollidingWith(sessions, start, end, matching))
    reasons.push({ code: 'session_conflict', session: { start: s.start, end: s.end } });
  if (matching !== undefined) {
    if (q.rules.seats - matching.seatsTaken <= 0) reasons.push({ code: 'seats_full', seats: q.rules.seats });
  } else {
    // Only a new session counts against the daily limit.
    const full = fullDaysOf(plan.days, plan.member.appointmentStartsOnCalendar, q.rules, true);
    reasons.push(...dailyLimitReasons(plan.days, full, start, q.rules));
  }
  return explanation(start, end, reasons, [host], host.free);
}

/**
 * Event: the start must be one of the fixed occurrences; working hours and imported events are not
 * consulted. Several occurrences may share a start (the engine offers the first that is free).
 */
function explainEvent(q: ExplainQuery, ctx: QueryContext, start: number, reasons: ExplainReason[]): StartExplanation {
  const hostMember = q.members[0]!;
  const candidates = [...(q.eventTimes ?? [])].sort((a, b) => a.start - b.start).filter((t) => t.start === start && t.end > t.start);
  if (candidates.length === 0) {
    reasons.push({ code: 'not_an_event_time' });
    return explanation(start, start + ctx.grid.durationMs, reasons, [memberExplanation(hostMember.userId, [])], false);
  }
  const sessions: SessionIndex = indexSessions(q.sessions ?? [], q.rules);
  const taken = seatsTakenAt(sessions, start);
  if (q.rules.seats - taken.seatsTaken <= 0) reasons.push({ code: 'seats_full', seats: q.rules.seats });
  if (taken.userId === undefined && q.rules.dailyLimit !== null) {
    const days = ctx.daysOf(hostMember.schedule.timezone);
    reasons.push(...dailyLimitReasons(days, fullDaysOf(days, hostMember.appointmentStartsOnCalendar, q.rules, true), start, q.rules));
  }
  const perCandidate = candidates.map((t) => busyReasons(hostMember, q.rules, false, t.start, t.end));
  const freeIndex = perCandidate.findIndex((r) => r.length === 0);
  const chosen = candidates[Math.max(freeIndex, 0)]!;
  const hostReasons = freeIndex >= 0 ? [] : perCandidate.flat();
  const host = memberExplanation(taken.userId ?? hostMember.userId, hostReasons);
  return explanation(start, chosen.end, reasons, [host], host.free);
}

/** The working interval holding `t` in a sorted, disjoint list, if any. */
function intervalHolding(xs: Interval[], t: number): Interval | undefined {
  const x = xs[firstEndingAfter(xs, t)];
  return x !== undefined && x.start <= t ? x : undefined;
}

/** Starts step from the start of each working interval (slot-grid.ts). */
function gridReasons(anchors: Interval[], start: number, rules: CalendarRules): ExplainReason[] {
  const anchor = intervalHolding(anchors, start);
  if (anchor === undefined) return [];
  const stepMs = rules.intervalMin * MINUTE_MS;
  const offset = (start - anchor.start) % stepMs;
  if (offset === 0) return [];
  const previousStart = start - offset;
  return [{ code: 'not_on_grid', intervalMin: rules.intervalMin, previousStart, nextStart: previousStart + stepMs }];
}

/**
 * The start must lie in a working interval, and the whole slot in working time (which may run on
 * over midnight). The day named is the one where working time runs out: the start's own day, or
 * the day whose hours end before the slot does.
 */
function workingReasons(plan: MemberPlan, start: number, end: number): ExplainReason[] {
  const anchor = intervalHolding(plan.anchors, start);
  const merged = mergeIntervals(plan.anchors);
  if (anchor !== undefined && containedInAny({ start, end }, merged)) return [];
  const uncovered = anchor === undefined ? start : intervalHolding(merged, start)!.end;
  const day = plan.days[dayIndexAt(plan.days, uncovered)];
  if (day === undefined) return [{ code: 'outside_working_hours', date: '', workingHours: [] }];
  const workingHours = plan.anchors.filter((a) => a.start >= day.start && a.start < day.end);
  if (plan.compiled.overrides.has(day.date)) {
    // Overrides for one date: the last one wins (schedule.ts).
    const ranges = [...plan.member.schedule.overrides].reverse().find((o) => o.date === day.date)?.ranges ?? [];
    return [{ code: 'date_override', date: day.date, ranges, workingHours }];
  }
  return [{ code: 'outside_working_hours', date: day.date, workingHours }];
}

/** Busy time the slot or its buffers overlap (busy.ts pads the same way). */
function busyReasons(
  member: MemberAvailability,
  rules: CalendarRules,
  includeImported: boolean,
  start: number,
  end: number,
): ExplainReason[] {
  const before = rules.bufferBeforeMin * MINUTE_MS;
  const after = rules.bufferAfterMin * MINUTE_MS;
  const lists: Array<[BusyKind, BusyInterval[]]> = [
    ['appointment', member.busy.appointments],
    ['blocked_slot', member.busy.blocked],
  ];
  if (includeImported) lists.push(['imported_event', member.busy.imported]);
  const out: ExplainReason[] = [];
  for (const [code, list] of lists) {
    for (const busy of list) {
      if (!(busy.end > busy.start)) continue;
      if (busy.start < end && busy.end > start) out.push({ code, buffer: false, busy });
      else if (busy.start - after < end && busy.end + before > start) out.push({ code, buffer: true, busy });
    }
  }
  return out;
}

function dailyLimitReasons(days: LocalDay[], full: Interval[], start: number, rules: CalendarRules): ExplainReason[] {
  if (rules.dailyLimit === null || !isOnFullDay(start, full)) return [];
  return [{ code: 'daily_limit', date: days[dayIndexAt(days, start)]?.date ?? '', limit: rules.dailyLimit }];
}
