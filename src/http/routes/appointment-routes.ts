import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bookAppointment } from '../../services/booking/book-appointment.ts';
import { rescheduleAppointment } from '../../services/booking/reschedule-appointment.ts';
import { cancelAppointment } from '../../services/booking/cancel-appointment.ts';
import { loadAppointmentView } from '../../services/booking/appointment-view.ts';
import { listAppointments } from '../../services/appointments/list-appointments.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { appointmentSchema, authErrors, bookingBody, bookingResultSchema, errorSchema, id, idParam, isoInstant } from '../schemas.ts';
import { idempotencyKeyHeader } from './idempotency-header.ts';
import { notifyAppointmentChanges } from './appointment-change-hook.ts';

export const appointmentRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx, importedBusy, onAppointmentChange }) => {
  requireAuthentication(app, ctx);
  notifyAppointmentChanges(app, onAppointmentChange);
  app.get(
    '/api/appointments',
    {
      schema: {
        tags: ['appointments'],
        summary: 'Appointments overlapping a window',
        querystring: z.object({ from: isoInstant, to: isoInstant, calendarId: id().optional(), userId: id().optional() }),
        response: { 200: z.array(appointmentSchema), ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      const q = request.query;
      return listAppointments(ctx, {
        actor,
        from: new Date(q.from),
        to: new Date(q.to),
        calendarId: q.calendarId ?? null,
        userId: q.userId ?? null,
      });
    },
  );

  app.post(
    '/api/appointments',
    {
      schema: {
        tags: ['appointments'],
        summary: 'Book a slot for a client (staff)',
        headers: idempotencyKeyHeader,
        body: bookingBody.extend({ calendarId: id() }),
        response: { 201: bookingResultSchema, ...authErrors, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      const b = request.body;
      const outcome = await bookAppointment(ctx, {
        workspaceId: actor.workspaceId,
        calendarId: b.calendarId,
        start: new Date(b.start),
        serviceId: b.serviceId ?? null,
        seats: b.seats,
        contact: b.contact,
        idempotencyKey: request.headers['idempotency-key'] ?? null,
        importedBusy,
        timezone: b.timezone ?? null,
        cause: 'staff',
      });
      return reply
        .status(outcome.status as 201)
        .header('idempotent-replayed', String(outcome.replayed))
        .send(outcome.body);
    },
  );

  app.get(
    '/api/appointments/:id',
    { schema: { tags: ['appointments'], params: idParam, response: { 200: appointmentSchema, ...authErrors } } },
    async (request) => {
      const { actor } = request;
      return loadAppointmentView(ctx.db, actor.workspaceId, request.params.id);
    },
  );

  app.post(
    '/api/appointments/:id/reschedule',
    {
      schema: {
        tags: ['appointments'],
        summary: 'Move an appointment to another free slot',
        params: idParam,
        body: z.object({ start: isoInstant }),
        response: { 200: appointmentSchema, ...authErrors, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      return rescheduleAppointment(ctx, { actor, appointmentId: request.params.id, start: new Date(request.body.start), importedBusy });
    },
  );

  app.post(
    '/api/appointments/:id/cancel',
    {
      schema: {
        tags: ['appointments'],
        summary: 'Cancel an appointment',
        params: idParam,
        response: { 200: appointmentSchema, ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return cancelAppointment(ctx, { actor, appointmentId: request.params.id });
    },
  );
};
