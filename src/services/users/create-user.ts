import { isValidTimeZone, type WeeklyHours } from '../../domain/schedule.ts';
import { isUniqueViolation } from '../../store/pg-errors.ts';
import { AppError } from '../app-error.ts';
import { hashPassword } from '../auth/password-hash.ts';
import { requireAdmin } from '../authorize.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { defaultWeeklyHours } from '../workspaces/default-hours.ts';
import { loadUserView, type UserView } from './user-view.ts';

export interface CreateUserOptions {
  actor: Actor;
  email: string;
  name: string;
  role: 'admin' | 'member';
  timezone: string;
  weeklyHours?: WeeklyHours;
  password?: string;
}

export async function createUser(ctx: ServiceContext, options: CreateUserOptions): Promise<UserView> {
  requireAdmin(options.actor);
  if (!isValidTimeZone(options.timezone)) throw new AppError('invalid_timezone');
  const passwordHash = options.password ? await hashPassword(options.password) : null;
  try {
    const row = await ctx.db
      .insertInto('users')
      .values({
        workspace_id: options.actor.workspaceId,
        email: options.email.trim(),
        name: options.name,
        role: options.role,
        timezone: options.timezone,
        weekly_hours: JSON.stringify(options.weeklyHours ?? defaultWeeklyHours),
        password_hash: passwordHash,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return loadUserView(ctx.db, options.actor.workspaceId, row.id);
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw new AppError('email_taken');
    throw error;
  }
}
