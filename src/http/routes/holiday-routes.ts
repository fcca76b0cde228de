import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appointmentsInImportedBlock } from '../../services/holidays/appointments-in-imported-block.ts';
import { cancelAppointmentsInImportedBlock } from '../../services/holidays/cancel-appointments-in-imported-block.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { notifyAppointmentChanges } from './appointment-change-hook.ts';
import { appointmentSchema, authErrors } from '../schemas.ts';

const blockParam = z.object({
  id: z.string().min(1).max(64).describe("an imported block's id from GET /api/blocked-slots, e.g. imported-42"),
});

/** Holidays: the appointments an imported block (all-day, multi-day) overlaps, and cancelling them all. */
export const holidayRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx, onAppointmentChange }) => {
  requireAuthentication(app, ctx);
  notifyAppointmentChanges(app, onAppointmentChange);
  app.get(
    '/api/blocked-slots/:id/appointments',
    {
      schema: {
        tags: ['blocked slots'],
        summary: 'Confirmed appointments overlapping an imported block',
        params: blockParam,
        response: {
          200: z.object({
            block: z.object({
              id: z.string(),
              userId: z.string(),
              title: z.string(),
              start: z.string(),
              end: z.string(),
              allDay: z.boolean(),
            }),
            appointments: z.array(appointmentSchema),
          }),
          ...authErrors,
        },
      },
    },
    async (request) => {
      const { actor } = request;
      const { block, appointments } = await appointmentsInImportedBlock(ctx, { actor, blockId: request.params.id });
      return { block: { ...block, start: block.start.toISOString(), end: block.end.toISOString() }, appointments };
    },
  );
  app.post(
    '/api/blocked-slots/:id/cancel-appointments',
    {
      schema: {
        tags: ['blocked slots'],
        summary: 'Cancel every appointment overlapping an imported block (each client told once)',
        params: blockParam,
        response: { 200: z.array(appointmentSchema), ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return cancelAppointmentsInImportedBlock(ctx, { actor, blockId: request.params.id });
    },
  );
};
