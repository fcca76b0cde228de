import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { IANAZone } from 'luxon';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { loadSlotQuery, loadSlotQueryCheckingCalendar } from '../availability/load-slot-query.ts';
import { loadCalendarView, type CalendarView } from '../calendars/calendar-view.ts';
import type { ServiceContext } from '../context.ts';
import { runIdempotent, type Outcome } from '../idempotency.ts';
import { hashSecret, newSecret } from '../auth/tokens.ts';
import { checkBookable } from './check-bookable.ts';
import { chooseAssignees } from './choose-assignees.ts';
import { loadAppointmentView, type AppointmentView } from './appointment-view.ts';
import { insertBooking, NEW_APPOINTMENT_VERSION } from './insert-booking.ts';
import { loadBookingFacts, type BookingFacts, type KeptCalendarToVerify } from './booking-facts.ts';
import { readPublicCalendar } from '../calendars/find-public-calendar.ts';
import type { Slot, SlotQuery } from '../../domain/slots.ts';
import { pushesToExternalCalendars } from '../../domain/calendar-type.ts';
import { retryOnConflict } from './retry-on-conflict.ts';
import { upsertContact, type ContactInput } from './booking-rows.ts';
import { assigneeRange } from '../../domain/assignee-range.ts';
import { lockSessionSlot, takeSeats } from './appointment-changes.ts';
import { planAppointmentNotice, recordAppointmentNotice, type NoticeSubject } from '../notifications/record-appointment-notice.ts';
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
  /**
   * What the notice needs, when the caller read it with the calendar (findPublicCalendar): not read
   * again. `{ toVerify }`: the calendar view is a kept one, and the booking's slot statement reads the
   * calendar's version and the facts (the booking is booked afresh from the calendar as it is when
   * that version moved).
   */
  facts?: BookingFacts | KeptCalendarToVerify;
}

export interface BookingResult {
  appointment: AppointmentView;
  attendeeId: string;
  /** Lets the client reschedule or cancel without an account; shown once, stored hashed. */
  manageToken: string;
}

/**
 * Books one slot. The guarantee against double booking is the database's: availability is
 * re-checked right before the write (inside the transaction when something must be locked), the
 * exclusion constraint refuses overlapping assignments (the loser hears `slot_taken`), and class
 * seats are counted under a lock on the session.
 */
export async function bookAppointment(ctx: ServiceContext, options: BookAppointmentOptions): Promise<Outcome<BookingResult>> {
  if (options.facts && 'toVerify' in options.facts) {
    const kept = options.calendar && (await bookWithKeptCalendar(ctx, options.calendar, options, options.facts.toVerify));
    if (kept) return kept;
    // The kept view did not hold (or this booking needs more than one statement): as findPublicCalendar
    // would have answered without it.
    const fresh = await readPublicCalendar(ctx.db, options.calendarId, { withBookingFacts: true });
    return bookAppointment(ctx, { ...options, workspaceId: fresh.workspaceId, calendar: fresh.calendar, facts: fresh.bookingFacts! });
  }
  const facts = options.facts;
  const calendar = options.calendar ?? (await loadCalendarView(ctx.db, options.workspaceId, options.calendarId));
  if (options.timezone && !IANAZone.isValidZone(options.timezone)) throw new AppError('invalid_timezone');
  if (options.seats > 1 && calendar.type !== 'class' && calendar.type !== 'event') {
    throw new AppError('validation_failed', { message: 'Only class and event calendars take more than one seat per booking.' });
  }
  const key = options.idempotencyKey
    ? {
        scope: `booking:${calendar.id}`,
        key: options.idempotencyKey,
        request: { ...options, importedBusy: undefined, idempotencyKey: undefined, calendar: undefined, facts: undefined },
      }
    : null;
  // One retry per member: each lost race removes one member from the free set.
  return retryOnConflict(calendar.members.length + 1, () =>
    key === null && !needsTransaction(calendar)
      ? bookInOneStatement(ctx, calendar, options, facts).then((body) => ({ status: 201, body, replayed: false }))
      : runIdempotent(ctx.db, key, async (trx) => ({ status: 201, body: await bookInTransaction(ctx, trx, calendar, options, facts) })),
  );
}

/** The kept calendar view no longer is the calendar's (or a member's blocking calendars changed). */
class KeptCalendarMoved extends Error {}

/**
 * A one-off booking from a kept calendar view (findPublicCalendar's `toVerify`): the slot statement
 * also reads the calendar's version and the booking facts, and the booking goes on only when that
 * version is the view's — the rows were read for the view's members and rules, and any change to
 * the calendar, its members or services, made by any server, moves the version
 * (calendar-view.ts). Members whose blocking calendars appeared since the last read would have had
 * their imported busy time left out: then, too, the booking starts again from a fresh read. Null
 * when the booking must start again so (or needs more than this one statement: a transaction, an
 * Idempotency-Key, errors found from the view alone).
 */
async function bookWithKeptCalendar(
  ctx: ServiceContext,
  calendar: CalendarView,
  options: BookAppointmentOptions,
  kept: KeptCalendarToVerify['toVerify'],
): Promise<Outcome<BookingResult> | null> {
  if (options.idempotencyKey || needsTransaction(calendar) || options.seats > 1) return null;
  if (options.timezone && !IANAZone.isValidZone(options.timezone)) return null;
  // Refusals found from the view alone (a service it does not offer, no members) are given by the
  // fresh read instead: the calendar may have changed since the view was kept.
  let verified = false;
  try {
    return await retryOnConflict(calendar.members.length + 1, async () => {
      const start = options.start.getTime();
      const now = ctx.now();
      const read = await loadSlotQueryCheckingCalendar(ctx.db, {
        calendar,
        serviceId: options.serviceId,
        range: { start, end: start + 1 },
        now,
        importedBusy: options.importedBusy,
        importedBusyUsers: kept.importedBusyUsers,
        workspaceId: options.workspaceId,
      });
      const { version, facts } = read.calendar;
      if (version !== kept.version || facts.importedBusyUsers.some((id) => !kept.importedBusyUsers.includes(id))) {
        throw new KeptCalendarMoved();
      }
      verified = true;
      const query = read.slotQuery();
      const slot = checkBookable(query, start);
      const body = await writeOneOff(ctx, ctx.db, { calendar, options, query, slot, now, facts });
      return { status: 201, body, replayed: false };
    });
  } catch (error) {
    if (error instanceof KeptCalendarMoved || (!verified && error instanceof AppError)) return null;
    throw error;
  }
}

function isSessionBased(calendar: CalendarView): boolean {
  return calendar.type === 'class' || calendar.type === 'event';
}

/**
 * Seats, a daily limit and equal distribution count what is already booked, under a lock held
 * until the booking commits; an Idempotency-Key is claimed in the booking's transaction. Any other
 * one-off booking is a check and one statement: its reads take no lock (under READ COMMITTED each
 * statement of a transaction reads its own snapshot, so reading before the write leaves the same
 * window as reading inside the transaction did), and the exclusion constraint refuses an overlap.
 */
function needsTransaction(calendar: CalendarView): boolean {
  return isSessionBased(calendar) || calendar.dailyLimit !== null || calendar.distribution === 'equal';
}

/** A one-off booking without a transaction: reads (no lock), the check, then one statement writes it all. */
async function bookInOneStatement(
  ctx: ServiceContext,
  calendar: CalendarView,
  options: BookAppointmentOptions,
  knownFacts: BookingFacts | undefined,
): Promise<BookingResult> {
  const start = options.start.getTime();
  const now = ctx.now();
  const [query, facts] = await Promise.all([
    loadSlotQuery(ctx.db, {
      calendar,
      serviceId: options.serviceId,
      range: { start, end: start + 1 },
      now,
      importedBusy: options.importedBusy,
      // Read with the calendar a moment ago (findPublicCalendar): members without a blocking
      // calendar have no imported busy time, so it is not read for them (issue 13.4).
      ...(knownFacts && { importedBusyUsers: knownFacts.importedBusyUsers }),
    }),
    knownFacts ?? loadBookingFacts(ctx.db, options.workspaceId, calendar.id),
  ]);
  const slot = checkBookable(query, start);
  return writeOneOff(ctx, ctx.db, { calendar, options, query, slot, now, facts });
}

async function bookInTransaction(
  ctx: ServiceContext,
  trx: Transaction<DB>,
  calendar: CalendarView,
  options: BookAppointmentOptions,
  knownFacts: BookingFacts | undefined,
): Promise<BookingResult> {
  const start = options.start.getTime();
  const sessionBased = isSessionBased(calendar);
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

  if (!sessionBased) {
    const facts = knownFacts ?? (await loadBookingFacts(trx, options.workspaceId, calendar.id));
    return writeOneOff(ctx, trx, { calendar, options, query, slot, now, facts });
  }

  const secret = newSecret('tdm');
  const contactId = await upsertContact(trx, options.workspaceId, options.contact);
  const { appointmentId } = await takeSeats(trx, {
    calendar,
    workspaceId: options.workspaceId,
    start,
    end: slot.end,
    seats: options.seats,
    hostId: slot.userIds[0]!,
    now,
  });
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
  const manageToken = `${attendee.id}.${secret}`;
  await recordAppointmentNotice(trx, {
    workspaceId: options.workspaceId,
    appointmentId,
    change: 'created',
    cause: options.cause ?? 'client',
    now,
    attendeeIds: [attendee.id],
    manageLink: { url: `${ctx.publicUrl}/manage/${manageToken}`, secretBox: ctx.secretBox },
  });
  return { appointment: await loadAppointmentView(trx, options.workspaceId, appointmentId), attendeeId: attendee.id, manageToken };
}

/**
 * Writes a one-off booking (not a class or event seat) and its notice in one statement
 * (insertBooking), on `db` — the booking's transaction or, with nothing to lock, the pool. Its ids
 * are chosen here, so the notice is planned before the write; its view is built from what was
 * written instead of read back.
 */
async function writeOneOff(
  ctx: ServiceContext,
  db: Kysely<DB>,
  input: { calendar: CalendarView; options: BookAppointmentOptions; query: SlotQuery; slot: Slot; now: Date; facts: BookingFacts },
): Promise<BookingResult> {
  const { calendar, options, query, slot, now, facts } = input;
  if (slot.seatsLeft < options.seats) throw new AppError('slot_taken', { message: `Only ${slot.seatsLeft} seat(s) left in that slot.` });
  const assigneeIds = await chooseAssignees(db, calendar, query, slot, now);
  const service = calendar.services.find((s) => s.id === options.serviceId);
  const title = `${service?.name ?? calendar.name} with ${options.contact.name}`;
  const appointmentId = randomUUID();
  const attendeeId = randomUUID();
  const secret = newSecret('tdm');
  const manageToken = `${attendeeId}.${secret}`;
  const contact = { name: options.contact.name, email: options.contact.email.trim(), phone: options.contact.phone ?? null };
  const subject: NoticeSubject = {
    id: appointmentId,
    title,
    start_at: new Date(slot.start),
    end_at: new Date(slot.end),
    location: calendar.location,
    status: 'confirmed',
    version: NEW_APPOINTMENT_VERSION,
    removed_from_remote: false,
    overlap_flagged: false,
    calendar_id: calendar.id,
    calendar_name: calendar.name,
    calendar_type: calendar.type,
    settings: facts.settings,
    attendees: [{ id: attendeeId, status: 'confirmed', timezone: options.timezone ?? null, seats: options.seats, ...contact }],
    staff: facts.staff.filter((s) => assigneeIds.includes(s.id)),
  };
  const notice = planAppointmentNotice(subject, {
    workspaceId: options.workspaceId,
    appointmentId,
    change: 'created',
    cause: options.cause ?? 'client',
    now,
    manageLink: { url: `${ctx.publicUrl}/manage/${manageToken}`, secretBox: ctx.secretBox },
  });
  const inserted = await insertBooking(db, {
    appointmentId,
    attendeeId,
    workspaceId: options.workspaceId,
    calendarId: calendar.id,
    serviceId: service?.id ?? null,
    start: new Date(slot.start),
    end: new Date(slot.end),
    title,
    location: calendar.location,
    assigneeIds,
    during: assigneeRange(calendar, slot.start, slot.end),
    outboxUserIds: pushesToExternalCalendars(calendar.type) ? assigneeIds : [],
    contact: options.contact,
    seats: options.seats,
    secretHash: hashSecret(secret),
    timezone: options.timezone ?? null,
    now,
    notice,
  });
  const appointment: AppointmentView = {
    id: appointmentId,
    calendarId: calendar.id,
    serviceId: service?.id ?? null,
    start: subject.start_at.toISOString(),
    end: subject.end_at.toISOString(),
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
  return { appointment, attendeeId, manageToken };
}
