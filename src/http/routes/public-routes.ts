import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findPublicCalendar } from '../../services/calendars/find-public-calendar.ts';
import { getFreeSlots } from '../../services/availability/get-free-slots.ts';
import { bookAppointment } from '../../services/booking/book-appointment.ts';
import { cancelBooking } from '../../services/booking/cancel-booking.ts';
import { rescheduleBooking } from '../../services/booking/reschedule-booking.ts';
import { resolveManageToken } from '../../services/booking/resolve-manage-token.ts';
import { loadAppointmentView } from '../../services/booking/appointment-view.ts';
import type { ClientBooking } from '../../services/booking/appointment-view.ts';
import type { HttpDeps } from '../deps.ts';
import { bookingBody, errorSchema, freeSlotSchema, id, isoInstant, slotQuery, text } from '../schemas.ts';
import { idempotencyKeyHeader } from './idempotency-header.ts';
import { notifyAppointmentChanges } from './appointment-change-hook.ts';
import { limitBy } from '../rate-limits.ts';
import { compiledSerializerFor } from '../compiled-serializer.ts';

const publicCalendarSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    durationMin: z.number(),
    seats: z.number(),
    location: z.string().nullable(),
    services: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        durationMin: z.number(),
        priceCents: z.number().nullable(),
        currency: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'PublicCalendar' });

/** What a client may see of a booking: no staff ids, no other attendees. */
const publicBookingSchema = z
  .object({
    calendarId: z.string(),
    serviceId: z.string().nullable(),
    start: z.string(),
    end: z.string(),
    status: z.enum(['confirmed', 'cancelled']),
    title: z.string(),
    location: z.string().nullable(),
    seats: z.number(),
  })
  .meta({ id: 'PublicBooking' });

/** The answer to a booking: what the client may see of it and the secret of its manage link (shown once). */
export const bookedSchema = z.object({ booking: publicBookingSchema, manageToken: z.string() });

const publicErrors = { 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema } as const;
const calendarParam = z.object({ calendarId: id() });
const tokenParam = z.object({ token: text().min(1).max(200) });

function toPublicBooking({ appointment: view, attendeeId }: ClientBooking) {
  const attendee = view.attendees.find((a) => a.id === attendeeId);
  return {
    calendarId: view.calendarId,
    serviceId: view.serviceId,
    start: view.start,
    end: view.end,
    status: attendee?.status ?? view.status,
    title: view.title,
    location: view.location,
    seats: attendee?.seats ?? 1,
  };
}

/** Unauthenticated endpoints of the booking page; a booking is managed by its secret link. */
export const publicRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx, importedBusy, onAppointmentChange }) => {
  notifyAppointmentChanges(app, onAppointmentChange);
  app.get(
    '/api/public/calendars/:calendarId',
    { schema: { tags: ['public'], params: calendarParam, response: { 200: publicCalendarSchema, ...publicErrors } } },
    async (request) => {
      const { calendar } = await findPublicCalendar(ctx.db, request.params.calendarId);
      return { ...calendar, services: calendar.services.map(({ staffIds: _staff, ...service }) => service) };
    },
  );

  app.get(
    '/api/public/calendars/:calendarId/slots',
    {
      schema: {
        tags: ['public'],
        summary: "Free slots of a calendar, in the booker's time zone",
        params: calendarParam,
        querystring: slotQuery,
        response: { 200: z.array(freeSlotSchema), ...publicErrors },
      },
    },
    async (request) => {
      const { workspaceId, calendar } = await findPublicCalendar(ctx.db, request.params.calendarId);
      const q = request.query;
      return getFreeSlots(ctx, {
        workspaceId,
        calendarId: calendar.id,
        from: new Date(q.from),
        to: new Date(q.to),
        timezone: q.timezone,
        serviceId: q.serviceId ?? null,
        importedBusy,
        calendar,
      });
    },
  );

  app.post(
    '/api/public/calendars/:calendarId/bookings',
    {
      schema: {
        tags: ['public'],
        summary: 'Book a slot; answers 409 slot_taken when someone was faster',
        params: calendarParam,
        headers: idempotencyKeyHeader,
        body: bookingBody,
        response: { 201: bookedSchema, ...publicErrors, 429: errorSchema },
      },
      // The busiest answer on the server: its 201 is written by a compiled serializer (issue 13.4).
      serializerCompiler: compiledSerializerFor([201]),
      preHandler: limitBy(app, 'publicBooking'),
    },
    async (request, reply) => {
      const { workspaceId, calendar, bookingFacts } = await findPublicCalendar(ctx.db, request.params.calendarId, {
        withBookingFacts: true,
      });
      const b = request.body;
      const outcome = await bookAppointment(ctx, {
        workspaceId,
        calendarId: calendar.id,
        start: new Date(b.start),
        serviceId: b.serviceId ?? null,
        seats: b.seats,
        contact: b.contact,
        idempotencyKey: request.headers['idempotency-key'] ?? null,
        importedBusy,
        timezone: b.timezone ?? null,
        cause: 'client',
        calendar,
        ...(bookingFacts && { facts: bookingFacts }),
      });
      return reply
        .status(outcome.status as 201)
        .header('idempotent-replayed', String(outcome.replayed))
        .send({ booking: toPublicBooking(outcome.body), manageToken: outcome.body.manageToken });
    },
  );

  app.get(
    '/api/public/bookings/:token',
    { schema: { tags: ['public'], params: tokenParam, response: { 200: publicBookingSchema, ...publicErrors } } },
    async (request) => {
      const booking = await resolveManageToken(ctx.db, request.params.token);
      return toPublicBooking({
        appointment: await loadAppointmentView(ctx.db, booking.workspaceId, booking.appointmentId),
        attendeeId: booking.attendeeId,
      });
    },
  );

  app.post(
    '/api/public/bookings/:token/reschedule',
    {
      schema: {
        tags: ['public'],
        params: tokenParam,
        body: z.object({ start: isoInstant }),
        response: { 200: publicBookingSchema, ...publicErrors },
      },
    },
    async (request) => {
      return toPublicBooking(
        await rescheduleBooking(ctx, { manageToken: request.params.token, start: new Date(request.body.start), importedBusy }),
      );
    },
  );

  app.post(
    '/api/public/bookings/:token/cancel',
    {
      schema: {
        tags: ['public'],
        params: tokenParam,
        body: z.object({ reason: z.string().max(1000).optional() }).nullish(),
        response: { 200: publicBookingSchema, ...publicErrors },
      },
    },
    async (request) => {
      return toPublicBooking(await cancelBooking(ctx, { manageToken: request.params.token, reason: request.body?.reason ?? null }));
    },
  );
};
