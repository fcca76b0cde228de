import { sql, type Kysely } from 'kysely';

/**
 * The e-mail and webhook outboxes' due indexes in the order their claim takes rows (issue 13.4,
 * decision 0024 ninth session). `claimDueRows` takes the oldest due rows `order by not_before, id
 * limit 50`; with an index on `not_before` alone PostgreSQL read every due row and sorted them — on
 * the bookings bench a backlog of ~11,000 pending e-mails, 21–27 ms per claim of 50, ≈ 0.09 ms of
 * PostgreSQL time per booking, growing with the backlog. With `id` in the index the claim reads its
 * 50 rows in index order and stops (claim-due-rows.ts tells the planner not to sort). The same
 * entries per row as before (one per pending row), 16 bytes wider.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists messages_due_idx`.execute(db);
  await sql`create index messages_due_idx on messages (not_before, id) where status = 'pending'`.execute(db);
  await sql`drop index if exists webhook_deliveries_due_idx`.execute(db);
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (not_before, id) where status = 'pending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists messages_due_idx`.execute(db);
  await sql`create index messages_due_idx on messages (not_before) where status = 'pending'`.execute(db);
  await sql`drop index if exists webhook_deliveries_due_idx`.execute(db);
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (not_before) where status = 'pending'`.execute(db);
}
