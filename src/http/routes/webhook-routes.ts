import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import type { ServiceContext } from '../../services/context.ts';
import type { SecretBox } from '../../services/secrets/secret-box.ts';
import { createWebhookEndpoint } from '../../services/webhooks/create-webhook-endpoint.ts';
import { deleteWebhookEndpoint } from '../../services/webhooks/delete-webhook-endpoint.ts';
import { enableWebhookEndpoint } from '../../services/webhooks/enable-webhook-endpoint.ts';
import { listWebhookDeliveries } from '../../services/webhooks/list-webhook-deliveries.ts';
import { listWebhookEndpoints } from '../../services/webhooks/list-webhook-endpoints.ts';
import { rotateWebhookSecret } from '../../services/webhooks/rotate-webhook-secret.ts';
import { WEBHOOK_EVENTS } from '../../services/webhooks/webhook-events.ts';
import { requireAuthentication } from '../auth.ts';
import { authErrors, errorSchema, idParam } from '../schemas.ts';

export interface WebhookRouteDeps {
  ctx: ServiceContext;
  secretBox: SecretBox;
  config: Pick<Config, 'webhookAllowPrivateNetworks'>;
}

const endpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    status: z.enum(['active', 'disabled']),
    disabledReason: z.string().nullable(),
    failingSince: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const webhookDeliverySchema = z
  .object({
    id: z.string().describe('The webhook-id header: the same on every retry'),
    endpointId: z.string(),
    url: z.string(),
    event: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

const withSecret = z.object({
  endpoint: endpointSchema,
  secret: z.string().describe('Standard Webhooks secret (whsec_…): shown this once'),
});

/** Signed webhooks per workspace (issue 11): add, list, delete, rotate the secret, re-enable, delivery log. */
export function webhookRoutes({ ctx, secretBox, config }: WebhookRouteDeps) {
  const guard = { allowPrivateNetworks: config.webhookAllowPrivateNetworks };
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    requireAuthentication(app, ctx);
    app.post(
      '/api/webhooks',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Add a webhook endpoint; the signing secret is in this answer only',
          body: z.object({
            url: z.string().min(1).max(2000),
            events: z
              .array(z.enum(WEBHOOK_EVENTS))
              .min(1)
              .default([...WEBHOOK_EVENTS]),
          }),
          response: { 201: withSecret, ...authErrors, 422: errorSchema },
        },
      },
      async (request, reply) => {
        const { actor } = request;
        return reply
          .status(201)
          .send(await createWebhookEndpoint({ ...ctx, secretBox }, { actor, url: request.body.url, events: request.body.events, guard }));
      },
    );

    app.get(
      '/api/webhooks',
      { schema: { tags: ['webhooks'], response: { 200: z.array(endpointSchema), ...authErrors } } },
      async (request) => {
        return listWebhookEndpoints(ctx, { actor: request.actor });
      },
    );

    app.delete(
      '/api/webhooks/:id',
      { schema: { tags: ['webhooks'], params: idParam, response: { 204: z.null(), ...authErrors } } },
      async (request, reply) => {
        await deleteWebhookEndpoint(ctx, { actor: request.actor, id: request.params.id });
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/webhooks/:id/rotate',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'New signing secret, shown once',
          params: idParam,
          response: { 200: withSecret, ...authErrors },
        },
      },
      async (request) => {
        return rotateWebhookSecret({ ...ctx, secretBox }, { actor: request.actor, id: request.params.id });
      },
    );

    app.post(
      '/api/webhooks/:id/enable',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Enable a disabled endpoint again',
          params: idParam,
          response: { 200: endpointSchema, ...authErrors },
        },
      },
      async (request) => {
        return enableWebhookEndpoint(ctx, { actor: request.actor, id: request.params.id });
      },
    );

    app.get(
      '/api/webhooks/:id/deliveries',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Delivery log, newest first',
          params: idParam,
          response: { 200: z.array(webhookDeliverySchema), ...authErrors },
        },
      },
      async (request) => {
        return listWebhookDeliveries(ctx, { actor: request.actor, id: request.params.id });
      },
    );
  };
}
