import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { changeRole } from '../../services/team/change-role.ts';
import { removeUser } from '../../services/team/remove-user.ts';
import { createInvite } from '../../services/team/create-invite.ts';
import { acceptInvite } from '../../services/team/accept-invite.ts';
import { listDateOverrides } from '../../services/users/list-date-overrides.ts';
import { listApiTokens } from '../../services/auth/list-api-tokens.ts';
import { revokeApiToken } from '../../services/auth/revoke-api-token.ts';
import { requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { authErrors, errorSchema, idParam, userSchema } from '../schemas.ts';

const dateOverrideSchema = z
  .object({ date: z.string(), ranges: z.array(z.object({ start: z.string(), end: z.string() })) })
  .meta({ id: 'DateOverride' });
const apiTokenSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() })
  .meta({ id: 'ApiToken' });

/** Running the team from the web app: roles, removal, invitation links, and a user's own overrides and tokens. */
export const teamRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx }) => {
  requireAuthentication(app, ctx);
  app.put(
    '/api/users/:id/role',
    {
      schema: {
        tags: ['users'],
        summary: 'Make a team member admin or member (owner/admin)',
        params: idParam,
        body: z.object({ role: z.enum(['admin', 'member']) }),
        response: { 200: userSchema, ...authErrors, 409: errorSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      return changeRole(ctx, { actor, userId: request.params.id, role: request.body.role });
    },
  );

  app.delete(
    '/api/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Remove a team member (owner/admin); refused while they have upcoming appointments or sit on a booking calendar',
        params: idParam,
        response: { 204: z.null(), ...authErrors, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      await removeUser(ctx, { actor, userId: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/users/:id/invite',
    {
      schema: {
        tags: ['users'],
        summary: 'A one-time link (7 days) for a team member to set their password; shown once',
        params: idParam,
        response: { 201: z.object({ url: z.string(), expiresAt: z.string() }), ...authErrors },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      return reply.status(201).send(await createInvite(ctx, { actor, userId: request.params.id }));
    },
  );

  app.get(
    '/api/users/:id/overrides',
    {
      schema: {
        tags: ['users'],
        summary: 'Date overrides from a date on (default: all)',
        params: idParam,
        querystring: z.object({ from: z.iso.date().optional() }),
        response: { 200: z.array(dateOverrideSchema), ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return listDateOverrides(ctx, { actor, userId: request.params.id, fromDate: request.query.from ?? '0001-01-01' });
    },
  );

  app.get(
    '/api/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Your API tokens (never their secret)',
        response: { 200: z.array(apiTokenSchema), ...authErrors },
      },
    },
    async (request) => {
      const { actor } = request;
      return listApiTokens(ctx, { actor });
    },
  );

  app.delete(
    '/api/tokens/:id',
    { schema: { tags: ['auth'], summary: 'Revoke one of your API tokens', params: idParam, response: { 204: z.null(), ...authErrors } } },
    async (request, reply) => {
      const { actor } = request;
      await revokeApiToken(ctx, { actor, tokenId: request.params.id });
      return reply.status(204).send(null);
    },
  );
};

/** Setting a password from an invitation link: public (the link's token is the credential). */
export const inviteRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx }) => {
  app.post(
    '/api/invites/accept',
    {
      schema: {
        tags: ['auth'],
        summary: "Set your password with an invitation link's token",
        security: [],
        body: z.object({ token: z.string().min(1).max(200), password: z.string().min(10).max(200) }),
        response: { 200: z.object({ email: z.string() }), 400: errorSchema, 410: errorSchema },
      },
    },
    async (request) => acceptInvite(ctx, request.body),
  );
};
