import type { ServiceContext } from '../context.ts';
import { hashSecret } from './tokens.ts';

export async function signOut(ctx: ServiceContext, sessionToken: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('token_hash', '=', hashSecret(sessionToken)).execute();
}
