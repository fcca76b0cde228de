import { z } from 'zod';
import { DateTime } from 'luxon';
import { errorCodeList } from '../services/app-error.ts';

/** Request/response shapes shared by several routes; OpenAPI is generated from these. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodeList).describe('Stable code; every code with its status and message: GET /api/errors'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/**
 * Text from outside. PostgreSQL text cannot hold a NUL character, so it is refused here — by the
 * schema, as a 400 that names the field — instead of failing in the database. Every string a
 * request carries goes through this (or a format, such as an email, that cannot contain NUL).
 */
export const hasNoNul = (value: string): boolean => !value.includes('\u0000');
const NO_NUL = 'must not contain NUL characters (\\u0000)';
export const text = () => z.string().refine(hasNoNul, NO_NUL);

/** Every id is a UUID (PostgreSQL `uuid`): anything else is a 400 from the schema, never a query. */
export const id = () => z.guid('must be a UUID');

/**
 * Instants and dates a booking system has business with: from 1970 to 2199. Beyond that, date
 * arithmetic (time zones, recurrences) and PostgreSQL's ranges stop being meaningful or valid.
 */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);
const IN_RANGE = 'must be between 1970 and 2199';
export const isoInstant = z.iso
  .datetime({ offset: true })
  .refine((value) => {
    const ms = Date.parse(value);
    return ms >= EARLIEST && ms < LATEST;
  }, IN_RANGE)
  .describe('ISO-8601 instant with offset, e.g. 2026-12-01T09:00:00Z');
export const localDate = z.iso
  .date()
  .refine((value) => value >= '1970-01-01' && value < '2200-01-01', IN_RANGE)
  .describe('local date, YYYY-MM-DD');
/** A local date-time that exists on the calendar (no 30 February, no 25:99). */
export const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'local date-time YYYY-MM-DDTHH:mm')
  .refine((value) => DateTime.fromISO(value, { zone: 'UTC' }).isValid, 'is not a real date and time')
  .refine((value) => value >= '1970-01-01' && value < '2200-01-01', IN_RANGE);

/** Whole numbers stored in an `integer` column: within PostgreSQL's 32-bit range. */
export const INT4_MAX = 2_147_483_647;

export const timeZone = text().min(1).max(64).describe('IANA time zone, e.g. Europe/London');
export const idParam = z.object({ id: id() });
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:mm');
export const timeRange = z.object({ start: timeOfDay, end: timeOfDay }).refine((r) => r.start < r.end, 'end must come after start');
export const weeklyHours = z
  .partialRecord(z.enum(['1', '2', '3', '4', '5', '6', '7']), z.array(timeRange).max(12))
  .describe('ISO weekday (1 = Monday) → working ranges in local time');
export const email = () => z.email().max(320);
export const contactInput = z.object({ name: text().trim().min(1).max(200), email: email(), phone: text().max(50).nullish() });

/** Whether invitations not yet answered (or answered "maybe") block availability (decision 0016). */
export const invitationPolicy = z
  .enum(['block', 'free'])
  .describe('block: unanswered and tentative invitations block availability (default); free: they are shown but do not block');

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['owner', 'admin', 'member']),
    timezone: z.string(),
    weeklyHours: z.record(z.string(), z.array(z.object({ start: z.string(), end: z.string() }))),
    invitationPolicy: invitationPolicy,
  })
  .meta({ id: 'User' });

export const appointmentSchema = z
  .object({
    id: z.string(),
    calendarId: z.string(),
    serviceId: z.string().nullable(),
    start: z.string(),
    end: z.string(),
    status: z.enum(['confirmed', 'cancelled']),
    title: z.string(),
    location: z.string().nullable(),
    assigneeIds: z.array(z.string()),
    seatsTaken: z.number(),
    attendees: z.array(
      z.object({
        id: z.string(),
        contactId: z.string(),
        name: z.string(),
        email: z.string(),
        seats: z.number(),
        status: z.enum(['confirmed', 'cancelled']),
      }),
    ),
    removedFromICloud: z.boolean(),
    overlapFlagged: z.boolean(),
  })
  .meta({ id: 'Appointment' });

export const bookingResultSchema = z
  .object({ appointment: appointmentSchema, attendeeId: z.string(), manageToken: z.string() })
  .meta({ id: 'BookingResult' });

export const freeSlotSchema = z
  .object({
    start: z.string(),
    end: z.string(),
    localStart: z.string(),
    localEnd: z.string(),
    seatsLeft: z.number(),
    available: z.number(),
  })
  .meta({ id: 'FreeSlot' });

export const slotQuery = z.object({ from: isoInstant, to: isoInstant, timezone: timeZone.default('UTC'), serviceId: id().optional() });

export const bookingBody = z.object({
  start: isoInstant,
  serviceId: id().optional(),
  seats: z.number().int().min(1).max(9999).default(1),
  contact: contactInput,
  timezone: timeZone.optional().describe("The booker's IANA zone: their e-mails show times in it"),
});

/** Standard error responses every authenticated route may give. */
export const authErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema } as const;
