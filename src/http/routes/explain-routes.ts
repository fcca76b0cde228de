import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { explainCalendarStart } from '../../services/availability/explain-start.ts';
import { previewAssignees } from '../../services/booking/preview-assignees.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { authErrors, errorSchema, id, idParam, isoInstant, timeZone } from '../schemas.ts';

const reasonSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    buffer: z.boolean().optional(),
    start: z.string().optional(),
    end: z.string().optional(),
    date: z.string().optional(),
    appointment: z.object({ id: z.string(), title: z.string() }).optional(),
    blockedSlot: z.object({ id: z.string(), title: z.string() }).optional(),
    importedEvent: z
      .object({
        title: z.string(),
        calendarId: z.string(),
        calendarName: z.string(),
        start: z.string(),
        end: z.string(),
        allDay: z.boolean(),
      })
      .optional(),
  })
  .meta({ id: 'UnavailabilityReason' });

const explanationSchema = z
  .object({
    start: z.string(),
    end: z.string(),
    bookable: z.boolean(),
    reasons: z.array(reasonSchema),
    members: z.array(z.object({ userId: z.string(), name: z.string(), free: z.boolean(), reasons: z.array(reasonSchema) })),
  })
  .meta({ id: 'StartExplanation' });

const assigneePreviewSchema = z
  .object({ start: z.string(), end: z.string(), assignees: z.array(z.object({ userId: z.string(), name: z.string() })) })
  .meta({ id: 'AssigneePreview' });

/**
 * Questions staff ask about one start: "why is this time not bookable?" (every reason the slot
 * engine has, per member) and "who would get this booking?" (the choice booking makes).
 */
export const explainRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx, importedBusy }) => {
  requireAuthentication(app, ctx);
  app.get(
    '/api/calendars/:id/explain',
    {
      schema: {
        tags: ['calendars'],
        summary: 'Why a start time is (not) bookable: every reason, per member, from the slot engine',
        params: idParam,
        querystring: z.object({ start: isoInstant, timezone: timeZone.default('UTC'), serviceId: z.string().optional() }),
        response: { 200: explanationSchema, ...authErrors, 422: errorSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      const q = request.query;
      return explainCalendarStart(ctx, {
        workspaceId: actor.workspaceId,
        calendarId: request.params.id,
        start: new Date(q.start),
        timezone: q.timezone,
        serviceId: q.serviceId ?? null,
        importedBusy,
      });
    },
  );
  app.get(
    '/api/calendars/:id/assignees',
    {
      schema: {
        tags: ['calendars'],
        summary: 'Who a booking at this start would be assigned to now (Round Robin may pick another member)',
        params: idParam,
        querystring: z.object({ start: isoInstant, serviceId: id().optional() }),
        response: { 200: assigneePreviewSchema, ...authErrors, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      return previewAssignees(ctx, {
        workspaceId: actor.workspaceId,
        calendarId: request.params.id,
        start: new Date(request.query.start),
        serviceId: request.query.serviceId ?? null,
        importedBusy,
      });
    },
  );
};
