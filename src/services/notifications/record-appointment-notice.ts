import { sql, type Kysely } from 'kysely';
import type { AppointmentStatus, DB } from '../../store/schema.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { recordWebhookEvent } from '../webhooks/record-webhook-event.ts';
import type { AppointmentSnapshot, ChangeCause, MessageContent, MessageKind } from './message-content.ts';
import type { WebhookEvent } from '../webhooks/webhook-events.ts';
import { notificationSettingsFrom, type NotificationSettingsRow } from './notification-settings.ts';

export type AppointmentChange = 'created' | 'rescheduled' | 'cancelled' | 'moved_in_calendar' | 'removed_from_calendar';

export interface AppointmentNotice {
  workspaceId: string;
  appointmentId: string;
  change: AppointmentChange;
  cause: ChangeCause;
  now: Date;
  /** The clients it concerns (one seat holder of a class); default: every attendee of the appointment. */
  attendeeIds?: string[];
  /** Only at booking: the client's manage link, sealed into the confirmation (never stored in clear). */
  manageLink?: { url: string; secretBox: SecretBox | undefined };
  previousStart?: Date | null;
  /**
   * Staff who had the appointment before the change and may no longer have it (a Round Robin move
   * given to another member, the session a class client left). Those not among its staff now are
   * told it left their schedule; the rest get the ordinary notice.
   */
  formerStaffIds?: string[];
  reason?: string | null;
  /** A new booking's appointment, clients and staff as its insert returned them: not read again. */
  subject?: NoticeSubject;
}

export interface AttendeeRow {
  id: string;
  status: AppointmentStatus;
  timezone: string | null;
  seats: number;
  name: string;
  email: string;
  phone: string | null;
}
export interface StaffRow {
  id: string;
  name: string;
  email: string;
  timezone: string;
}

interface Recipient {
  email: string;
  name: string;
  zone: string;
  attendeeId: string | null;
  userId: string | null;
}

/** One e-mail a notice queues (a row of `messages`). */
export interface PlannedMessage {
  kind: MessageKind;
  /** The client it goes to (client messages), else null. */
  attendeeId: string | null;
  /** The staff member it goes to (staff messages), else null. */
  userId: string | null;
  recipientEmail: string;
  recipientName: string;
  recipientZone: string;
  content: MessageContent;
  notBefore: Date;
  sealedLink: string | null;
}

/** What a notice writes: its e-mails and the webhook event (recordWebhookEvent's `type` and `data`). */
export interface NoticePlan {
  messages: PlannedMessage[];
  webhook: { type: WebhookEvent; data: Record<string, unknown> };
}

/**
 * Everything an appointment change tells the outside world, written in the change's transaction
 * (like the calendar outbox): client and staff e-mails per the calendar's switches, reminders
 * re-planned from the stored start time, and webhook deliveries. The sender and webhook dispatcher
 * deliver them later; a rollback takes them back with the change. Call inside that transaction.
 */
export async function recordAppointmentNotice(trx: Kysely<DB>, notice: AppointmentNotice): Promise<void> {
  const { workspaceId, appointmentId, change, now } = notice;
  const appointment =
    notice.subject ?? (await readNoticeSubject(trx, workspaceId, appointmentId, notice.attendeeIds ?? null, notice.formerStaffIds ?? []));
  const plan = planAppointmentNotice(appointment, notice);

  // Whatever the change, reminders planned for the old time no longer hold. A new booking's clients
  // are new attendees: nothing is planned for them yet.
  if (change !== 'removed_from_calendar' && change !== 'created' && appointment.attendees.length > 0) {
    await trx
      .updateTable('messages')
      .set({ status: 'skipped', last_error: 'The appointment changed; reminders were planned again from its new time.' })
      .where('kind', '=', 'client_reminder')
      .where('status', '=', 'pending')
      .where(
        'attendee_id',
        'in',
        appointment.attendees.map((a) => a.id),
      )
      .execute();
  }

  // The e-mails ride in the webhook statement as a data-modifying CTE (always executed, whether or
  // not an endpoint subscribed): one round trip fewer in every booking's transaction.
  const writer =
    plan.messages.length === 0
      ? trx
      : trx.with('messages_written', (db) => db.insertInto('messages').values(messageRows(plan.messages, workspaceId, appointmentId)));
  await recordWebhookEvent(writer, { workspaceId, appointmentId, now, ...plan.webhook });
}

/** The `messages` rows of planned e-mails. */
export function messageRows(messages: readonly PlannedMessage[], workspaceId: string, appointmentId: string) {
  return messages.map((m) => ({
    workspace_id: workspaceId,
    appointment_id: appointmentId,
    attendee_id: m.attendeeId,
    user_id: m.userId,
    kind: m.kind,
    recipient_email: m.recipientEmail,
    recipient_name: m.recipientName,
    recipient_zone: m.recipientZone,
    content: JSON.stringify(m.content),
    manage_link_ciphertext: m.sealedLink,
    not_before: m.notBefore,
  }));
}

/**
 * What a change of `appointment` says, to whom (pure): the e-mails per the calendar's switches and
 * the webhook event. A new booking writes these in its own statement (insert-booking.ts); every
 * other change through recordAppointmentNotice.
 */
export function planAppointmentNotice(appointment: NoticeSubject, notice: AppointmentNotice): NoticePlan {
  const { change, now } = notice;
  const settings = notificationSettingsFrom(appointment.settings);
  const { attendees, staff } = appointment;
  // A member who is still assigned hears the ordinary notice, not both.
  const formerStaff = (appointment.former_staff ?? []).filter((f) => !staff.some((s) => s.id === f.id));

  const snapshot: AppointmentSnapshot = {
    id: appointment.id,
    title: appointment.title,
    start: appointment.start_at.toISOString(),
    end: appointment.end_at.toISOString(),
    location: appointment.location,
    calendarName: appointment.calendar_name,
    sequence: appointment.version,
  };
  const base: MessageContent = {
    appointment: snapshot,
    staffNames: staff.map((s) => s.name),
    cause: notice.cause,
    previousStart: notice.previousStart?.toISOString() ?? null,
    reason: notice.reason ?? null,
    changeDeadline:
      settings.clientChangeDeadlineMin === null
        ? null
        : new Date(appointment.start_at.getTime() - settings.clientChangeDeadlineMin * 60_000).toISOString(),
  };
  const fallbackZone = staff[0]?.timezone ?? 'UTC';
  const clients: Recipient[] = attendees.map((a) => ({
    email: a.email,
    name: a.name,
    zone: a.timezone ?? fallbackZone,
    attendeeId: a.id,
    userId: null,
  }));
  const asRecipient = (s: StaffRow): Recipient => ({ email: s.email, name: s.name, zone: s.timezone, attendeeId: null, userId: s.id });
  const staffRecipients = staff.map(asRecipient);
  const messages: PlannedMessage[] = [];
  const push = (kind: MessageKind, to: Recipient, content: MessageContent, notBefore: Date, sealedLink: string | null = null): void => {
    messages.push({
      kind,
      attendeeId: to.attendeeId,
      userId: to.userId,
      recipientEmail: to.email,
      recipientName: to.name,
      recipientZone: to.zone,
      content,
      notBefore,
      sealedLink,
    });
  };

  const live = appointment.status === 'confirmed';
  for (const client of clients) {
    const content: MessageContent = { ...base, contactName: client.name };
    if (change === 'created' && settings.clientConfirmation) {
      const sealed = notice.manageLink?.secretBox ? notice.manageLink.secretBox.encrypt(notice.manageLink.url) : null;
      push('client_confirmed', client, content, now, sealed);
    }
    if ((change === 'rescheduled' || change === 'moved_in_calendar') && settings.clientRescheduled)
      push('client_rescheduled', client, content, now);
    if (change === 'cancelled' && settings.clientCancelled) push('client_cancelled', client, content, now);
    if (live && (change === 'created' || change === 'rescheduled' || change === 'moved_in_calendar') && settings.clientReminder) {
      const attendee = attendees.find((a) => a.id === client.attendeeId);
      if (attendee?.status !== 'confirmed') continue;
      for (const offsetMin of new Set(settings.reminderOffsetsMin)) {
        const at = new Date(appointment.start_at.getTime() - offsetMin * 60_000);
        if (at.getTime() > now.getTime()) push('client_reminder', client, { ...content, offsetMin }, at);
      }
    }
  }
  const clientName = attendees.map((a) => a.name).join(', ');
  for (const member of staffRecipients) {
    const content: MessageContent = { ...base, contactName: clientName };
    if (change === 'created' && settings.staffNewBooking) push('staff_new_booking', member, content, now);
    // A client's own change (through their manage link) is news to the host; staff who moved or
    // cancelled it themselves, here or in their calendar, know already. One switch covers both.
    if (notice.cause === 'client' && settings.staffClientCancelled) {
      if (change === 'cancelled') push('staff_client_cancelled', member, content, now);
      if (change === 'rescheduled') push('staff_client_rescheduled', member, content, now);
    }
  }
  // The member a client's move took the appointment from (a Round Robin reassignment, the session a
  // class client left): without this they would learn it only from their calendar event vanishing.
  if (notice.cause === 'client' && change === 'rescheduled' && settings.staffClientCancelled) {
    for (const member of formerStaff.map(asRecipient)) push('staff_client_moved_away', member, { ...base, contactName: clientName }, now);
  }

  const first = attendees[0];
  return {
    messages,
    webhook: {
      type: `appointment.${change}`,
      data: {
        appointment: {
          id: appointment.id,
          title: appointment.title,
          start: snapshot.start,
          end: snapshot.end,
          status: appointment.status,
          location: appointment.location,
          assigneeIds: staff.map((s) => s.id),
          removedFromCalendar: appointment.removed_from_remote,
          overlapFlagged: appointment.overlap_flagged,
        },
        calendar: { id: appointment.calendar_id, name: appointment.calendar_name, type: appointment.calendar_type },
        contact: first ? { name: first.name, email: first.email, phone: first.phone, timezone: first.timezone } : null,
        attendees: attendees.map((a) => ({ id: a.id, name: a.name, email: a.email, seats: a.seats, status: a.status })),
        cause: notice.cause,
        previousStart: base.previousStart,
        reason: base.reason,
      },
    },
  };
}

/**
 * One statement for everything a notice reads (appointment, calendar, settings, clients, staff): it
 * runs inside every booking's transaction, where each statement is a round trip (issue 13.4).
 * `onlyAttendees`: the clients it concerns, else every confirmed one.
 */
async function readNoticeSubject(
  trx: Kysely<DB>,
  workspaceId: string,
  appointmentId: string,
  onlyAttendees: string[] | null,
  formerStaffIds: string[] = [],
) {
  return trx
    .selectFrom('appointments as a')
    .innerJoin('booking_calendars as c', 'c.id', 'a.calendar_id')
    .select([
      'a.id',
      'a.title',
      'a.start_at',
      'a.end_at',
      'a.location',
      'a.status',
      'a.version',
      'a.removed_from_remote',
      'a.overlap_flagged',
      'c.id as calendar_id',
      'c.name as calendar_name',
      'c.type as calendar_type',
      sql<NotificationSettingsRow | null>`(
        select row_to_json(s) from calendar_notification_settings s where s.workspace_id = a.workspace_id and s.calendar_id = a.calendar_id
      )`.as('settings'),
      sql<AttendeeRow[]>`coalesce((
        select json_agg(json_build_object('id', t.id, 'status', t.status, 'timezone', t.timezone, 'seats', t.seats,
                                          'name', k.name, 'email', k.email, 'phone', k.phone) order by t.created_at)
        from attendees t join contacts k on k.id = t.contact_id
        where t.appointment_id = a.id
          and (case when ${onlyAttendees !== null}::boolean then t.id = any(${onlyAttendees ?? []}::uuid[]) else t.status = 'confirmed' end)
      ), '[]')`.as('attendees'),
      sql<StaffRow[]>`coalesce((
        select json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'timezone', u.timezone) order by u.name)
        from appointment_assignees aa join users u on u.id = aa.user_id
        where aa.appointment_id = a.id
      ), '[]')`.as('staff'),
      // Rides in the same statement (no round trip of its own); empty unless the change names them.
      sql<StaffRow[]>`coalesce((
        select json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'timezone', u.timezone) order by u.name)
        from users u
        where u.workspace_id = a.workspace_id and u.id = any(${formerStaffIds}::uuid[])
      ), '[]')`.as('former_staff'),
    ])
    .where('a.workspace_id', '=', workspaceId)
    .where('a.id', '=', appointmentId)
    .executeTakeFirstOrThrow();
}

/**
 * What a notice says of its appointment: read by the notice, or handed over by the statement that
 * just wrote it (a new booking has no former staff).
 */
export type NoticeSubject = Omit<Awaited<ReturnType<typeof readNoticeSubject>>, 'former_staff'> & { former_staff?: StaffRow[] };
