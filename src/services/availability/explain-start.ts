import { DateTime } from 'luxon';
import type { Interval } from '../../domain/interval.ts';
import { isValidTimeZone } from '../../domain/schedule.ts';
import { explainStart, type ExplainReason } from '../../domain/slot-explain.ts';
import { AppError } from '../app-error.ts';
import { loadCalendarView } from '../calendars/calendar-view.ts';
import type { ServiceContext } from '../context.ts';
import type { ImportedBusySource, ImportedEvent } from '../../store/imported-busy-source.ts';
import { loadSlotQuery } from './load-slot-query.ts';

export interface ExplainStartOptions {
  workspaceId: string;
  calendarId: string;
  start: Date;
  /** Zone for the local times in the messages. */
  timezone: string;
  serviceId: string | null;
  importedBusy: ImportedBusySource;
}

/** One reason, for people (message) and programs (code and the fields that apply). */
export interface ReasonView {
  code: string;
  message: string;
  /** Busy reasons: only the calendar's buffers reach the busy time. */
  buffer?: boolean;
  /** The busy time, session or neighbouring slot starts the reason is about. */
  start?: string;
  end?: string;
  date?: string;
  appointment?: { id: string; title: string };
  blockedSlot?: { id: string; title: string };
  importedEvent?: { title: string; calendarId: string; calendarName: string; start: string; end: string; allDay: boolean };
}

export interface StartExplanationView {
  start: string;
  end: string;
  bookable: boolean;
  reasons: ReasonView[];
  members: Array<{ userId: string; name: string; free: boolean; reasons: ReasonView[] }>;
}

/**
 * "Why is this time not bookable?" for one start of a booking calendar: the same query the slot
 * list loads, handed to the engine's explainStart, then named for people.
 */
export async function explainCalendarStart(ctx: ServiceContext, options: ExplainStartOptions): Promise<StartExplanationView> {
  if (!isValidTimeZone(options.timezone)) throw new AppError('invalid_timezone');
  const start = options.start.getTime();
  const calendar = await loadCalendarView(ctx.db, options.workspaceId, options.calendarId);
  const query = await loadSlotQuery(ctx.db, {
    calendar,
    serviceId: options.serviceId,
    range: { start, end: start + 1 },
    now: ctx.now(),
    importedBusy: options.importedBusy,
    withRefs: true,
  });
  const explained = explainStart(query, start);
  const userIds = explained.members.map((m) => m.userId);
  const users =
    userIds.length === 0
      ? []
      : await ctx.db
          .selectFrom('users')
          .select(['id', 'name'])
          .where('workspace_id', '=', options.workspaceId)
          .where('id', 'in', userIds)
          .execute();
  const slot = { start: explained.start, end: explained.end };
  const say = new Wording(options.timezone, calendar.bufferBeforeMin, calendar.bufferAfterMin);
  const members = await Promise.all(
    explained.members.map(async (m) => {
      const name = users.find((u) => u.id === m.userId)?.name ?? m.userId;
      const views: ReasonView[] = [];
      for (const reason of m.reasons) views.push(...(await describe(ctx, options.importedBusy, m.userId, name, reason, slot, say)));
      return { userId: m.userId, name, free: m.free, reasons: views };
    }),
  );
  const reasons: ReasonView[] = [];
  for (const reason of explained.reasons) reasons.push(...(await describe(ctx, options.importedBusy, null, '', reason, slot, say)));
  return { start: iso(explained.start), end: iso(explained.end), bookable: explained.bookable, reasons, members };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Local times for messages. */
class Wording {
  constructor(
    private readonly zone: string,
    private readonly bufferBeforeMin: number,
    private readonly bufferAfterMin: number,
  ) {}

  time(ms: number): string {
    return DateTime.fromMillis(ms, { zone: this.zone }).toFormat('yyyy-MM-dd HH:mm');
  }

  span(x: Interval): string {
    const a = DateTime.fromMillis(x.start, { zone: this.zone });
    const b = DateTime.fromMillis(x.end, { zone: this.zone });
    return a.hasSame(b, 'day')
      ? `${a.toFormat('yyyy-MM-dd HH:mm')}–${b.toFormat('HH:mm')}`
      : `${a.toFormat('yyyy-MM-dd HH:mm')} – ${b.toFormat('yyyy-MM-dd HH:mm')}`;
  }

  hours(xs: Interval[]): string {
    return xs
      .map(
        (x) =>
          `${DateTime.fromMillis(x.start, { zone: this.zone }).toFormat('HH:mm')}–${DateTime.fromMillis(x.end, { zone: this.zone }).toFormat('HH:mm')}`,
      )
      .join(', ');
  }

  buffers(): string {
    const parts = [];
    if (this.bufferBeforeMin > 0) parts.push(`${this.bufferBeforeMin} min before`);
    if (this.bufferAfterMin > 0) parts.push(`${this.bufferAfterMin} min after`);
    return parts.join(' and ');
  }
}

async function describe(
  ctx: ServiceContext,
  importedBusy: ImportedBusySource,
  userId: string | null,
  name: string,
  reason: ExplainReason,
  slot: Interval,
  say: Wording,
): Promise<ReasonView[]> {
  const who = name === '' ? '' : `${name}: `;
  switch (reason.code) {
    case 'no_members':
      return [{ code: reason.code, message: 'This calendar has no members.' }];
    case 'min_notice':
      return [
        {
          code: reason.code,
          start: iso(reason.earliestStart),
          message: `Too little notice: the earliest start now is ${say.time(reason.earliestStart)}.`,
        },
      ];
    case 'booking_window':
      return [
        {
          code: reason.code,
          end: iso(reason.startsBefore),
          message: `Beyond the booking window: starts must be before ${say.time(reason.startsBefore)}.`,
        },
      ];
    case 'not_on_grid':
      return [
        {
          code: reason.code,
          start: iso(reason.previousStart),
          end: iso(reason.nextStart),
          message: `${who}Not a slot start: slots start every ${reason.intervalMin} min (nearest ${say.time(reason.previousStart)} and ${say.time(reason.nextStart)}).`,
        },
      ];
    case 'not_an_event_time':
      return [{ code: reason.code, message: "Not one of this event's times." }];
    case 'outside_working_hours':
      return [
        {
          code: reason.code,
          date: reason.date,
          message:
            reason.workingHours.length === 0
              ? `${who}Does not work on ${reason.date}.`
              : `${who}Outside working hours on ${reason.date} (${say.hours(reason.workingHours)}).`,
        },
      ];
    case 'date_override':
      return [
        {
          code: reason.code,
          date: reason.date,
          message:
            reason.workingHours.length === 0
              ? `${who}Day off on ${reason.date} (date override).`
              : `${who}Date override on ${reason.date}: working hours ${say.hours(reason.workingHours)}.`,
        },
      ];
    case 'daily_limit':
      return [
        {
          code: reason.code,
          date: reason.date,
          message: `${who}Daily limit reached: ${reason.limit} appointment${reason.limit === 1 ? '' : 's'} of this calendar on ${reason.date}.`,
        },
      ];
    case 'seats_full':
      return [{ code: reason.code, message: `All ${reason.seats} seats of this session are taken.` }];
    case 'session_conflict':
      return [
        {
          code: reason.code,
          start: iso(reason.session.start),
          end: iso(reason.session.end),
          message: `Collides with another session of this calendar (${say.span(reason.session)}).`,
        },
      ];
    case 'appointment':
    case 'blocked_slot':
    case 'imported_event':
      return describeBusy(ctx, importedBusy, userId, who, reason, slot, say);
  }
}

type BusyReason = Extract<ExplainReason, { code: 'appointment' | 'blocked_slot' | 'imported_event' }>;

async function describeBusy(
  ctx: ServiceContext,
  importedBusy: ImportedBusySource,
  userId: string | null,
  who: string,
  reason: BusyReason,
  slot: Interval,
  say: Wording,
): Promise<ReasonView[]> {
  const { busy } = reason;
  // Name the item by its own time; the slot meets only its buffers when it misses that time.
  const own = busy.ref?.own ?? busy;
  const buffer = reason.buffer || !(own.start < slot.end && own.end > slot.start);
  const base = { code: reason.code, buffer, start: iso(own.start), end: iso(own.end) };
  const bufferOf = buffer ? `Buffer (${say.buffers()}) of ` : '';
  const lead = (s: string): string => (buffer ? s : s.charAt(0).toUpperCase() + s.slice(1));
  switch (reason.code) {
    case 'appointment':
      return [
        {
          ...base,
          ...(busy.ref ? { appointment: { id: busy.ref.id, title: busy.ref.title } } : {}),
          message: `${who}${bufferOf}${lead(`appointment "${busy.ref?.title ?? ''}" (${say.span(own)})`)}.`,
        },
      ];
    case 'blocked_slot':
      return [
        {
          ...base,
          ...(busy.ref ? { blockedSlot: { id: busy.ref.id, title: busy.ref.title } } : {}),
          message: `${who}${bufferOf}${lead(`time blocked by hand${busy.ref?.title ? ` "${busy.ref.title}"` : ''} (${say.span(busy)})`)}.`,
        },
      ];
    case 'imported_event': {
      // The engine blocks on the busy time it was given (possibly merged ranges); name the events in it.
      const events: ImportedEvent[] =
        userId !== null && importedBusy.importedEvents
          ? (await importedBusy.importedEvents(ctx.db, userId, busy)).filter((e) => e.end > e.start)
          : [];
      if (events.length === 0) return [{ ...base, message: `${who}${bufferOf}${lead(`imported busy time (${say.span(busy)})`)}.` }];
      return events.map((e) => ({
        ...base,
        importedEvent: {
          title: e.title,
          calendarId: e.remoteCalendarId,
          calendarName: e.calendarName,
          start: iso(e.start),
          end: iso(e.end),
          allDay: e.allDay,
        },
        message: `${who}${bufferOf}${lead(`imported event "${e.title}" from calendar "${e.calendarName}" (${e.allDay ? 'all day, ' : ''}occurrence ${say.span(e)})`)}.`,
      }));
    }
  }
}
