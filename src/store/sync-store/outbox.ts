import { sql, type Kysely } from 'kysely';
import type { OutboxResult, OutboxRow } from '../../domain/sync/ports.ts';
import type { DB } from '../schema.ts';

/**
 * The outbox's life cycle: rows are written by the booking transaction (record-outbound-change.ts)
 * or by an iCloud edit that other assignees' copies must follow, claimed under a lease by a
 * dispatcher, and finished as done, due again later, or parked as failed — never deleted.
 */

/**
 * Writes outbox rows due at `notBefore` — the app's clock, never the database's `now()`, so a due
 * time and the dispatcher's claim (`not_before <= now`) are read from one clock. The column keeps
 * its `now()` default only for rows written by an older node during a rolling upgrade.
 */
export async function enqueueOutbox(
  db: Kysely<DB>,
  rows: { workspaceId: string; op: 'upsert' | 'delete'; notBefore: Date; pairs: readonly { appointmentId: string; userId: string }[] },
): Promise<void> {
  if (rows.pairs.length === 0) return;
  await db
    .insertInto('outbox')
    .values(
      rows.pairs.map((pair) => ({
        workspace_id: rows.workspaceId,
        appointment_id: pair.appointmentId,
        user_id: pair.userId,
        op: rows.op,
        not_before: rows.notBefore,
      })),
    )
    .execute();
}

interface ClaimedRow {
  id: number;
  appointment_id: string;
  user_id: string;
  op: 'upsert' | 'delete';
  attempts: number;
}

/**
 * Claims up to `limit` due rows, oldest first, at most one per (appointment, user) and none of a
 * pair that already has a row out under a lease. Call inside a transaction.
 *
 * A row is taken when no row of its pair is leased and no older row of its pair is due: the oldest
 * due row of each free pair. Rows are locked with SKIP LOCKED, and under READ COMMITTED a row
 * another claimer has leased and committed meanwhile is re-read and fails the lease check — so two
 * claimers never get the same row, nor two rows of one pair (the second claimer sees the same
 * oldest row of the pair, skips it, and the younger rows still have it older and due).
 *
 * The pair test is a subquery kept as one (`offset 0` stops PostgreSQL from turning it into a
 * join), so it is one probe of the pending pair index per candidate row. As a join, with no
 * statistics on the table (never analysed: autovacuum off, or PGlite), the planner scanned every
 * pending row for every pending row: 30–150 ms per claim at a backlog of ~450 rows under a stream
 * of bookings (decision 0024, second round).
 */
export async function claimOutboxRows(db: Kysely<DB>, options: { now: Date; limit: number; leaseMs: number }): Promise<OutboxRow[]> {
  const { now } = options;
  const limit = Math.max(0, Math.floor(options.limit));
  if (limit === 0) return [];
  const claimed = await sql<ClaimedRow>`
    select o.id, o.appointment_id, o.user_id, o.op, o.attempts
    from outbox o
    where o.status = 'pending'
      and o.not_before <= ${now}::timestamptz
      and (o.leased_until is null or o.leased_until <= ${now}::timestamptz)
      and not exists (
        select 1 from outbox b
        where b.appointment_id = o.appointment_id and b.user_id = o.user_id and b.status = 'pending'
          and (b.leased_until > ${now}::timestamptz
               or (b.id < o.id and b.not_before <= ${now}::timestamptz
                   and (b.leased_until is null or b.leased_until <= ${now}::timestamptz)))
        offset 0
      )
    order by o.id
    limit ${limit}::integer
    for update of o skip locked
  `.execute(db);
  const rows = claimed.rows;
  if (rows.length === 0) return [];
  await db
    .updateTable('outbox')
    .set({ leased_until: new Date(now.getTime() + options.leaseMs) })
    .where(
      'id',
      'in',
      rows.map((r) => Number(r.id)),
    )
    .execute();
  return rows.map((r) => ({ id: String(r.id), appointmentId: r.appointment_id, userId: r.user_id, op: r.op, attempt: r.attempts }));
}

/**
 * Marks done, in one statement, the claimed rows whose user has no primary calendar and no link to
 * the appointment (SyncStore.finishRowsWithNothingToPush): what the dispatcher would conclude row
 * by row after reading the appointment, the primary calendar and the link.
 */
export async function finishRowsWithNothingToPush(db: Kysely<DB>, ids: readonly string[], now: Date): Promise<string[]> {
  const numeric = ids.filter((id) => /^\d+$/.test(id)).map(Number);
  if (numeric.length === 0) return [];
  const { rows } = await sql<{ id: number }>`
    update outbox o set status = 'done', leased_until = null, done_at = ${now}::timestamptz
    where o.id = any(${numeric}::bigint[]) and o.status = 'pending'
      and not exists (select 1 from remote_calendars c where c.user_id = o.user_id and c.role = 'primary')
      and not exists (select 1 from appointment_links l where l.appointment_id = o.appointment_id and l.user_id = o.user_id)
    returning o.id
  `.execute(db);
  return rows.map((r) => String(r.id));
}

/** Locks the row for its outcome; throws when it does not exist (an id the store never issued). */
export async function lockOutboxRow(db: Kysely<DB>, id: string): Promise<void> {
  const row = /^\d+$/.test(id)
    ? await db.selectFrom('outbox').select('id').where('id', '=', Number(id)).forUpdate().executeTakeFirst()
    : undefined;
  if (row === undefined) throw new Error(`no outbox row ${id}`);
}

/** Records the result and releases the lease. */
export async function recordOutboxResult(db: Kysely<DB>, id: string, result: OutboxResult, now: Date): Promise<void> {
  const where = db.updateTable('outbox').where('id', '=', Number(id));
  switch (result.status) {
    case 'done':
      await where.set({ status: 'done', leased_until: null, done_at: now }).execute();
      return;
    case 'retry':
      await where.set({ leased_until: null, attempts: result.attempt, not_before: result.notBefore, last_error: result.error }).execute();
      return;
    case 'failed':
      await where.set({ status: 'failed', leased_until: null, attempts: result.attempt, last_error: result.error }).execute();
      return;
  }
}

/**
 * Gives claimed rows back at once (a worker shutting down before it got to them): due again for
 * the next dispatcher instead of after the lease. Only rows still pending — a row finished meanwhile
 * keeps its result.
 */
export async function releaseOutboxClaims(db: Kysely<DB>, ids: readonly string[]): Promise<void> {
  const numeric = ids.filter((id) => /^\d+$/.test(id)).map(Number);
  if (numeric.length === 0) return;
  await db.updateTable('outbox').set({ leased_until: null }).where('id', 'in', numeric).where('status', '=', 'pending').execute();
}

/**
 * Rows parked as failed (access revoked, calendar gone) become due again: for when the user
 * reconnects or reconfigures. They were kept for exactly this; the plan is made afresh from the
 * appointment's state, so replaying them cannot duplicate anything.
 */
export async function requeueFailedOutbox(db: Kysely<DB>, userId: string, now: Date): Promise<number> {
  const rows = await db
    .updateTable('outbox')
    .set({ status: 'pending', not_before: now, leased_until: null })
    .where('user_id', '=', userId)
    .where('status', '=', 'failed')
    .returning('id')
    .execute();
  return rows.length;
}

/**
 * Done rows are kept a while as a record of what was pushed, then removed so the table does not
 * grow with every booking forever. Failed and pending rows are never pruned.
 */
export async function pruneDoneOutbox(db: Kysely<DB>, olderThan: Date): Promise<number> {
  const result = await db.deleteFrom('outbox').where('status', '=', 'done').where('done_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
