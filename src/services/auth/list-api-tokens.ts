import type { Actor, ServiceContext } from '../context.ts';

/** The caller's own API tokens: names and dates only, never the secret (only its hash exists). */
export async function listApiTokens(
  ctx: ServiceContext,
  options: { actor: Actor },
): Promise<Array<{ id: string; name: string; createdAt: string; lastUsedAt: string | null }>> {
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'created_at', 'last_used_at'])
    .where('workspace_id', '=', options.actor.workspaceId)
    .where('user_id', '=', options.actor.userId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  }));
}
