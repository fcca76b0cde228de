import type { Actor, ServiceContext } from '../context.ts';
import { checkRange } from '../check-range.ts';
import { loadAppointmentViews, type AppointmentView } from '../booking/appointment-view.ts';

export interface ListAppointmentsOptions {
  actor: Actor;
  from: Date;
  to: Date;
  calendarId: string | null;
  userId: string | null;
}

/** The staff week view: appointments overlapping a window (max 100 days), optionally per calendar or user. */
export async function listAppointments(ctx: ServiceContext, options: ListAppointmentsOptions): Promise<AppointmentView[]> {
  checkRange(options.from, options.to, 100);
  let query = ctx.db
    .selectFrom('appointments')
    .select('appointments.id')
    .where('appointments.workspace_id', '=', options.actor.workspaceId)
    .where('appointments.end_at', '>', options.from)
    .where('appointments.start_at', '<', options.to);
  if (options.calendarId) query = query.where('appointments.calendar_id', '=', options.calendarId);
  if (options.userId) {
    const userId = options.userId;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('appointment_assignees as aa')
          .select('aa.user_id')
          .whereRef('aa.appointment_id', '=', 'appointments.id')
          .where('aa.user_id', '=', userId),
      ),
    );
  }
  const rows = await query.orderBy('appointments.start_at').limit(5000).execute();
  return loadAppointmentViews(
    ctx.db,
    options.actor.workspaceId,
    rows.map((r) => r.id),
  );
}
