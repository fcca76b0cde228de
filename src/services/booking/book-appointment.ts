import type { Transaction } from 'kysely';
import { IANAZone } from 'luxon';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { loadSlotQuery } from '../availability/load-slot-query.ts';
import { loadCalendarView, type CalendarView } from '../calendars/calendar-view.ts';
import type { ServiceContext } from '../context.ts';
import { runIdempotent, type Outcome } from '../idempotency.ts';
import { hashSecret, newSecret } from '../auth/tokens.ts';
import { checkBookable } from './check-bookable.ts';
import { chooseAssignees } from './choose-assignees.ts';
import { loadAppointmentView, type AppointmentView } from './appointment-view.ts';
import { insertBooking } from './insert-booking.ts';
import { pushesToExternalCalendars } from '../../domain/calendar-type.ts';
import { retryOnConflict } from './retry-on-conflict.ts';
import { upsertContact, type ContactInput } from './booking-rows.ts';
import { assigneeRange } from '../../domain/assignee-range.ts';
import { lockSessionSlot, takeSeats } from './appointment-changes.ts';
import { recordAppointmentNotice, type NoticeSubject } from '../notifications/record-appointment-notice.ts';
import type { ChangeCause } from '../notifications/message-content.ts';

export type { ContactInput };

export interface BookAppointmentOptions {
  workspaceId: string;
  calendarId: string;
  start: Date;
  serviceId: string | null;
  seats: number;
  contact: ContactInput;
  idempotencyKey: string | null;
  importedBusy: ImportedBusySource;
  /** The booker's IANA zone: their e-mails show times in it (default: the assignee's zone). */
  timezone?: string | null;
  /** Who books: the client on the public page (default) or staff for a client. */
  cause?: ChangeCause;
  /** The calendar's view when the caller has just read it (findPublicCalendar): not read again. */
  calendar?: CalendarView;
}

export interface BookingResult {
  appointment: AppointmentView;
  attendeeId: string;
  /** Lets the client reschedule or cancel without an account; shown once, stored hashed. */
  manageToken: string;
}

/**
 * Books one slot. The guarantee against double booking is the database's: availability is
 * re-checked inside the transaction, the exclusion constraint refuses overlapping assignments
 * (the loser hears `slot_taken`), and class seats are counted under a lock on the session.
 */
export async function bookAppointment(ctx: ServiceContext, options: BookAppointmentOptions): Promise<Outcome<BookingResult>> {
  const calendar = options.calendar ?? (await loadCalendarView(ctx.db, options.workspaceId, options.calendarId));
  if (options.timezone && !IANAZone.isValidZone(options.timezone)) throw new AppError('invalid_timezone');
  if (options.seats > 1 && calendar.type !== 'class' && calendar.type !== 'event') {
    throw new AppError('validation_failed', { message: 'Only class and event calendars take more than one seat per booking.' });
  }
  const key = options.idempotencyKey
    ? {
        scope: `booking:${calendar.id}`,
        key: options.idempotencyKey,
        request: { ...options, importedBusy: undefined, idempotencyKey: undefined, calendar: undefined },
      }
    : null;
  // One retry per member: each lost race removes one member from the free set.
  return retryOnConflict(calendar.members.length + 1, () =>
    runIdempotent(ctx.db, key, async (trx) => ({ status: 201, body: await bookInTransaction(ctx, trx, calendar, options) })),
  );
}

async function bookInTransaction(
  ctx: ServiceContext,
  trx: Transaction<DB>,
  calendar: CalendarView,
  options: BookAppointmentOptions,
): Promise<BookingResult> {
  const start = options.start.getTime();
  const sessionBased = calendar.type === 'class' || calendar.type === 'event';
  if (sessionBased) await lockSessionSlot(trx, calendar.id, start);
  // A daily limit or equal distribution counts this calendar's bookings: serialise the calendar.
  if (calendar.dailyLimit !== null || calendar.distribution === 'equal') {
    await trx.selectFrom('booking_calendars').select('id').where('id', '=', calendar.id).forUpdate().execute();
  }

  const now = ctx.now();
  const query = await loadSlotQuery(trx, {
    calendar,
    serviceId: options.serviceId,
    range: { start, end: start + 1 },
    now,
    importedBusy: options.importedBusy,
  });
  const slot = checkBookable(query, start);
  if (slot.seatsLeft < options.seats) throw new AppError('slot_taken', { message: `Only ${slot.seatsLeft} seat(s) left in that slot.` });

  const secret = newSecret('tdm');
  let appointmentId: string;
  let attendeeId: string;
  /** A one-off booking's view is known from what was written; a class session's is read back. */
  let view: AppointmentView | null = null;
  let noticeSubject: NoticeSubject | undefined;
  if (sessionBased) {
    const contactId = await upsertContact(trx, options.workspaceId, options.contact);
    ({ appointmentId } = await takeSeats(trx, {
      calendar,
      workspaceId: options.workspaceId,
      start,
      end: slot.end,
      seats: options.seats,
      hostId: slot.userIds[0]!,
      now,
    }));
    const attendee = await trx
      .insertInto('attendees')
      .values({
        workspace_id: options.workspaceId,
        appointment_id: appointmentId,
        contact_id: contactId,
        seats: options.seats,
        secret_hash: hashSecret(secret),
        timezone: options.timezone ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    attendeeId = attendee.id;
  } else {
    const assigneeIds = await chooseAssignees(trx, calendar, query, slot, now);
    const service = calendar.services.find((s) => s.id === options.serviceId);
    const title = `${service?.name ?? calendar.name} with ${options.contact.name}`;
    const inserted = await insertBooking(trx, {
      workspaceId: options.workspaceId,
      calendarId: calendar.id,
      serviceId: service?.id ?? null,
      start: new Date(start),
      end: new Date(slot.end),
      title,
      location: calendar.location,
      assigneeIds,
      during: assigneeRange(calendar, start, slot.end),
      outboxUserIds: pushesToExternalCalendars(calendar.type) ? assigneeIds : [],
      contact: options.contact,
      seats: options.seats,
      secretHash: hashSecret(secret),
      timezone: options.timezone ?? null,
      now,
    });
    ({ appointmentId, attendeeId, noticeSubject } = inserted);
    view = {
      id: appointmentId,
      calendarId: calendar.id,
      serviceId: service?.id ?? null,
      start: new Date(start).toISOString(),
      end: new Date(slot.end).toISOString(),
      status: 'confirmed',
      title,
      location: calendar.location,
      assigneeIds: [...assigneeIds].sort(),
      seatsTaken: 1,
      attendees: [
        {
          id: attendeeId,
          contactId: inserted.contactId,
          name: inserted.contactName,
          email: inserted.contactEmail,
          seats: options.seats,
          status: 'confirmed',
        },
      ],
      removedFromICloud: false,
      overlapFlagged: false,
    };
  }
  const manageToken = `${attendeeId}.${secret}`;
  await recordAppointmentNotice(trx, {
    workspaceId: options.workspaceId,
    appointmentId,
    change: 'created',
    cause: options.cause ?? 'client',
    now,
    attendeeIds: [attendeeId],
    manageLink: { url: `${ctx.publicUrl}/manage/${manageToken}`, secretBox: ctx.secretBox },
    ...(noticeSubject && { subject: noticeSubject }),
  });
  return { appointment: view ?? (await loadAppointmentView(trx, options.workspaceId, appointmentId)), attendeeId, manageToken };
}
