import type { Actor, ServiceContext } from '../context.ts';
import { hashSecret, newSecret } from './tokens.ts';

export interface CreateApiTokenOptions {
  actor: Actor;
  name: string;
}

/** The token is shown once, here; afterwards only its hash exists. */
export async function createApiToken(
  ctx: ServiceContext,
  options: CreateApiTokenOptions,
): Promise<{ id: string; name: string; token: string }> {
  const token = newSecret('tdk');
  const row = await ctx.db
    .insertInto('api_tokens')
    .values({ workspace_id: options.actor.workspaceId, user_id: options.actor.userId, name: options.name, token_hash: hashSecret(token) })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
  return { ...row, token };
}
