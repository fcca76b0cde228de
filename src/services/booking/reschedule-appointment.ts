import type { Actor, ServiceContext } from '../context.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { loadCalendarView } from '../calendars/calendar-view.ts';
import { moveAppointment } from './appointment-changes.ts';
import { loadAppointmentView, type AppointmentView } from './appointment-view.ts';
import { retryOnConflict } from './retry-on-conflict.ts';

export interface RescheduleAppointmentOptions { actor: Actor; appointmentId: string; start: Date; importedBusy: ImportedBusySource }

/** Staff move an appointment (a class session with all its attendees) to another free slot. */
export async function rescheduleAppointment(ctx: ServiceContext, options: RescheduleAppointmentOptions): Promise<AppointmentView> {
  const workspaceId = options.actor.workspaceId;
  const current = await loadAppointmentView(ctx.db, workspaceId, options.appointmentId);
  const calendar = await loadCalendarView(ctx.db, workspaceId, current.calendarId);
  await retryOnConflict(calendar.members.length + 1, () =>
    ctx.db.transaction().execute(async (trx) => {
      // moveAppointment locks the appointment row itself.
      await moveAppointment(trx, { calendar, workspaceId, appointmentId: options.appointmentId, start: options.start.getTime(), now: ctx.now(), importedBusy: options.importedBusy });
    }),
  );
  return loadAppointmentView(ctx.db, workspaceId, options.appointmentId);
}
