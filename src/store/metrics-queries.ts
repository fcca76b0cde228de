import type { Database } from './database.ts';

/** A calendar's provider and last successful sync, for the sync metrics. Null for an unknown id. */
export async function calendarSyncStatus(
  db: Database,
  calendarId: string,
): Promise<{ provider: string; lastSyncedAt: Date | null } | null> {
  const row = await db
    .selectFrom('remote_calendars as rc')
    .innerJoin('connections as c', 'c.id', 'rc.connection_id')
    .select(['c.provider', 'rc.last_synced_at'])
    .where('rc.id', '=', calendarId)
    .executeTakeFirst();
  return row ? { provider: row.provider, lastSyncedAt: row.last_synced_at } : null;
}

/** Calendar outbox rows not yet delivered, by status (done rows are records, not work). */
export async function undeliveredOutboxRows(
  db: Database,
): Promise<Array<{ channel: 'calendar'; status: 'pending' | 'failed'; count: number }>> {
  const rows = await db
    .selectFrom('outbox')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', 'in', ['pending', 'failed'])
    .groupBy('status')
    .execute();
  const count = (status: 'pending' | 'failed') => Number(rows.find((row) => row.status === status)?.count ?? 0);
  return [
    { channel: 'calendar', status: 'pending', count: count('pending') },
    { channel: 'calendar', status: 'failed', count: count('failed') },
  ];
}

/** Seconds since each configured calendar's last successful sync (issue 12.6), for the lag gauge. */
export async function calendarLags(
  db: Database,
  now: Date,
): Promise<Array<{ calendarId: string; provider: string; lagSeconds: number | null }>> {
  const rows = await db
    .selectFrom('remote_calendars as rc')
    .innerJoin('connections as c', 'c.id', 'rc.connection_id')
    .select(['rc.id', 'c.provider', 'rc.last_synced_at'])
    .where('rc.role', '!=', 'none')
    .where('rc.removed_at', 'is', null)
    .execute();
  return rows.map((row) => ({
    calendarId: row.id,
    provider: row.provider,
    lagSeconds: row.last_synced_at === null ? null : Math.max(0, (now.getTime() - row.last_synced_at.getTime()) / 1000),
  }));
}
