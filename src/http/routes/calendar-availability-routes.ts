import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { setCalendarBlocking } from '../../services/connections/set-calendar-blocking.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { authErrors } from '../schemas.ts';

const blockingSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    serverTransparent: z.boolean().describe('the server marks the calendar transparent (RFC 6638 schedule-calendar-transp)'),
    blocksAvailabilityOverride: z.boolean().nullable(),
    blocksAvailability: z.boolean(),
  })
  .meta({ id: 'CalendarBlocking' });

/** Settings → Calendars: "events on this calendar block my availability: yes / no / as the server says". */
export const calendarAvailabilityRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx }) => {
  requireAuthentication(app, ctx);
  app.put(
    '/api/users/:id/calendar-configuration/:calendarId/blocks-availability',
    {
      schema: {
        tags: ['connections'],
        summary: "Whether events on one of your calendars block your availability (null: follow the server's schedule-calendar-transp)",
        params: z.object({ id: z.string().max(64), calendarId: z.string().max(64) }),
        body: z.object({ blocks: z.boolean().nullable() }),
        response: { 200: blockingSchema, ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return setCalendarBlocking(ctx, {
        actor,
        userId: request.params.id,
        calendarId: request.params.calendarId,
        blocks: request.body.blocks,
      });
    },
  );
};
