import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { claimDueRows } from '../../../src/store/claim-due-rows.ts';
import type { DB } from '../../../src/store/schema.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { seedUser, seedWorkspace } from '../../support/seed-rows.ts';

/**
 * Migration 0024 and claimDueRows (decision 0024, ninth session): the due e-mails are claimed oldest
 * first — `not_before`, then `id` — skipping leased rows, and the claim reads the due index in that
 * order instead of reading every due row and sorting them (the backlog of a stream of bookings).
 */

const NOW = new Date('2026-12-07T10:00:00Z');
const ROWS = 120;

describe.each(databaseKinds)('claiming due rows in index order (%s)', (kind) => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Kysely<DB>;
  let workspaceId: string;
  let userId: string;

  beforeAll(async () => {
    handle = await createTestDatabase(kind);
    db = handle.db;
    workspaceId = await seedWorkspace(db);
    userId = await seedUser(db, workspaceId);
  });
  afterAll(async () => {
    await handle?.close();
  });

  /** Pending e-mails, three to each `not_before` (ties ordered by id), some not yet due. */
  async function seedMessages(): Promise<{ id: string; not_before: Date }[]> {
    await db.deleteFrom('messages').execute();
    const values = Array.from({ length: ROWS }, (_, n) => ({
      workspace_id: workspaceId,
      user_id: userId,
      kind: 'staff_new_booking',
      recipient_email: `staff-${n}@example.test`,
      recipient_name: 'Staff',
      recipient_zone: 'Europe/London',
      content: JSON.stringify({ n }),
      // Newest first in insertion order, so neither the heap's order nor the ids' is the claim's.
      not_before: new Date(NOW.getTime() - (ROWS - Math.floor(n / 3) * 3) * 60_000 + (n >= ROWS - 9 ? 3_600_000 : 0)),
    }));
    return db.insertInto('messages').values(values).returning(['id', 'not_before']).execute();
  }

  it('takes the oldest due rows by not_before, then id, and passes leased ones by', async () => {
    const rows = await seedMessages();
    const due = rows
      .filter((r) => r.not_before.getTime() <= NOW.getTime())
      .sort((a, b) => a.not_before.getTime() - b.not_before.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    // The two oldest are leased by another sender until after now.
    const leased = due.slice(0, 2).map((r) => r.id);
    await db
      .updateTable('messages')
      .set({ leased_until: new Date(NOW.getTime() + 60_000) })
      .where('id', 'in', leased)
      .execute();

    const claim = async () => (await claimDueRows(db, 'messages', { now: NOW, limit: 50, leaseMs: 120_000 })).sort();
    const expected = (from: number, to?: number) =>
      due
        .slice(from, to)
        .map((r) => r.id)
        .sort();
    expect(await claim()).toEqual(expected(2, 52));
    expect(await claim()).toEqual(expected(52, 102));
    // What is left: the rest of the due rows; the ones due in an hour are not taken.
    expect(await claim()).toEqual(expected(102));
  });

  it.each(['messages', 'webhook_deliveries'] as const)('%s: the claim reads the due index in its order, with no sort', async (table) => {
    await seedMessages();
    // The claim's own query under the claim's own setting (claim-due-rows.ts). Without migration 0024
    // the index on not_before alone leaves an (incremental) sort by id.
    const plan = await db.transaction().execute(async (trx) => {
      await sql`set local enable_sort = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`
        explain select id from ${sql.table(table)}
        where status = 'pending' and not_before <= ${NOW}::timestamptz
          and (leased_until is null or leased_until <= ${NOW}::timestamptz)
        order by not_before, id limit 50 for update skip locked`.execute(trx);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain(`${table}_due_idx`);
    expect(plan).not.toMatch(/Sort/);
  });
});
