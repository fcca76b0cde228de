import { AppError } from '../app-error.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { CALENDAR_ERROR_COLUMNS, calendarLastError } from './calendar-last-error.ts';

export interface CalendarSyncStatus {
  calendarId: string;
  connectionId: string;
  displayName: string;
  role: 'primary' | 'conflict';
  connectionStatus: 'active' | 'needs_reconnect';
  lastSyncedAt: string | null;
  /** Seconds since the last successful sync: what a person reads as "synced 40 s ago". */
  lagSeconds: number | null;
  nextSyncAt: string | null;
  lastError: { code: string; message: string } | null;
  /** e.g. the empty-calendar guard: "the calendar suddenly lists nothing; nothing was removed". */
  warning: string | null;
  /** A first import of a large calendar: events imported of total. */
  importProgress: { done: number; total: number } | null;
}

/** Sync state of the actor's configured calendars (or one user's, for owners and admins). */
export async function getSyncStatus(
  ctx: ServiceContext,
  options: { actor: Actor; userId?: string; calendarId?: string },
): Promise<CalendarSyncStatus[]> {
  const userId = options.userId ?? options.actor.userId;
  if (userId !== options.actor.userId) {
    // Another workspace's user is simply not there (an empty list, like every list route).
    const known = await ctx.db
      .selectFrom('users')
      .select('id')
      .where('workspace_id', '=', options.actor.workspaceId)
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!known) return [];
    if (options.actor.role === 'member') throw new AppError('forbidden');
  }
  let query = ctx.db
    .selectFrom('remote_calendars as c')
    .innerJoin('connections as x', 'x.id', 'c.connection_id')
    .select([
      'c.id',
      'c.connection_id',
      'c.display_name',
      'c.role',
      'x.status',
      'c.last_synced_at',
      'c.next_sync_at',
      'c.warning',
      'c.import_done',
      'c.import_total',
    ])
    .select(CALENDAR_ERROR_COLUMNS.map((column) => `c.${column}` as const))
    .where('c.workspace_id', '=', options.actor.workspaceId)
    .where('c.user_id', '=', userId)
    .where('c.role', '!=', 'none');
  if (options.calendarId) query = query.where('c.id', '=', options.calendarId);
  const rows = await query.orderBy('c.display_name').execute();
  const now = ctx.now().getTime();
  return rows.map((row) => ({
    calendarId: row.id,
    connectionId: row.connection_id,
    displayName: row.display_name,
    role: row.role === 'primary' ? 'primary' : 'conflict',
    connectionStatus: row.status,
    lastSyncedAt: row.last_synced_at?.toISOString() ?? null,
    lagSeconds: row.last_synced_at ? Math.max(0, Math.round((now - row.last_synced_at.getTime()) / 1000)) : null,
    nextSyncAt: row.next_sync_at?.toISOString() ?? null,
    lastError: calendarLastError(row),
    warning: row.warning,
    importProgress:
      row.import_total !== null && row.import_done !== null && row.import_done < row.import_total
        ? { done: row.import_done, total: row.import_total }
        : null,
  }));
}
