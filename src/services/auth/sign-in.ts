import { AppError } from '../app-error.ts';
import type { ServiceContext } from '../context.ts';
import { verifyPassword } from './password-hash.ts';
import { hashSecret, newSecret } from './tokens.ts';
import { DAY_MS } from '../../domain/time.ts';

export interface SignInOptions {
  email: string;
  password: string;
}
export interface SignInResult {
  token: string;
  expiresAt: Date;
  userId: string;
  workspaceId: string;
}

const SESSION_DAYS = 30;
// Verifying against a dummy hash when the email is unknown keeps the answer time the same,
// so sign-in does not reveal which emails have accounts.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export async function signIn(ctx: ServiceContext, options: SignInOptions): Promise<SignInResult> {
  const user = await ctx.db
    .selectFrom('users')
    .select(['id', 'workspace_id', 'password_hash'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', options.email.trim().toLowerCase()))
    .executeTakeFirst();
  const ok = await verifyPassword(options.password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !user.password_hash || !ok) throw new AppError('invalid_credentials');
  const token = newSecret('tds');
  const expiresAt = new Date(ctx.now().getTime() + SESSION_DAYS * DAY_MS);
  await ctx.db
    .insertInto('sessions')
    .values({ token_hash: hashSecret(token), workspace_id: user.workspace_id, user_id: user.id, expires_at: expiresAt })
    .execute();
  return { token, expiresAt, userId: user.id, workspaceId: user.workspace_id };
}
