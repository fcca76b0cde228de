import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../services/app-error.ts';
import { authenticate } from '../services/auth/authenticate.ts';
import type { Actor, ServiceContext } from '../services/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who is calling. Set by `requireAuthentication` before the body is even read; reading it in a
     * route outside an authenticated group is a programming error and fails loudly.
     */
    readonly actor: Actor;
  }
}

const actorSlot = Symbol('actor');
type WithActorSlot = FastifyRequest & { [actorSlot]?: Actor };

/** The bearer secret of a request: `Authorization: Bearer …` (sessions and API tokens alike). */
export function bearerSecret(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

/** Once, on the root instance: gives every request the typed `actor` accessor. */
export function installActorAccessor(app: FastifyInstance): void {
  app.decorateRequest('actor', {
    getter(this: WithActorSlot): Actor {
      const actor = this[actorSlot];
      if (!actor)
        throw new Error(`${this.method} ${this.routeOptions.url ?? ''} reads request.actor but is not in an authenticated route group`);
      return actor;
    },
  });
}

/**
 * Makes every route of the calling plugin (a route group) authenticated: an `onRequest` hook
 * resolves the bearer secret to an actor, or answers 401 before the body is parsed. Call it first
 * thing in the plugin; Fastify's encapsulation keeps the hook to that plugin's routes.
 */
export function requireAuthentication(app: FastifyInstance, ctx: ServiceContext): void {
  app.addHook('onRequest', async (request) => {
    const secret = bearerSecret(request);
    const actor = secret ? await authenticate(ctx, secret) : null;
    if (!actor) throw new AppError('unauthenticated');
    (request as WithActorSlot)[actorSlot] = actor;
  });
}
