/**
 * Who may see and change a connection. A user manages their own connections only: the
 * credentials are theirs. Owners and admins may look at a team member's (read-only), e.g. to help
 * with a broken sync. Anyone else — another member, another workspace — is told it does not exist.
 */
import type { Database } from '../../store/database.ts';
import type { Connections } from '../../store/schema.ts';
import type { Selectable } from 'kysely';
import { AppError } from '../app-error.ts';
import type { Actor } from '../context.ts';

export type ConnectionRow = Selectable<Connections>;
export type ConnectionAccess = 'read' | 'manage';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs and bodies; anything not shaped like one of ours names nothing. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'owner' || actor.role === 'admin';
}

export async function loadAccessibleConnection(
  db: Database,
  actor: Actor,
  connectionId: string,
  access: ConnectionAccess,
): Promise<ConnectionRow> {
  if (!isUuid(connectionId)) throw new AppError('not_found');
  const row = await db
    .selectFrom('connections')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found');
  if (row.user_id === actor.userId) return row;
  if (!isAdmin(actor)) throw new AppError('not_found');
  if (access === 'manage') throw new AppError('forbidden', { message: 'Only the team member who connected this account can change it.' });
  return row;
}
