import type { Actor, ServiceContext } from '../context.ts';
import { loadCalendarView } from '../calendars/calendar-view.ts';
import { cancelWholeAppointment, lockAppointment } from './appointment-changes.ts';
import { loadAppointmentView, type AppointmentView } from './appointment-view.ts';
import { recordAppointmentNotice } from '../notifications/record-appointment-notice.ts';

/** Staff cancel an appointment (a whole class session included). Cancelling twice is harmless. */
export async function cancelAppointment(ctx: ServiceContext, options: { actor: Actor; appointmentId: string }): Promise<AppointmentView> {
  const workspaceId = options.actor.workspaceId;
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockAppointment(trx, workspaceId, options.appointmentId);
    if (row.status === 'cancelled') return;
    const calendar = await loadCalendarView(trx, workspaceId, row.calendar_id);
    // Attendees still booked are the ones to tell (not those who had cancelled their seats already).
    const booked = await trx
      .selectFrom('attendees')
      .select('id')
      .where('appointment_id', '=', row.id)
      .where('status', '=', 'confirmed')
      .execute();
    await cancelWholeAppointment(trx, calendar, workspaceId, row.id, ctx.now());
    await recordAppointmentNotice(trx, {
      workspaceId,
      appointmentId: row.id,
      change: 'cancelled',
      cause: 'staff',
      now: ctx.now(),
      attendeeIds: booked.map((a) => a.id),
    });
  });
  return loadAppointmentView(ctx.db, workspaceId, options.appointmentId);
}
