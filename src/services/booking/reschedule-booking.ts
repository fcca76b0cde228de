import { AppError } from '../app-error.ts';
import type { ServiceContext } from '../context.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { loadSlotQuery } from '../availability/load-slot-query.ts';
import { loadCalendarView } from '../calendars/calendar-view.ts';
import { liveAssignees, lockAppointment, lockSessionSlot, moveAppointment, releaseSeats, takeSeats } from './appointment-changes.ts';
import { checkBookable } from './check-bookable.ts';
import { loadAppointmentView, type ClientBooking } from './appointment-view.ts';
import { resolveManageToken } from './resolve-manage-token.ts';
import { retryOnConflict } from './retry-on-conflict.ts';
import { checkClientDeadline } from '../notifications/check-client-deadline.ts';
import { recordAppointmentNotice } from '../notifications/record-appointment-notice.ts';

export interface RescheduleBookingOptions {
  manageToken: string;
  start: Date;
  importedBusy: ImportedBusySource;
}

/**
 * A client moves their booking through their link. One-to-one appointments move whole; in a
 * class or event the client's seats move to the other session and the rest stay put.
 */
export async function rescheduleBooking(ctx: ServiceContext, options: RescheduleBookingOptions): Promise<ClientBooking> {
  const booking = await resolveManageToken(ctx.db, options.manageToken);
  const calendar = await loadCalendarView(ctx.db, booking.workspaceId, booking.calendarId);
  const start = options.start.getTime();
  const appointmentId = await retryOnConflict(calendar.members.length + 1, () =>
    ctx.db.transaction().execute(async (trx) => {
      const now = ctx.now();
      const row = await lockAppointment(trx, booking.workspaceId, booking.appointmentId);
      if (row.status === 'cancelled') throw new AppError('appointment_cancelled');
      await checkClientDeadline(trx, { workspaceId: booking.workspaceId, calendarId: row.calendar_id, start: row.start_at }, now);
      const notice = {
        workspaceId: booking.workspaceId,
        change: 'rescheduled' as const,
        cause: 'client' as const,
        now,
        attendeeIds: [booking.attendeeId],
        previousStart: row.start_at,
      };
      if (calendar.type !== 'class' && calendar.type !== 'event') {
        const { dropped } = await moveAppointment(trx, {
          calendar,
          workspaceId: booking.workspaceId,
          appointmentId: row.id,
          start,
          now,
          importedBusy: options.importedBusy,
        });
        // A Round Robin move may give it to another member: the one who lost it is told too.
        await recordAppointmentNotice(trx, { ...notice, appointmentId: row.id, formerStaffIds: dropped });
        return row.id;
      }
      const attendee = await trx
        .selectFrom('attendees')
        .select(['seats', 'status'])
        .where('id', '=', booking.attendeeId)
        .executeTakeFirstOrThrow();
      if (attendee.status === 'cancelled') throw new AppError('appointment_cancelled');
      await lockSessionSlot(trx, calendar.id, start);
      // The host of the session the client leaves, told when it is not also the new session's host.
      const formerHosts = await liveAssignees(trx, booking.appointmentId);
      const query = await loadSlotQuery(trx, {
        calendar,
        serviceId: null,
        range: { start, end: start + 1 },
        now,
        importedBusy: options.importedBusy,
      });
      const slot = checkBookable(query, start);
      if (slot.seatsLeft < attendee.seats)
        throw new AppError('slot_taken', { message: `Only ${slot.seatsLeft} seat(s) left in that slot.` });
      const target = await takeSeats(trx, {
        calendar,
        workspaceId: booking.workspaceId,
        start,
        end: slot.end,
        seats: attendee.seats,
        hostId: slot.userIds[0]!,
        now,
      });
      await releaseSeats(trx, calendar, booking.workspaceId, booking.attendeeId, now);
      await trx
        .updateTable('attendees')
        .set({ appointment_id: target.appointmentId, status: 'confirmed' })
        .where('id', '=', booking.attendeeId)
        .execute();
      await recordAppointmentNotice(trx, { ...notice, appointmentId: target.appointmentId, formerStaffIds: formerHosts });
      return target.appointmentId;
    }),
  );
  return { appointment: await loadAppointmentView(ctx.db, booking.workspaceId, appointmentId), attendeeId: booking.attendeeId };
}
