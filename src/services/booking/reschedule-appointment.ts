import type { Actor, ServiceContext } from '../context.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { loadCalendarView } from '../calendars/calendar-view.ts';
import { moveAppointment } from './appointment-changes.ts';
import { loadAppointmentView, type AppointmentView } from './appointment-view.ts';
import { retryOnConflict } from './retry-on-conflict.ts';
import { recordAppointmentNotice } from '../notifications/record-appointment-notice.ts';

export interface RescheduleAppointmentOptions {
  actor: Actor;
  appointmentId: string;
  start: Date;
  importedBusy: ImportedBusySource;
}

/** Staff move an appointment (a class session with all its attendees) to another free slot. */
export async function rescheduleAppointment(ctx: ServiceContext, options: RescheduleAppointmentOptions): Promise<AppointmentView> {
  const workspaceId = options.actor.workspaceId;
  const current = await loadAppointmentView(ctx.db, workspaceId, options.appointmentId);
  const calendar = await loadCalendarView(ctx.db, workspaceId, current.calendarId);
  await retryOnConflict(calendar.members.length + 1, () =>
    ctx.db.transaction().execute(async (trx) => {
      // moveAppointment locks the appointment row itself.
      const now = ctx.now();
      const before = await trx
        .selectFrom('appointments')
        .select('start_at')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', options.appointmentId)
        .executeTakeFirst();
      await moveAppointment(trx, {
        calendar,
        workspaceId,
        appointmentId: options.appointmentId,
        start: options.start.getTime(),
        now,
        importedBusy: options.importedBusy,
      });
      const booked = await trx
        .selectFrom('attendees')
        .select('id')
        .where('appointment_id', '=', options.appointmentId)
        .where('status', '=', 'confirmed')
        .execute();
      await recordAppointmentNotice(trx, {
        workspaceId,
        appointmentId: options.appointmentId,
        change: 'rescheduled',
        cause: 'staff',
        now,
        attendeeIds: booked.map((a) => a.id),
        previousStart: before?.start_at ?? null,
      });
    }),
  );
  return loadAppointmentView(ctx.db, workspaceId, options.appointmentId);
}
