import { isValidTimeZone } from '../../domain/schedule.ts';
import { AppError } from '../app-error.ts';
import type { ServiceContext } from '../context.ts';
import { hashPassword } from '../auth/password-hash.ts';
import { defaultWeeklyHours } from './default-hours.ts';
import { isUniqueViolation } from '../../store/pg-errors.ts';

export interface CreateWorkspaceOptions {
  name: string;
  slug: string;
  owner: { name: string; email: string; password: string; timezone: string };
}

/** Sign-up: a new business and its owner, in one transaction. */
export async function createWorkspace(
  ctx: ServiceContext,
  options: CreateWorkspaceOptions,
): Promise<{ workspaceId: string; ownerId: string }> {
  if (!isValidTimeZone(options.owner.timezone)) throw new AppError('invalid_timezone');
  const passwordHash = await hashPassword(options.owner.password);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const workspace = await trx
        .insertInto('workspaces')
        .values({ name: options.name, slug: options.slug })
        .returning('id')
        .executeTakeFirstOrThrow();
      const owner = await trx
        .insertInto('users')
        .values({
          workspace_id: workspace.id,
          email: options.owner.email.trim(),
          name: options.owner.name,
          role: 'owner',
          timezone: options.owner.timezone,
          weekly_hours: JSON.stringify(defaultWeeklyHours),
          password_hash: passwordHash,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { workspaceId: workspace.id, ownerId: owner.id };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw new AppError('email_taken');
    if (isUniqueViolation(error, 'workspaces_slug_key')) throw new AppError('slug_taken');
    throw error;
  }
}
