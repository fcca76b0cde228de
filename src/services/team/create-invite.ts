import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { hashSecret, newSecret } from '../auth/tokens.ts';
import { loadUserView } from '../users/user-view.ts';

const INVITE_DAYS = 7;

/**
 * A link for a team member to set their password (token in the fragment, so it never reaches a server log), shown once to the owner/admin who asks (until
 * Tandem sends e-mail). A new link replaces any earlier unused one; only its hash is stored.
 */
export async function createInvite(
  ctx: ServiceContext,
  options: { actor: Actor; userId: string },
): Promise<{ url: string; expiresAt: string }> {
  const user = await loadUserView(ctx.db, options.actor.workspaceId, options.userId);
  requireAdmin(options.actor);
  const token = newSecret('tdi');
  const expiresAt = new Date(ctx.now().getTime() + INVITE_DAYS * 86_400_000);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('invites').where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    await trx
      .insertInto('invites')
      .values({ workspace_id: options.actor.workspaceId, user_id: user.id, token_hash: hashSecret(token), expires_at: expiresAt })
      .execute();
  });
  return { url: `${ctx.publicUrl.replace(/\/+$/, '')}/app/invite#${token}`, expiresAt: expiresAt.toISOString() };
}
