import type { TimeRange, WeeklyHours } from '../../domain/schedule.ts';
import type { InvitationPolicy } from '../../domain/invitations.ts';
import type { Database } from '../../store/database.ts';
import { AppError } from '../app-error.ts';
import type { Role } from '../../store/schema.ts';

/** Weekly hours as JSON carries them: weekday numbers as string keys. */
export type WeeklyHoursJson = Record<string, TimeRange[]>;
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  timezone: string;
  weeklyHours: WeeklyHoursJson;
  /** Whether invitations not yet answered or answered "maybe" block this user's availability (decision 0016). */
  invitationPolicy: InvitationPolicy;
}

function toJson(hours: WeeklyHours): WeeklyHoursJson {
  return Object.fromEntries(Object.entries(hours).filter((entry): entry is [string, TimeRange[]] => Array.isArray(entry[1])));
}

/** The one shape a user has outside the store: never the password hash. */
function usersOf(db: Database, workspaceId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'timezone', 'weekly_hours', 'invitation_policy'])
    .where('workspace_id', '=', workspaceId);
}

function toView(row: {
  id: string;
  email: string;
  name: string;
  role: Role;
  timezone: string;
  weekly_hours: WeeklyHours;
  invitation_policy: InvitationPolicy;
}): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    timezone: row.timezone,
    weeklyHours: toJson(row.weekly_hours),
    invitationPolicy: row.invitation_policy,
  };
}

export async function loadUserView(db: Database, workspaceId: string, userId: string): Promise<UserView> {
  const row = await usersOf(db, workspaceId).where('id', '=', userId).executeTakeFirst();
  if (!row) throw new AppError('not_found');
  return toView(row);
}

export async function listUserViews(db: Database, workspaceId: string): Promise<UserView[]> {
  return (await usersOf(db, workspaceId).orderBy('name').execute()).map(toView);
}
