import { computeSlots } from '../../domain/slots.ts';
import { isValidTimeZone } from '../../domain/schedule.ts';
import { AppError } from '../app-error.ts';
import { checkRange } from '../check-range.ts';
import { loadCalendarView, type CalendarView } from '../calendars/calendar-view.ts';
import type { ServiceContext } from '../context.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { loadSlotQuery } from './load-slot-query.ts';
import { localIso } from './local-iso.ts';

export const MAX_SLOT_RANGE_DAYS = 62;

export interface GetFreeSlotsOptions {
  workspaceId: string;
  calendarId: string;
  from: Date;
  to: Date;
  /** The booker's zone: slots are also given as local wall-clock times in it. */
  timezone: string;
  serviceId: string | null;
  importedBusy: ImportedBusySource;
  /** The calendar's view when the caller has just read it (findPublicCalendar): not read again. */
  calendar?: CalendarView;
}

export interface FreeSlot {
  start: string;
  end: string;
  localStart: string;
  localEnd: string;
  seatsLeft: number;
  available: number;
}

export async function getFreeSlots(ctx: ServiceContext, options: GetFreeSlotsOptions): Promise<FreeSlot[]> {
  checkRange(options.from, options.to, MAX_SLOT_RANGE_DAYS);
  if (!isValidTimeZone(options.timezone)) throw new AppError('invalid_timezone');
  const calendar = options.calendar ?? (await loadCalendarView(ctx.db, options.workspaceId, options.calendarId));
  const query = await loadSlotQuery(ctx.db, {
    calendar,
    serviceId: options.serviceId,
    range: { start: options.from.getTime(), end: options.to.getTime() },
    now: ctx.now(),
    importedBusy: options.importedBusy,
  });
  return computeSlots(query).map((slot) => ({
    start: new Date(slot.start).toISOString(),
    end: new Date(slot.end).toISOString(),
    localStart: localIso(slot.start, options.timezone),
    localEnd: localIso(slot.end, options.timezone),
    seatsLeft: slot.seatsLeft,
    available: slot.userIds.length,
  }));
}
