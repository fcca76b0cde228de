import { AppError } from '../app-error.ts';
import type { Actor, ServiceContext } from '../context.ts';

/** Revokes one of the caller's own API tokens: the next request with it is unauthenticated. */
export async function revokeApiToken(ctx: ServiceContext, options: { actor: Actor; tokenId: string }): Promise<void> {
  const result = await ctx.db
    .deleteFrom('api_tokens')
    .where('workspace_id', '=', options.actor.workspaceId)
    .where('user_id', '=', options.actor.userId)
    .where('id', '=', options.tokenId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new AppError('not_found');
}
