import { AppError } from '../app-error.ts';
import type { ServiceContext } from '../context.ts';
import { hashPassword } from '../auth/password-hash.ts';
import { hashSecret } from '../auth/tokens.ts';
import './team-errors.ts';

/** Sets the invited person's password; the link then stops working. Unknown, used and expired links fail alike. */
export async function acceptInvite(ctx: ServiceContext, options: { token: string; password: string }): Promise<{ email: string }> {
  const passwordHash = await hashPassword(options.password);
  return ctx.db.transaction().execute(async (trx) => {
    const invite = await trx
      .selectFrom('invites')
      .innerJoin('users', 'users.id', 'invites.user_id')
      .select(['invites.id', 'invites.user_id', 'users.email'])
      .where('invites.token_hash', '=', hashSecret(options.token))
      .where('invites.used_at', 'is', null)
      .where('invites.expires_at', '>', ctx.now())
      .forUpdate()
      .executeTakeFirst();
    if (!invite) throw new AppError('invite_invalid');
    await trx.updateTable('invites').set({ used_at: ctx.now() }).where('id', '=', invite.id).execute();
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', invite.user_id).execute();
    return { email: invite.email };
  });
}
