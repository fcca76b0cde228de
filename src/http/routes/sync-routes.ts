import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../services/app-error.ts';
import type { ServiceContext } from '../../services/context.ts';
import { getSyncStatus } from '../../services/sync/get-sync-status.ts';
import { requireAuthentication } from '../auth.ts';
import { authErrors, id, idParam } from '../schemas.ts';
import { confirmEmptyCalendar } from '../../services/sync/confirm-empty-calendar.ts';

const syncStatusSchema = z
  .object({
    calendarId: z.string(),
    connectionId: z.string(),
    displayName: z.string(),
    role: z.enum(['primary', 'conflict']),
    connectionStatus: z.enum(['active', 'needs_reconnect']),
    lastSyncedAt: z.string().nullable(),
    lagSeconds: z.number().nullable(),
    nextSyncAt: z.string().nullable(),
    lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
    warning: z.string().nullable(),
    importProgress: z.object({ done: z.number(), total: z.number() }).nullable(),
  })
  .meta({ id: 'CalendarSyncStatus' });

export interface SyncRoutesDeps {
  ctx: ServiceContext;
  /** Marks the calendar due and enqueues it at once; false when there is no such calendar. */
  syncNow(calendarId: string): Promise<boolean>;
}

/** "Sync now" and per-calendar sync state: last synced, lag, last error, import progress. */
export function syncRoutes({ ctx, syncNow }: SyncRoutesDeps) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    requireAuthentication(app, ctx);
    app.get(
      '/api/sync/status',
      {
        schema: {
          tags: ['sync'],
          summary: 'Sync state of my configured calendars (owners/admins: ?userId=)',
          querystring: z.object({ userId: id().optional() }),
          response: { 200: z.array(syncStatusSchema), ...authErrors },
        },
      },
      async (request) => {
        const { actor } = request;
        return getSyncStatus(ctx, { actor, userId: request.query.userId });
      },
    );

    app.post(
      '/api/remote-calendars/:id/confirm-empty',
      {
        schema: {
          tags: ['sync'],
          summary: 'Answer the empty-calendar warning: the calendar really is empty, remove its imported events',
          params: idParam,
          response: { 202: syncStatusSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        const { actor } = request;
        const status = await confirmEmptyCalendar(ctx, { actor, calendarId: request.params.id });
        await syncNow(status.calendarId);
        return reply.status(202).send(status);
      },
    );

    app.post(
      '/api/remote-calendars/:id/sync',
      {
        schema: { tags: ['sync'], summary: 'Sync now', params: idParam, response: { 202: syncStatusSchema, ...authErrors } },
      },
      async (request, reply) => {
        const { actor } = request;
        const [status] = await getSyncStatus(ctx, { actor, calendarId: request.params.id });
        if (!status) throw new AppError('not_found', { message: 'No configured calendar of yours has that id.' });
        await syncNow(status.calendarId);
        return reply.status(202).send(status);
      },
    );
  };
}
