import { randomUUID } from 'node:crypto';
import type { Database } from '../../../src/store/database.ts';
import type { CalendarRole } from '../../../src/store/schema.ts';
import { seedUser, seedWorkspace } from '../../support/seed-rows.ts';

/** Plain inserts of the rows scheduling reads: a workspace, its user, a connection, calendars. */
export interface Owner {
  workspaceId: string;
  userId: string;
  connectionId: string;
}

export async function seedConnection(db: Database, status: 'active' | 'needs_reconnect' = 'active'): Promise<Owner> {
  const workspaceId = await seedWorkspace(db);
  const userId = await seedUser(db, workspaceId, { timezone: 'Europe/Berlin' });
  const connection = await db
    .insertInto('connections')
    .values({
      workspace_id: workspaceId,
      user_id: userId,
      provider: 'icloud',
      server_url: 'https://caldav.icloud.com',
      username: 'ada@icloud.test',
      secret_ciphertext: 'x',
      principal_url: 'https://p42-caldav.icloud.com/123/principal/',
      calendar_home_url: 'https://p42-caldav.icloud.com/123/calendars/',
      status,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { workspaceId, userId, connectionId: connection.id };
}

export interface CalendarSeed {
  role?: CalendarRole;
  nextSyncAt?: Date | null;
  lastFullSyncAt?: Date | null;
  failures?: number;
  url?: string;
}

export async function seedCalendar(db: Database, owner: Owner, seed: CalendarSeed = {}): Promise<string> {
  const row = await db
    .insertInto('remote_calendars')
    .values({
      workspace_id: owner.workspaceId,
      connection_id: owner.connectionId,
      user_id: owner.userId,
      url: seed.url ?? `https://p42-caldav.icloud.com/123/calendars/${randomUUID()}/`,
      display_name: 'Work',
      writable: true,
      role: seed.role ?? 'conflict',
      next_sync_at: seed.nextSyncAt ?? null,
      last_full_sync_at: seed.lastFullSyncAt ?? null,
      failures: seed.failures ?? 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
