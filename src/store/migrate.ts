import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Database } from './database.ts';
import * as core from './migrations/0001-core.ts';
import * as connectionsAndSync from './migrations/0002-connections-and-sync.ts';
import * as busyRangesAndItemProblems from './migrations/0004-busy-ranges-and-item-problems.ts';
import * as invites from './migrations/0005-invites.ts';
import * as notifications from './migrations/0006-notifications.ts';
import * as sealedIdempotentResponses from './migrations/0008-sealed-idempotent-responses.ts';
import * as availability from './migrations/0009-availability.ts';
import * as invitationsAndCalendarLifecycle from './migrations/0010-invitations-and-calendar-lifecycle.ts';
import * as notificationRetention from './migrations/0011-notification-retention.ts';
import * as busyRangeIndex from './migrations/0013-busy-range-index.ts';
import * as syncRowsWithoutRedundantKeys from './migrations/0016-sync-rows-without-redundant-keys.ts';
import * as busyVersions from './migrations/0019-busy-versions.ts';
import * as longBusyIndex from './migrations/0021-long-busy-index.ts';
import * as bookingKeysWithinWorkspace from './migrations/0022-booking-keys-within-workspace.ts';
import * as syncRowsDeletedByStatement from './migrations/0023-sync-rows-deleted-by-statement.ts';
import * as dueRowsInClaimOrder from './migrations/0024-due-rows-in-claim-order.ts';

/** Migrations are imported statically: no filesystem scanning, so the same list runs everywhere. */
const migrations: Record<string, Migration> = {
  '0001-core': core,
  '0002-connections-and-sync': connectionsAndSync,
  '0004-busy-ranges-and-item-problems': busyRangesAndItemProblems,
  '0005-invites': invites,
  '0006-notifications': notifications,
  '0008-sealed-idempotent-responses': sealedIdempotentResponses,
  '0009-availability': availability,
  '0010-invitations-and-calendar-lifecycle': invitationsAndCalendarLifecycle,
  '0011-notification-retention': notificationRetention,
  '0013-busy-range-index': busyRangeIndex,
  '0016-sync-rows-without-redundant-keys': syncRowsWithoutRedundantKeys,
  '0019-busy-versions': busyVersions,
  '0021-long-busy-index': longBusyIndex,
  '0022-booking-keys-within-workspace': bookingKeysWithinWorkspace,
  '0023-sync-rows-deleted-by-statement': syncRowsDeletedByStatement,
  '0024-due-rows-in-claim-order': dueRowsInClaimOrder,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Database): Promise<string[]> {
  return applied(await new Migrator({ db, provider }).migrateToLatest());
}

/** Up or down to the named migration: tests of a migration on a database that already holds rows. */
export async function migrateTo(db: Database, name: string): Promise<string[]> {
  return applied(await new Migrator({ db, provider }).migrateTo(name));
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
