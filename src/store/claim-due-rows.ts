import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

/** The outboxes whose rows are claimed one by one: `status`, `not_before` and `leased_until` columns. */
export type LeasedOutbox = 'messages' | 'webhook_deliveries';

export interface ClaimOptions {
  now: Date;
  /** Rows claimed at most. */
  limit: number;
  /** A claimed row is the claimer's for this long; after a crash it becomes due again. */
  leaseMs: number;
}

/**
 * Claims the due rows of an outbox (pending, `not_before` passed, no lease holding), oldest due
 * first, by leasing them; returns their ids. One statement: the rows are locked `FOR UPDATE SKIP
 * LOCKED`, so concurrent claimers (the in-process scheduler, BullMQ workers) pass each other by, and
 * a row another claimer leased and committed meanwhile is re-checked on its new version and left out.
 * The calendar outbox has its own claim (`sync-store/outbox.ts`): it takes one row per appointment
 * and user.
 */
export async function claimDueRows(db: Kysely<DB>, table: LeasedOutbox, options: ClaimOptions): Promise<string[]> {
  const limit = Math.max(0, Math.floor(options.limit));
  if (limit === 0) return [];
  const { now } = options;
  const leasedUntil = new Date(now.getTime() + options.leaseMs);
  const claim = (on: Kysely<DB>) =>
    sql<{ id: string }>`
      update ${sql.table(table)} set leased_until = ${leasedUntil}::timestamptz
      where id in (
        select id from ${sql.table(table)}
        where status = 'pending'
          and not_before <= ${now}::timestamptz
          and (leased_until is null or leased_until <= ${now}::timestamptz)
        order by not_before, id
        limit ${limit}::integer
        for update skip locked
      )
      returning id
    `.execute(on);
  // The due index holds the rows in this order (migration 0024), and reading it stops after `limit`
  // rows. The outbox tables are rarely analysed (PGlite runs no autovacuum; the benchmarks' server
  // has it off), so PostgreSQL guesses a few dozen due rows and prefers reading them all and
  // sorting: with a backlog of 11,000 e-mails that was 21–27 ms per claim instead of ~2 ms
  // (decision 0024, ninth session). `enable_sort = off` for this statement only (SET LOCAL, in its
  // own transaction) leaves it the index's order. A caller's transaction is not given the setting.
  const claimed = db.isTransaction
    ? await claim(db)
    : await db.transaction().execute(async (trx) => {
        await sql`set local enable_sort = off`.execute(trx);
        return claim(trx);
      });
  return claimed.rows.map((row) => String(row.id));
}
