import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createCalendar } from '../../services/calendars/create-calendar.ts';
import { updateCalendar } from '../../services/calendars/update-calendar.ts';
import { deleteCalendar } from '../../services/calendars/delete-calendar.ts';
import { loadCalendarView, loadCalendarViews } from '../../services/calendars/calendar-view.ts';
import { getFreeSlots } from '../../services/availability/get-free-slots.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { authErrors, errorSchema, freeSlotSchema, id, idParam, INT4_MAX, localDateTime, slotQuery, text, timeZone } from '../schemas.ts';

const calendarType = z.enum(['round_robin', 'collective', 'class', 'service', 'simple', 'event']);
const minutes = (max: number) => z.number().int().min(0).max(max);

export const calendarInput = z.object({
  slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'lower-case letters, digits and dashes'),
  name: text().trim().min(1).max(200),
  type: calendarType,
  durationMin: z.number().int().min(5).max(1440),
  intervalMin: z.number().int().min(5).max(1440).optional(),
  bufferBeforeMin: minutes(1440).optional(),
  bufferAfterMin: minutes(1440).optional(),
  minNoticeMin: minutes(525_600).optional(),
  windowDays: z.number().int().min(1).max(730).optional(),
  dailyLimit: z.number().int().min(1).max(1000).nullable().optional(),
  seats: z.number().int().min(1).max(9999).optional(),
  distribution: z.enum(['availability', 'equal']).optional(),
  location: text().max(500).nullable().optional(),
  eventSchedule: z
    .object({
      firstStart: localDateTime,
      timezone: timeZone,
      durationMin: z.number().int().min(5).max(1440),
      repeat: z.enum(['none', 'daily', 'weekly', 'monthly']),
      count: z.number().int().min(1).max(1000).nullable(),
    })
    .nullable()
    .optional(),
  members: z
    .array(z.object({ userId: id(), priority: z.number().int().min(-1000).max(1000).optional() }))
    .min(1)
    .max(100),
  services: z
    .array(
      z.object({
        name: text().trim().min(1).max(200),
        durationMin: z.number().int().min(5).max(1440),
        priceCents: z.number().int().min(0).max(INT4_MAX).nullable().optional(),
        currency: text().length(3).nullable().optional(),
        staffIds: z.array(id()).min(1).max(100),
      }),
    )
    .max(100)
    .optional(),
});

export const calendarSchema = calendarInput
  .omit({ services: true, members: true })
  .extend({
    id: z.string(),
    members: z.array(z.object({ userId: id(), priority: z.number() })),
    services: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        durationMin: z.number(),
        priceCents: z.number().nullable(),
        currency: z.string().nullable(),
        staffIds: z.array(z.string()),
      }),
    ),
    icloudIntegration: z.boolean().describe('false for Simple and Event calendars: they neither read nor write iCloud'),
  })
  .meta({ id: 'BookingCalendar' });

export const calendarRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx, importedBusy }) => {
  requireAuthentication(app, ctx);
  app.get(
    '/api/calendars',
    { schema: { tags: ['calendars'], summary: 'Booking calendars', response: { 200: z.array(calendarSchema), ...authErrors } } },
    async (request) => {
      const { actor } = request;
      return loadCalendarViews(ctx.db, actor.workspaceId);
    },
  );
  app.post(
    '/api/calendars',
    {
      schema: {
        tags: ['calendars'],
        summary: 'Create a booking calendar (owner/admin)',
        body: calendarInput,
        response: { 201: calendarSchema, ...authErrors, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      return reply.status(201).send(await createCalendar(ctx, { actor, input: request.body }));
    },
  );
  app.get(
    '/api/calendars/:id',
    { schema: { tags: ['calendars'], params: idParam, response: { 200: calendarSchema, ...authErrors } } },
    async (request) => {
      const { actor } = request;
      return loadCalendarView(ctx.db, actor.workspaceId, request.params.id);
    },
  );
  app.put(
    '/api/calendars/:id',
    {
      schema: {
        tags: ['calendars'],
        summary: "Replace a calendar's settings",
        params: idParam,
        body: calendarInput,
        response: { 200: calendarSchema, ...authErrors, 409: errorSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      return updateCalendar(ctx, { actor, calendarId: request.params.id, input: request.body });
    },
  );
  app.delete(
    '/api/calendars/:id',
    { schema: { tags: ['calendars'], params: idParam, response: { 204: z.null(), ...authErrors, 409: errorSchema } } },
    async (request, reply) => {
      const { actor } = request;
      await deleteCalendar(ctx, { actor, calendarId: request.params.id });
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/api/calendars/:id/slots',
    {
      schema: {
        tags: ['calendars'],
        summary: 'Free slots (staff view)',
        params: idParam,
        querystring: slotQuery,
        response: { 200: z.array(freeSlotSchema), ...authErrors, 422: errorSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      const q = request.query;
      return getFreeSlots(ctx, {
        workspaceId: actor.workspaceId,
        calendarId: request.params.id,
        from: new Date(q.from),
        to: new Date(q.to),
        timezone: q.timezone,
        serviceId: q.serviceId ?? null,
        importedBusy,
      });
    },
  );
};
