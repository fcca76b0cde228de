import type { FastifyRequest } from 'fastify';
import { AppError } from '../services/app-error.ts';
import { authenticate } from '../services/auth/authenticate.ts';
import type { Actor, ServiceContext } from '../services/context.ts';

/** The bearer secret of a request: `Authorization: Bearer …` (sessions and API tokens alike). */
export function bearerSecret(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

export async function requireActor(ctx: ServiceContext, request: FastifyRequest): Promise<Actor> {
  const secret = bearerSecret(request);
  const actor = secret ? await authenticate(ctx, secret) : null;
  if (!actor) throw new AppError('unauthenticated');
  return actor;
}
