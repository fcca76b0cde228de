import type { Kysely } from 'kysely';
import { pushesToExternalCalendars } from '../../domain/calendar-type.ts';
import type { LinkedAppointment } from '../../domain/sync/plan-inbound.ts';
import type { AppointmentForSync, AppointmentSpan, TimeRange } from '../../domain/sync/types.ts';
import type { DB } from '../schema.ts';
import { toRemoteLink, isUuid } from './rows.ts';

/**
 * Appointments as the sync engine sees them (AppointmentForSync): what their events in iCloud
 * should say. Read in a few set queries per call, never one query per appointment.
 */

interface Contact {
  name: string;
  email: string;
  phone: string | null;
}

/** The event description: who booked (the assignee needs to reach them from the phone) and the way back to Tandem. */
export function appointmentDescription(contacts: readonly Contact[], url: string): string {
  const blocks = contacts.map((c) => [c.name, c.email, c.phone].filter((part): part is string => part !== null && part !== '').join('\n'));
  return [...blocks, `Open in Tandem: ${url}`].join('\n\n');
}

export function appointmentUrl(publicUrl: string, appointmentId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/appointments/${appointmentId}`;
}

/**
 * These appointments (missing ids omitted), with times in `zoneUserId`'s zone: the event goes into
 * that user's calendar, so floating and all-day readings happen in their zone.
 */
export async function loadAppointmentsForSync(
  db: Kysely<DB>,
  ids: readonly string[],
  zoneUserId: string,
  publicUrl: string,
): Promise<Map<string, AppointmentForSync>> {
  const result = new Map<string, AppointmentForSync>();
  const wanted = [...new Set(ids)].filter(isUuid);
  if (wanted.length === 0) return result;
  const [rows, assignees, contacts, user] = await Promise.all([
    db
      .selectFrom('appointments as a')
      .innerJoin('booking_calendars as c', 'c.id', 'a.calendar_id')
      .select([
        'a.id',
        'a.version',
        'a.status',
        'a.start_at',
        'a.end_at',
        'a.title',
        'a.location',
        'c.location as calendar_location',
        'c.type',
      ])
      .where('a.id', 'in', wanted)
      .execute(),
    db
      .selectFrom('appointment_assignees')
      .select(['appointment_id', 'user_id'])
      .where('appointment_id', 'in', wanted)
      .where('status', '=', 'confirmed')
      .orderBy('user_id')
      .execute(),
    db
      .selectFrom('attendees as t')
      .innerJoin('contacts as k', 'k.id', 't.contact_id')
      .select(['t.appointment_id', 'k.name', 'k.email', 'k.phone'])
      .where('t.appointment_id', 'in', wanted)
      .where('t.status', '=', 'confirmed')
      .orderBy('t.created_at')
      .orderBy('t.id')
      .execute(),
    db.selectFrom('users').select('timezone').where('id', '=', zoneUserId).executeTakeFirst(),
  ]);
  for (const row of rows) {
    const url = appointmentUrl(publicUrl, row.id);
    result.set(row.id, {
      id: row.id,
      version: String(row.version),
      status: row.status,
      start: row.start_at,
      end: row.end_at,
      title: row.title,
      description: appointmentDescription(
        contacts.filter((c) => c.appointment_id === row.id),
        url,
      ),
      location: row.location ?? row.calendar_location ?? '',
      url,
      timezone: user?.timezone ?? 'UTC',
      assignedUserIds: assignees.filter((a) => a.appointment_id === row.id).map((a) => a.user_id),
      writesToCalendar: pushesToExternalCalendars(row.type),
    });
  }
  return result;
}

/** Appointments with these ids to which the user is assigned (any status), each with the user's link. */
export async function loadLinkedAppointments(
  db: Kysely<DB>,
  userId: string,
  ids: readonly string[],
  publicUrl: string,
): Promise<LinkedAppointment[]> {
  const wanted = [...new Set(ids)].filter(isUuid);
  if (wanted.length === 0) return [];
  const [assigned, links] = await Promise.all([
    db
      .selectFrom('appointment_assignees')
      .select('appointment_id')
      .where('user_id', '=', userId)
      .where('appointment_id', 'in', wanted)
      .execute(),
    db.selectFrom('appointment_links').selectAll().where('user_id', '=', userId).where('appointment_id', 'in', wanted).execute(),
  ]);
  const appointments = await loadAppointmentsForSync(
    db,
    assigned.map((a) => a.appointment_id),
    userId,
    publicUrl,
  );
  const out: LinkedAppointment[] = [];
  for (const id of wanted) {
    const appointment = appointments.get(id);
    if (appointment === undefined) continue;
    const link = links.find((l) => l.appointment_id === id);
    out.push({ appointment, link: link === undefined ? null : toRemoteLink(link) });
  }
  return out;
}

/** The user's confirmed appointments overlapping any of the ranges (half-open: touching is not overlapping). */
export async function loadConfirmedAppointmentSpans(
  db: Kysely<DB>,
  userId: string,
  ranges: readonly TimeRange[],
): Promise<AppointmentSpan[]> {
  if (ranges.length === 0) return [];
  const rows = await db
    .selectFrom('appointments as a')
    .innerJoin('appointment_assignees as aa', 'aa.appointment_id', 'a.id')
    .select(['a.id', 'a.start_at', 'a.end_at'])
    .where('aa.user_id', '=', userId)
    .where('aa.status', '=', 'confirmed')
    .where('a.status', '=', 'confirmed')
    .where((eb) => eb.or(ranges.map((r) => eb.and([eb('a.start_at', '<', r.end), eb('a.end_at', '>', r.start)]))))
    .orderBy('a.start_at')
    .orderBy('a.id')
    .execute();
  return rows.map((r) => ({ id: r.id, start: r.start_at, end: r.end_at }));
}
