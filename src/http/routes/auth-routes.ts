import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { signIn } from '../../services/auth/sign-in.ts';
import { signOut } from '../../services/auth/sign-out.ts';
import { createApiToken } from '../../services/auth/create-api-token.ts';
import { createWorkspace } from '../../services/workspaces/create-workspace.ts';
import { loadUserView } from '../../services/users/user-view.ts';
import { bearerSecret, requireAuthentication } from '../auth.ts';
import type { HttpDeps } from '../deps.ts';
import { limitBy } from '../rate-limits.ts';
import { authErrors, email, errorSchema, text, timeZone, userSchema } from '../schemas.ts';

/** Sign-up and sign-in: the routes that need no session. */
export const authRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx }) => {
  app.post(
    '/api/workspaces',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign up: create a workspace and its owner (429 rate_limited: too many from one address)',
        body: z.object({
          name: text().trim().min(1).max(200),
          slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/, 'lower-case letters, digits and dashes'),
          owner: z.object({ name: text().trim().min(1).max(200), email: email(), password: text().min(10).max(200), timezone: timeZone }),
        }),
        response: { 201: z.object({ workspaceId: z.string(), ownerId: z.string() }), 400: errorSchema, 409: errorSchema, 429: errorSchema },
      },
      preHandler: limitBy(app, 'signUp'),
    },
    async (request, reply) => reply.status(201).send(await createWorkspace(ctx, request.body)),
  );

  app.post(
    '/api/auth/sign-in',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; returns a bearer session token',
        body: z.object({ email: text().min(1).max(320), password: text().min(1).max(200) }),
        response: {
          200: z.object({ token: z.string(), expiresAt: z.string(), userId: z.string(), workspaceId: z.string() }),
          400: errorSchema,
          401: errorSchema,
          429: errorSchema,
        },
      },
      preHandler: limitBy(app, 'signIn'),
    },
    async (request) => {
      const session = await signIn(ctx, request.body);
      return { ...session, expiresAt: session.expiresAt.toISOString() };
    },
  );
};

/** What a signed-in caller does with their session: sign out, who am I, API tokens. */
export const sessionRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { ctx }) => {
  requireAuthentication(app, ctx);

  app.post(
    '/api/auth/sign-out',
    { schema: { tags: ['auth'], summary: 'End the current session', response: { 204: z.null(), ...authErrors } } },
    async (request, reply) => {
      await signOut(ctx, bearerSecret(request) ?? '');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/me',
    { schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: userSchema, ...authErrors } } },
    async (request) => {
      const { actor } = request;
      return loadUserView(ctx.db, actor.workspaceId, actor.userId);
    },
  );

  app.post(
    '/api/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an API token (shown once)',
        body: z.object({ name: text().trim().min(1).max(100) }),
        response: { 201: z.object({ id: z.string(), name: z.string(), token: z.string() }), ...authErrors },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      return reply.status(201).send(await createApiToken(ctx, { actor, name: request.body.name }));
    },
  );
};
