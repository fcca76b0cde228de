import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import type { ServiceContext } from '../../services/context.ts';
import { mailDirectory } from '../../mail/mail-transport.ts';
import { listAppointmentDeliveries } from '../../services/notifications/list-appointment-deliveries.ts';
import { listMailFiles, readMailFile } from '../../services/notifications/list-mail-files.ts';
import { getNotificationSettings } from '../../services/notifications/get-notification-settings.ts';
import { updateNotificationSettings } from '../../services/notifications/update-notification-settings.ts';
import { getClientPolicy } from '../../services/notifications/get-client-policy.ts';
import { requireAuthentication } from '../auth.ts';
import { authErrors, errorSchema, idParam } from '../schemas.ts';
import { webhookDeliverySchema } from './webhook-routes.ts';

export interface NotificationRouteDeps {
  ctx: ServiceContext;
  config: Pick<Config, 'mail' | 'dataDir'>;
}

const settingsSchema = z
  .object({
    clientConfirmation: z.boolean(),
    clientRescheduled: z.boolean(),
    clientCancelled: z.boolean(),
    clientReminder: z.boolean(),
    staffNewBooking: z.boolean(),
    staffClientCancelled: z.boolean().describe('Staff are told when a client cancels or reschedules through their manage link'),
    reminderOffsetsMin: z
      .array(
        z
          .number()
          .int()
          .min(1)
          .max(60 * 24 * 30),
      )
      .max(5)
      .describe('Reminders this many minutes before the start, e.g. [1440, 60]; empty = none'),
    clientChangeDeadlineMin: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 60)
      .nullable()
      .describe('Clients cannot cancel or reschedule within this many minutes of the start; null = any time'),
  })
  .meta({ id: 'NotificationSettings' });

const messageDeliverySchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    recipient: z.string(),
    status: z.enum(['pending', 'sent', 'failed', 'skipped']),
    attempts: z.number(),
    lastError: z.string().nullable(),
    dueAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'MessageDelivery' });

const mailFileSchema = z
  .object({ name: z.string(), subject: z.string(), to: z.string(), date: z.string(), size: z.number() })
  .meta({ id: 'MailFile' });
const tokenParam = z.object({ token: z.string().min(1).max(200) });

/** E-mail settings per calendar, delivery status per appointment, and the .eml files when SMTP is not configured. */
export function notificationRoutes({ ctx, config }: NotificationRouteDeps) {
  const mailDir = mailDirectory(config);
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    requireAuthentication(app, ctx);
    app.get(
      '/api/calendars/:id/notification-settings',
      { schema: { tags: ['notifications'], params: idParam, response: { 200: settingsSchema, ...authErrors } } },
      async (request) => {
        return getNotificationSettings(ctx, { actor: request.actor, calendarId: request.params.id });
      },
    );

    app.put(
      '/api/calendars/:id/notification-settings',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Message switches, reminder offsets and the client deadline of a calendar',
          params: idParam,
          body: settingsSchema.partial(),
          response: { 200: settingsSchema, ...authErrors },
        },
      },
      async (request) => {
        const settings = Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined));
        return updateNotificationSettings(ctx, { actor: request.actor, calendarId: request.params.id, settings });
      },
    );

    app.get(
      '/api/appointments/:id/deliveries',
      {
        schema: {
          tags: ['notifications'],
          summary: 'E-mails and webhooks about this appointment and whether they arrived',
          params: idParam,
          response: {
            200: z.object({ messages: z.array(messageDeliverySchema), webhooks: z.array(webhookDeliverySchema) }),
            ...authErrors,
          },
        },
      },
      async (request) => {
        return listAppointmentDeliveries(ctx, { actor: request.actor, appointmentId: request.params.id });
      },
    );

    app.get(
      '/api/notifications/mail',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Whether SMTP is configured; without it, the last .eml files written for this workspace',
          response: { 200: z.object({ smtpConfigured: z.boolean(), from: z.string(), files: z.array(mailFileSchema) }), ...authErrors },
        },
      },
      async (request) => {
        const { actor } = request;
        return { smtpConfigured: config.mail.smtpUrl !== null, from: config.mail.from, files: await listMailFiles({ actor, mailDir }) };
      },
    );

    app.get(
      '/api/notifications/mail/:name',
      {
        schema: {
          tags: ['notifications'],
          summary: 'One .eml file as written',
          params: z.object({ name: z.string().max(200) }),
          response: { 200: z.string(), ...authErrors },
        },
      },
      async (request, reply) => {
        const raw = await readMailFile({ actor: request.actor, mailDir, name: request.params.name });
        return reply.type('message/rfc822').send(raw);
      },
    );
  };
}

/** The manage page's question "may I still change this?": public, the manage link is the credential. */
export function clientPolicyRoutes({ ctx }: Pick<NotificationRouteDeps, 'ctx'>) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/public/bookings/:token/policy',
      {
        schema: {
          tags: ['public'],
          summary: 'Until when the client may cancel or reschedule online',
          params: tokenParam,
          response: { 200: z.object({ changeDeadline: z.string().nullable(), canChange: z.boolean() }), 404: errorSchema },
        },
      },
      async (request) => getClientPolicy(ctx, { manageToken: request.params.token }),
    );
  };
}
