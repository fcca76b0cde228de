import { z } from 'zod';

/** Request/response shapes shared by several routes; OpenAPI is generated from these. */
export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) }).meta({ id: 'Error' });

export const isoInstant = z.iso.datetime({ offset: true }).describe('ISO-8601 instant with offset, e.g. 2026-12-01T09:00:00Z');
export const timeZone = z.string().min(1).max(64).describe('IANA time zone, e.g. Europe/London');
export const idParam = z.object({ id: z.string().min(1).max(64) });
export const timeRange = z.object({ start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:mm'), end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:mm') })
  .refine((r) => r.start < r.end, 'end must come after start');
export const weeklyHours = z.partialRecord(z.enum(['1', '2', '3', '4', '5', '6', '7']), z.array(timeRange).max(12))
  .describe('ISO weekday (1 = Monday) → working ranges in local time');
export const contactInput = z.object({ name: z.string().trim().min(1).max(200), email: z.email().max(320), phone: z.string().max(50).nullish() });

export const userSchema = z.object({
  id: z.string(), email: z.string(), name: z.string(), role: z.enum(['owner', 'admin', 'member']), timezone: z.string(),
  weeklyHours: z.record(z.string(), z.array(z.object({ start: z.string(), end: z.string() }))),
}).meta({ id: 'User' });

export const appointmentSchema = z.object({
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
  attendees: z.array(z.object({ id: z.string(), contactId: z.string(), name: z.string(), email: z.string(), seats: z.number(), status: z.enum(['confirmed', 'cancelled']) })),
  removedFromICloud: z.boolean(),
  overlapFlagged: z.boolean(),
}).meta({ id: 'Appointment' });

export const bookingResultSchema = z.object({ appointment: appointmentSchema, attendeeId: z.string(), manageToken: z.string() }).meta({ id: 'BookingResult' });

export const freeSlotSchema = z.object({ start: z.string(), end: z.string(), localStart: z.string(), localEnd: z.string(), seatsLeft: z.number(), available: z.number() }).meta({ id: 'FreeSlot' });

export const slotQuery = z.object({ from: isoInstant, to: isoInstant, timezone: timeZone.default('UTC'), serviceId: z.string().optional() });

export const bookingBody = z.object({
  start: isoInstant,
  serviceId: z.string().optional(),
  seats: z.number().int().min(1).max(9999).default(1),
  contact: contactInput,
  timezone: timeZone.optional().describe("The booker's IANA zone: their e-mails show times in it"),
});

/** Standard error responses every authenticated route may give. */
export const authErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema } as const;
