import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { InboundAction } from '../../../src/domain/sync/inbound-actions.ts';
import type { ImportedOccurrence } from '../../../src/domain/sync/types.ts';
import { migrateTo, migrateToLatest } from '../../../src/store/migrate.ts';
import type { DB } from '../../../src/store/schema.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { applyInboundBatch } from '../../../src/store/sync-store/apply-inbound-batch.ts';
import { applyItemChange } from '../../../src/store/sync-store/items.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { seedRemoteCalendar, seedUser, seedWorkspace } from '../../support/seed-rows.ts';
import { waitFor } from '../../support/wait-for.ts';

/**
 * Migration 0023 replaced the foreign keys of occurrences to their item and of items to their
 * calendar by statement triggers (decision 0017, seventh session): occurrences must still go with
 * their item and items with their calendar on every path that deletes them — the sync store's own
 * deletes, a calendar emptied, and the deletion of a calendar, a connection, a user or a workspace —
 * nobody else's may go with them, and no writer racing a delete may leave a row without its parent.
 */

interface Seeded {
  workspaceId: string;
  userId: string;
  connectionId: string;
  calendarId: string;
}

const HREFS = ['a.ics', 'b.ics', 'series.ics'];

function occurrences(count: number, day: number): ImportedOccurrence[] {
  return Array.from({ length: count }, (_, k) => {
    const start = new Date(Date.UTC(2026, 11, day + k * 7, 9));
    return {
      recurrenceId: count > 1 ? start.toISOString() : null,
      start,
      end: new Date(start.getTime() + 3_600_000),
      allDay: false,
      blocks: true,
      summary: `event ${day}`,
      status: null,
    };
  });
}

function importItem(
  calendarUrl: string,
  href: string,
  occurrenceList: ImportedOccurrence[],
  type: 'ImportItem' | 'UpdateImportedItem' = 'ImportItem',
): InboundAction {
  return {
    type,
    href: `${calendarUrl}${href}`,
    etag: `"${href}"`,
    contentHash: `hash-${href}`,
    uid: `uid-${href}`,
    occurrences: occurrenceList,
    expandedUntil: new Date(Date.UTC(2028, 0, 1)),
    reason: 'new',
  };
}

const options = {
  publicUrl: 'http://tandem.example/',
  now: () => new Date(),
  recordNotice: async () => undefined,
  recordConnectionNotice: async () => undefined,
};

/** A calendar with three imported items (2 + 1 + 5 occurrences); in a new workspace unless one is given. */
async function seedImported(db: Kysely<DB>, workspaceId?: string): Promise<Seeded> {
  const workspace = workspaceId ?? (await seedWorkspace(db));
  const userId = await seedUser(db, workspace);
  const url = `https://caldav.example/${userId}/cal/`;
  const calendarId = await seedRemoteCalendar(db, { workspaceId: workspace, userId, url, role: 'conflict' });
  const actions = [
    importItem(url, HREFS[0]!, occurrences(2, 1)),
    importItem(url, HREFS[1]!, occurrences(1, 2)),
    importItem(url, HREFS[2]!, occurrences(5, 3)),
  ];
  await createSyncStore(db, options).applyInboundBatch({ calendarId, actions });
  const row = await db.selectFrom('remote_calendars').select('connection_id').where('id', '=', calendarId).executeTakeFirstOrThrow();
  return { workspaceId: workspace, userId, connectionId: row.connection_id, calendarId };
}

async function occurrenceCount(db: Kysely<DB>, calendarId: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from imported_occurrences where remote_calendar_id = ${calendarId}::uuid`.execute(db);
  return rows[0]!.n;
}

async function itemCount(db: Kysely<DB>, calendarId: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from remote_items where remote_calendar_id = ${calendarId}::uuid`.execute(db);
  return rows[0]!.n;
}

/** Occurrences whose item is gone and items whose calendar is gone: what the foreign keys made impossible. */
async function orphanCount(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select (select count(*) from imported_occurrences o where not exists (select 1 from remote_items i where i.id = o.remote_item_id))::int
      + (select count(*) from remote_items i where not exists (select 1 from remote_calendars c where c.id = i.remote_calendar_id))::int as n`.execute(
    db,
  );
  return rows[0]!.n;
}

/** Each way items are deleted in the product, as the statement that does it. */
const paths: Record<string, (db: Kysely<DB>, target: Seeded) => Promise<unknown>> = {
  // sync-store/item-changes.ts, for RemoveImportedItem and ForgetItem.
  'the sync store removes and forgets items': (db, target) => {
    const url = `https://caldav.example/${target.userId}/cal/`;
    return createSyncStore(db, options).applyInboundBatch({
      calendarId: target.calendarId,
      actions: HREFS.map((href, i): InboundAction => ({
        type: i === 1 ? 'ForgetItem' : 'RemoveImportedItem',
        href: `${url}${href}`,
        reason: 'gone',
      })),
    });
  },
  // store-calendar-list.ts markRemoved, set-calendar-configuration.ts (role none).
  'a calendar is emptied': (db, target) => db.deleteFrom('remote_items').where('remote_calendar_id', '=', target.calendarId).execute(),
  // store-calendar-list.ts (an unused calendar no longer listed): remote_items' key cascades.
  'the calendar is deleted': (db, target) => db.deleteFrom('remote_calendars').where('id', '=', target.calendarId).execute(),
  // remove-connection.ts.
  'the connection is removed': (db, target) => db.deleteFrom('connections').where('id', '=', target.connectionId).execute(),
  // remove-user.ts.
  'the user is removed': (db, target) => db.deleteFrom('users').where('id', '=', target.userId).execute(),
  'the workspace is deleted': (db, target) => db.deleteFrom('workspaces').where('id', '=', target.workspaceId).execute(),
};

describe.each(databaseKinds)('imported occurrences go with their item on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it.each(Object.keys(paths))('when %s, and no one else’s', async (name) => {
    const db = database.db;
    const target = await seedImported(db);
    const colleague = await seedImported(db, target.workspaceId);
    const otherWorkspace = await seedImported(db);
    expect(await occurrenceCount(db, target.calendarId)).toBe(8);

    await paths[name]!(db, target);

    expect(await occurrenceCount(db, target.calendarId)).toBe(0);
    expect(await itemCount(db, target.calendarId)).toBe(0);
    expect(await orphanCount(db)).toBe(0);
    if (name !== 'the workspace is deleted') {
      expect(await occurrenceCount(db, colleague.calendarId)).toBe(8);
      expect(await itemCount(db, colleague.calendarId)).toBe(3);
    }
    expect(await occurrenceCount(db, otherWorkspace.calendarId)).toBe(8);
    expect(await itemCount(db, otherWorkspace.calendarId)).toBe(3);
  });

  it('one removed item takes only its own occurrences', async () => {
    const db = database.db;
    const target = await seedImported(db);
    const url = `https://caldav.example/${target.userId}/cal/`;
    await createSyncStore(db, options).applyInboundBatch({
      calendarId: target.calendarId,
      actions: [{ type: 'RemoveImportedItem', href: `${url}${HREFS[2]}`, reason: 'gone' }],
    });
    expect(await occurrenceCount(db, target.calendarId)).toBe(3);
    expect(await itemCount(db, target.calendarId)).toBe(2);
    expect(await orphanCount(db)).toBe(0);
  });

  it('migrates down to the foreign key and up again, keeping the rows', async () => {
    const db = database.db;
    const target = await seedImported(db);
    const before = await occurrenceCount(db, target.calendarId);
    await migrateTo(db, '0022-booking-keys-within-workspace');
    // The keys are back: an occurrence of no item and an item of no calendar are refused.
    const outcome = (query: { execute(db: Kysely<DB>): Promise<unknown> }) =>
      query.execute(db).then(
        () => 'ok',
        (error: { code?: string }) => error.code,
      );
    expect(
      await outcome(sql`
        insert into imported_occurrences (workspace_id, remote_item_id, user_id, start_at, end_at, remote_calendar_id)
        values (${target.workspaceId}::uuid, gen_random_uuid(), ${target.userId}::uuid, now(), now(), ${target.calendarId}::uuid)`),
    ).toBe('23503');
    expect(
      await outcome(sql`
        insert into remote_items (workspace_id, remote_calendar_id, user_id, href, kind)
        values (${target.workspaceId}::uuid, gen_random_uuid(), ${target.userId}::uuid, 'x.ics', 'imported')`),
    ).toBe('23503');
    // Later migrations (0024 on) run again too.
    expect(await migrateToLatest(db)).toContain('0023-sync-rows-deleted-by-statement');
    expect(await occurrenceCount(db, target.calendarId)).toBe(before);
    await db.deleteFrom('remote_calendars').where('id', '=', target.calendarId).execute();
    expect(await occurrenceCount(db, target.calendarId)).toBe(0);
    expect(await itemCount(db, target.calendarId)).toBe(0);
  });
});

/** Whether a statement of this database waits for a lock now (`like` on the statement's text). */
async function waitingOnLock(db: Kysely<DB>, statement: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and query like ${statement}`.execute(db);
  return rows[0]!.n > 0;
}

describe('sync rows and a concurrent delete of their parents on postgres', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('a calendar emptied while a batch replaces an item’s occurrences leaves none behind', async () => {
    const db = database.db;
    const target = await seedImported(db);
    const url = `https://caldav.example/${target.userId}/cal/`;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let applied!: () => void;
    const batchApplied = new Promise<void>((resolve) => (applied = resolve));
    // The batch updates an item (its old occurrences deleted, 4 new ones inserted) and holds its
    // transaction open; the item's row stays locked by the upsert until it commits.
    const batch = db.transaction().execute(async (trx) => {
      await applyInboundBatch(
        trx,
        { calendarId: target.calendarId, actions: [importItem(url, HREFS[0]!, occurrences(4, 10), 'UpdateImportedItem')] },
        new Date(),
        async () => undefined,
      );
      applied();
      await released;
    });
    await batchApplied;
    // Emptying the calendar waits for the item's row; started before the batch commits.
    const emptied = db.deleteFrom('remote_items').where('remote_calendar_id', '=', target.calendarId).execute();
    await waitFor(() => waitingOnLock(db, 'delete from "remote_items"%'), 'the delete to wait for the batch');
    release();
    await batch;
    await emptied;
    // The delete saw the batch's commit: the new occurrences went with the item, none is left without one.
    expect(await occurrenceCount(db, target.calendarId)).toBe(0);
    expect(await orphanCount(db)).toBe(0);
  });

  it('a calendar deleted while the dispatcher records an item of it leaves no item behind', async () => {
    const db = database.db;
    const target = await seedImported(db);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let applied!: () => void;
    const changeApplied = new Promise<void>((resolve) => (applied = resolve));
    // finishOutboxRow's item change (sync-store.ts), its transaction held open after the upsert.
    const change = db.transaction().execute(async (trx) => {
      const item = {
        href: 'https://caldav.example/ours.ics',
        etag: '"1"',
        contentHash: 'h',
        uid: 'ours',
        kind: 'appointment' as const,
        expandedUntil: null,
        error: null,
      };
      await applyItemChange(trx, { calendarId: target.calendarId, href: item.href, item });
      applied();
      await released;
    });
    await changeApplied;
    let deleted = false;
    const deletion = db
      .deleteFrom('remote_calendars')
      .where('id', '=', target.calendarId)
      .execute()
      .then(() => (deleted = true));
    // Either the delete waits for the change (the calendar's key-share lock) or — broken — it went through.
    await waitFor(async () => deleted || (await waitingOnLock(db, 'delete from "remote_calendars"%')), 'the delete to wait or finish');
    release();
    await change;
    await deletion;
    expect(await itemCount(db, target.calendarId)).toBe(0);
    expect(await orphanCount(db)).toBe(0);
  });
});
