import type { Kysely } from 'kysely';
import type { DB, AppointmentStatus } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';

export interface AppointmentView {
  id: string;
  calendarId: string;
  serviceId: string | null;
  start: string;
  end: string;
  status: AppointmentStatus;
  title: string;
  location: string | null;
  assigneeIds: string[];
  seatsTaken: number;
  attendees: Array<{ id: string; contactId: string; name: string; email: string; seats: number; status: AppointmentStatus }>;
  /** Deleted in the assignee's iCloud calendar; kept because the client booked it (SPEC §5). */
  removedFromICloud: boolean;
  /** A move made in iCloud put it over another booking: flagged, not refused (SPEC §5). */
  overlapFlagged: boolean;
}

/** A client's booking: the appointment and which attendee (their seats) the manage link stands for. */
export interface ClientBooking {
  appointment: AppointmentView;
  attendeeId: string;
}

export async function loadAppointmentViews(db: Kysely<DB>, workspaceId: string, ids: string[]): Promise<AppointmentView[]> {
  if (ids.length === 0) return [];
  const [rows, assignees, attendees] = await Promise.all([
    db.selectFrom('appointments').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', ids).orderBy('start_at').execute(),
    db
      .selectFrom('appointment_assignees')
      .select(['appointment_id', 'user_id'])
      .where('appointment_id', 'in', ids)
      .orderBy('user_id')
      .execute(),
    db
      .selectFrom('attendees')
      .innerJoin('contacts', 'contacts.id', 'attendees.contact_id')
      .select([
        'attendees.id',
        'attendees.appointment_id',
        'attendees.contact_id',
        'contacts.name',
        'contacts.email',
        'attendees.seats',
        'attendees.status',
      ])
      .where('attendees.appointment_id', 'in', ids)
      .orderBy('attendees.created_at')
      .execute(),
  ]);
  return rows.map((row) => ({
    id: row.id,
    calendarId: row.calendar_id,
    serviceId: row.service_id,
    start: row.start_at.toISOString(),
    end: row.end_at.toISOString(),
    status: row.status,
    title: row.title,
    location: row.location,
    assigneeIds: assignees.filter((a) => a.appointment_id === row.id).map((a) => a.user_id),
    seatsTaken: row.seats_taken,
    attendees: attendees
      .filter((a) => a.appointment_id === row.id)
      .map((a) => ({ id: a.id, contactId: a.contact_id, name: a.name, email: a.email, seats: a.seats, status: a.status })),
    removedFromICloud: row.removed_from_remote,
    overlapFlagged: row.overlap_flagged,
  }));
}

export async function loadAppointmentView(db: Kysely<DB>, workspaceId: string, id: string): Promise<AppointmentView> {
  const [view] = await loadAppointmentViews(db, workspaceId, [id]);
  if (!view) throw new AppError('not_found');
  return view;
}
