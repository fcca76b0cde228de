import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createBlockedSlot } from '../../services/blocked-slots/create-blocked-slot.ts';
import { deleteBlockedSlot } from '../../services/blocked-slots/delete-blocked-slot.ts';
import { listBlockedSlots } from '../../services/blocked-slots/list-blocked-slots.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { authErrors, id, idParam, isoInstant, text } from '../schemas.ts';

const blockedSlotSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    start: z.string(),
    end: z.string(),
    title: z.string(),
    source: z.enum(['manual', 'imported']),
    remoteCalendarId: z.string().nullable(),
    allDay: z.boolean(),
    blocks: z.boolean(),
  })
  .meta({ id: 'BlockedSlot' });

export const blockedSlotRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx }) => {
  requireAuthentication(app, ctx);
  app.get(
    '/api/blocked-slots',
    {
      schema: {
        tags: ['blocked slots'],
        summary: 'Manual and imported blocked slots in a window',
        querystring: z.object({ from: isoInstant, to: isoInstant, userId: id().optional() }),
        response: { 200: z.array(blockedSlotSchema), ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return listBlockedSlots(ctx, {
        actor,
        from: new Date(request.query.from),
        to: new Date(request.query.to),
        userId: request.query.userId ?? null,
      });
    },
  );
  app.post(
    '/api/blocked-slots',
    {
      schema: {
        tags: ['blocked slots'],
        summary: 'Block time by hand (never pushed to iCloud)',
        body: z.object({ userId: id(), start: isoInstant, end: isoInstant, title: text().max(200).default('') }),
        response: { 201: blockedSlotSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      const b = request.body;
      return reply
        .status(201)
        .send(await createBlockedSlot(ctx, { actor, userId: b.userId, start: new Date(b.start), end: new Date(b.end), title: b.title }));
    },
  );
  app.delete(
    '/api/blocked-slots/:id',
    { schema: { tags: ['blocked slots'], params: idParam, response: { 204: z.null(), ...authErrors } } },
    async (request, reply) => {
      const { actor } = request;
      await deleteBlockedSlot(ctx, { actor, blockedSlotId: request.params.id });
      return reply.status(204).send(null);
    },
  );
};
