import type { Actor, ServiceContext } from '../context.ts';
import { hashSecret } from './tokens.ts';

const LAST_USED_RESOLUTION_MS = 60_000;

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
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id as tokenId',
        'api_tokens.last_used_at',
        'users.id as userId',
        'users.workspace_id as workspaceId',
        'users.role as role',
      ])
      .where('api_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return null;
    // "Last used" to the minute is enough: a write on every request would tax every API call.
    const now = ctx.now();
    if (row.last_used_at === null || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await ctx.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.tokenId).execute();
    }
    return { userId: row.userId, workspaceId: row.workspaceId, role: row.role };
  }
  return null;
}
