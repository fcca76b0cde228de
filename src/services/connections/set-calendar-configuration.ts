import { CALENDAR_TYPES, pushesToExternalCalendars } from '../../domain/calendar-type.ts';
import type { Transaction } from 'kysely';
import type { CalendarRole, DB } from '../../store/schema.ts';
import { enqueueOutbox, requeueFailedOutbox } from '../../store/sync-store/outbox.ts';
import { AppError } from '../app-error.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadUserView } from '../users/user-view.ts';
import { loadCalendarConfiguration, type CalendarConfigurationView } from './calendar-configuration-view.ts';
import { isUuid } from './connection-access.ts';
import './connection-errors.ts'; // registers calendar_not_writable / calendar_not_connectable

export interface SetCalendarConfigurationOptions {
  actor: Actor;
  userId: string;
  /** Read and written (SPEC §4): must be writable and connectable. null = no primary calendar. */
  primaryCalendarId: string | null;
  /** Read only; may be read-only calendars, must be connectable. The primary may be repeated here. */
  conflictCalendarIds: string[];
}

interface CalendarRow {
  id: string;
  role: CalendarRole;
  writable: boolean;
  connectable: boolean;
  not_connectable_reason: string | null;
}

function check(calendar: CalendarRow, asPrimary: boolean): void {
  if (!calendar.connectable) {
    throw new AppError('calendar_not_connectable', {
      message: `This calendar cannot be used: ${calendar.not_connectable_reason ?? 'it cannot be connected'}.`,
    });
  }
  if (asPrimary && !calendar.writable) throw new AppError('calendar_not_writable');
}

/**
 * Replaces a user's calendar configuration in one transaction: the named calendars get their role,
 * every other calendar of the user's connections goes back to 'none'. Only the user themself may
 * choose (the calendars are their accounts); calendars of anyone else's connections are not found.
 *
 * Newly configured calendars are made due at once, so the sync scheduler imports them now rather
 * than at its next poll. A calendar taken out of use loses its imported events and its sync
 * position: its events no longer appear on the user's calendar, and using it again later starts
 * with a complete import instead of an incremental one from a stale token.
 */
export async function setCalendarConfiguration(
  ctx: ServiceContext,
  options: SetCalendarConfigurationOptions,
): Promise<CalendarConfigurationView> {
  const { actor, userId } = options;
  if (!isUuid(userId)) throw new AppError('not_found');
  await loadUserView(ctx.db, actor.workspaceId, userId);
  if (actor.userId !== userId) throw new AppError('forbidden', { message: 'Only the team member can choose their own calendars.' });

  const conflictIds = new Set(options.conflictCalendarIds);
  const named = new Set([...conflictIds, ...(options.primaryCalendarId === null ? [] : [options.primaryCalendarId])]);
  if ([...named].some((id) => !isUuid(id)))
    throw new AppError('not_found', { message: 'No calendar of your connected accounts has that id.' });

  await ctx.db.transaction().execute(async (trx) => {
    // Locked so two saves of the same user's configuration apply one after the other.
    const rows: CalendarRow[] = await trx
      .selectFrom('remote_calendars')
      .select(['id', 'role', 'writable', 'connectable', 'not_connectable_reason'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('user_id', '=', userId)
      .forUpdate()
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of named) {
      const calendar = byId.get(id);
      if (!calendar) throw new AppError('not_found', { message: 'No calendar of your connected accounts has that id.' });
      check(calendar, id === options.primaryCalendarId);
    }

    const roleOf = (id: string): CalendarRole => (id === options.primaryCalendarId ? 'primary' : conflictIds.has(id) ? 'conflict' : 'none');
    const changes = rows.filter((row) => row.role !== roleOf(row.id));
    // The new primary last: at most one primary per user at any moment (remote_calendars_one_primary).
    changes.sort((a, b) => Number(roleOf(a.id) === 'primary') - Number(roleOf(b.id) === 'primary'));
    const now = ctx.now();
    for (const row of changes) {
      const role = roleOf(row.id);
      if (role === 'none') {
        await trx.deleteFrom('remote_items').where('remote_calendar_id', '=', row.id).where('kind', '!=', 'appointment').execute();
        await trx
          .updateTable('remote_calendars')
          .set({ role, sync_token: null, ctag: null, next_sync_at: null, failures: 0 })
          .where('id', '=', row.id)
          .execute();
      } else {
        await trx
          .updateTable('remote_calendars')
          .set({ role, ...(row.role === 'none' && { next_sync_at: now }) })
          .where('id', '=', row.id)
          .execute();
      }
    }
    const previousPrimary = rows.find((row) => row.role === 'primary')?.id ?? null;
    if (options.primaryCalendarId !== null && options.primaryCalendarId !== previousPrimary) {
      await enqueueUpcomingAppointments(trx, { workspaceId: actor.workspaceId, userId, now });
    }
  });
  return loadCalendarConfiguration(ctx.db, actor.workspaceId, userId, ctx.now());
}

/**
 * A new primary calendar gets all the user's appointments (SPEC §4), not only those changed from now
 * on: an upsert outbox row for each upcoming confirmed one of a type written to iCloud. The planner
 * decides from state, so one already in place is a no-op and one in a former primary is written to
 * the new one. Rows parked while there was no usable calendar are due again too.
 */
async function enqueueUpcomingAppointments(
  trx: Transaction<DB>,
  options: { workspaceId: string; userId: string; now: Date },
): Promise<void> {
  const pushed = CALENDAR_TYPES.filter(pushesToExternalCalendars);
  const upcoming = await trx
    .selectFrom('appointments as a')
    .innerJoin('appointment_assignees as s', 's.appointment_id', 'a.id')
    .innerJoin('booking_calendars as c', 'c.id', 'a.calendar_id')
    .select('a.id')
    .where('a.workspace_id', '=', options.workspaceId)
    .where('s.user_id', '=', options.userId)
    .where('s.status', '=', 'confirmed')
    .where('a.status', '=', 'confirmed')
    .where('a.end_at', '>', options.now)
    .where('c.type', 'in', pushed)
    .execute();
  await enqueueOutbox(trx, {
    workspaceId: options.workspaceId,
    op: 'upsert',
    notBefore: options.now,
    pairs: upcoming.map((a) => ({ appointmentId: a.id, userId: options.userId })),
  });
  await requeueFailedOutbox(trx, options.userId, options.now);
}
