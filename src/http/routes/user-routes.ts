import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WeeklyHours } from '../../domain/schedule.ts';
import { createUser } from '../../services/users/create-user.ts';
import { updateUser } from '../../services/users/update-user.ts';
import { setDateOverride } from '../../services/users/set-date-override.ts';
import { listUserViews, loadUserView } from '../../services/users/user-view.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import {
  authErrors,
  email,
  errorSchema,
  id,
  idParam,
  invitationPolicy,
  localDate,
  text,
  timeRange,
  timeZone,
  userSchema,
  weeklyHours,
} from '../schemas.ts';

const asWeeklyHours = (hours: z.infer<typeof weeklyHours> | undefined): WeeklyHours | undefined =>
  hours === undefined
    ? undefined
    : (Object.fromEntries(Object.entries(hours).map(([day, ranges]) => [Number(day), ranges])) as WeeklyHours);

export const userRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx }) => {
  requireAuthentication(app, ctx);
  app.get(
    '/api/users',
    { schema: { tags: ['users'], summary: 'Team members of the workspace', response: { 200: z.array(userSchema), ...authErrors } } },
    async (request) => {
      const { actor } = request;
      return listUserViews(ctx.db, actor.workspaceId);
    },
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Add a team member (owner/admin)',
        body: z.object({
          email: email(),
          name: text().trim().min(1).max(200),
          role: z.enum(['admin', 'member']).default('member'),
          timezone: timeZone,
          weeklyHours: weeklyHours.optional(),
          password: text().min(10).max(200).optional(),
        }),
        response: { 201: userSchema, ...authErrors, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      const user = await createUser(ctx, { actor, ...request.body, weeklyHours: asWeeklyHours(request.body.weeklyHours) });
      return reply.status(201).send(user);
    },
  );

  app.get(
    '/api/users/:id',
    { schema: { tags: ['users'], params: idParam, response: { 200: userSchema, ...authErrors } } },
    async (request) => {
      const { actor } = request;
      return loadUserView(ctx.db, actor.workspaceId, request.params.id);
    },
  );

  app.patch(
    '/api/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Change name, time zone, weekly hours or invitation policy (self, or owner/admin)',
        params: idParam,
        body: z.object({
          name: text().trim().min(1).max(200).optional(),
          timezone: timeZone.optional(),
          weeklyHours: weeklyHours.optional(),
          invitationPolicy: invitationPolicy.optional(),
        }),
        response: { 200: userSchema, ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return updateUser(ctx, { actor, userId: request.params.id, ...request.body, weeklyHours: asWeeklyHours(request.body.weeklyHours) });
    },
  );

  app.put(
    '/api/users/:id/overrides/:date',
    {
      schema: {
        tags: ['users'],
        summary: 'Set the hours of one local date ([] = day off)',
        params: z.object({ id: id(), date: localDate }),
        body: z.object({ ranges: z.array(timeRange).max(12) }),
        response: { 204: z.null(), ...authErrors },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      await setDateOverride(ctx, { actor, userId: request.params.id, date: request.params.date, ranges: request.body.ranges });
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/api/users/:id/overrides/:date',
    {
      schema: {
        tags: ['users'],
        summary: 'Remove a date override',
        params: z.object({ id: id(), date: localDate }),
        response: { 204: z.null(), ...authErrors },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      await setDateOverride(ctx, { actor, userId: request.params.id, date: request.params.date, ranges: null });
      return reply.status(204).send(null);
    },
  );
};
