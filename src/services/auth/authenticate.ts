import type { Actor, ServiceContext } from '../context.ts';
import { hashSecret } from './tokens.ts';

/**
 * Resolves a bearer secret — a session token (`tds_…`) or an API token (`tdk_…`) — to the actor
 * it stands for, or null. Unknown, expired and malformed secrets all answer null alike.
 */
export async function authenticate(ctx: ServiceContext, secret: string): Promise<Actor | null> {
  const hash = hashSecret(secret);
  if (secret.startsWith('tds_')) {
    const row = await ctx.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id as userId', 'users.workspace_id as workspaceId', 'users.role as role'])
      .where('sessions.token_hash', '=', hash)
      .where('sessions.expires_at', '>', ctx.now())
      .executeTakeFirst();
    return row ?? null;
  }
  if (secret.startsWith('tdk_')) {
    const row = await ctx.db
      .updateTable('api_tokens')
      .set({ last_used_at: ctx.now() })
      .from('users')
      .whereRef('users.id', '=', 'api_tokens.user_id')
      .where('api_tokens.token_hash', '=', hash)
      .returning(['users.id as userId', 'users.workspace_id as workspaceId', 'users.role as role'])
      .executeTakeFirst();
    return row ?? null;
  }
  return null;
}
