import type { CalendarType } from '../../domain/calendar-type.ts';
import type { EventSchedule } from '../../domain/event-times.ts';
import { isValidTimeZone } from '../../domain/schedule.ts';
import type { Transaction } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';

export interface CalendarInput {
  slug: string;
  name: string;
  type: CalendarType;
  durationMin: number;
  intervalMin?: number;
  bufferBeforeMin?: number;
  bufferAfterMin?: number;
  minNoticeMin?: number;
  windowDays?: number;
  dailyLimit?: number | null;
  seats?: number;
  distribution?: 'availability' | 'equal';
  location?: string | null;
  eventSchedule?: EventSchedule | null;
  members: Array<{ userId: string; priority?: number }>;
  services?: Array<{ name: string; durationMin: number; priceCents?: number | null; currency?: string | null; staffIds: string[] }>;
}

/** Rules that span fields, which a schema of single fields cannot say. */
export function checkCalendarInput(input: CalendarInput): void {
  const fail = (message: string) => {
    throw new AppError('validation_failed', { message });
  };
  if (input.members.length === 0) fail('A calendar needs at least one member.');
  if ((input.type === 'simple' || input.type === 'class' || input.type === 'event') && input.members.length !== 1) {
    fail(`A ${input.type} calendar has exactly one member (its host).`);
  }
  if (input.type === 'service' && (input.services?.length ?? 0) === 0) fail('A service calendar needs at least one service.');
  if (input.type !== 'service' && (input.services?.length ?? 0) > 0) fail('Only service calendars have services.');
  if (input.type === 'event' && !input.eventSchedule) fail('An event calendar needs an eventSchedule.');
  if (input.eventSchedule && !isValidTimeZone(input.eventSchedule.timezone)) throw new AppError('invalid_timezone');
  if ((input.seats ?? 1) !== 1 && input.type !== 'class' && input.type !== 'event')
    fail('Only class and event calendars have more than one seat.');
  const memberIds = new Set(input.members.map((m) => m.userId));
  if (memberIds.size !== input.members.length) fail('A member is listed twice.');
  for (const service of input.services ?? []) {
    if (service.staffIds.length === 0) fail(`Service "${service.name}" needs at least one staff member.`);
    for (const staffId of service.staffIds)
      if (!memberIds.has(staffId)) fail(`Staff of service "${service.name}" must be members of the calendar.`);
  }
}

/** Members must be users of the same workspace: a foreign id is answered as not found. */
export async function checkMembersBelong(trx: Transaction<DB>, workspaceId: string, userIds: string[]): Promise<void> {
  const found = await trx.selectFrom('users').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', userIds).execute();
  if (found.length !== new Set(userIds).size)
    throw new AppError('not_found', { message: 'A member of this calendar is not a user of this workspace.' });
}

/**
 * Replaces a calendar's members and services. Call it in the transaction that also writes the
 * calendar's row: cached calendar views (calendar-view.ts) know a change by that row's version.
 */
export async function writeMembersAndServices(
  trx: Transaction<DB>,
  workspaceId: string,
  calendarId: string,
  input: CalendarInput,
): Promise<void> {
  await trx.deleteFrom('calendar_members').where('calendar_id', '=', calendarId).execute();
  await trx
    .insertInto('calendar_members')
    .values(
      input.members.map((m) => ({ calendar_id: calendarId, user_id: m.userId, workspace_id: workspaceId, priority: m.priority ?? 0 })),
    )
    .execute();
  await trx.deleteFrom('services').where('calendar_id', '=', calendarId).execute();
  for (const service of input.services ?? []) {
    const row = await trx
      .insertInto('services')
      .values({
        workspace_id: workspaceId,
        calendar_id: calendarId,
        name: service.name,
        duration_min: service.durationMin,
        price_cents: service.priceCents ?? null,
        currency: service.currency ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('service_staff')
      .values(service.staffIds.map((userId) => ({ service_id: row.id, user_id: userId, workspace_id: workspaceId })))
      .execute();
  }
}

export function calendarColumns(input: CalendarInput) {
  return {
    slug: input.slug,
    name: input.name,
    type: input.type,
    duration_min: input.durationMin,
    interval_min: input.intervalMin ?? input.durationMin,
    buffer_before_min: input.bufferBeforeMin ?? 0,
    buffer_after_min: input.bufferAfterMin ?? 0,
    min_notice_min: input.minNoticeMin ?? 0,
    window_days: input.windowDays ?? 60,
    daily_limit: input.dailyLimit ?? null,
    seats: input.seats ?? 1,
    distribution: input.distribution ?? 'availability',
    location: input.location ?? null,
    event_schedule: input.eventSchedule ? JSON.stringify(input.eventSchedule) : null,
  };
}
