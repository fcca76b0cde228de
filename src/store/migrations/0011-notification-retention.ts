import { sql, type Kysely } from 'kysely';

/**
 * Finished e-mail and webhook rows are pruned after NOTIFICATION_RETENTION_DAYS (issue 11). The prune
 * runs with every outbox dispatch; these indexes let it find the few old finished rows without reading
 * the whole table each time. Pending rows are not in them: they are never pruned.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index messages_finished_idx on messages (created_at) where status <> 'pending'`.execute(db);
  await sql`create index webhook_deliveries_finished_idx on webhook_deliveries (created_at) where status <> 'pending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists messages_finished_idx`.execute(db);
  await sql`drop index if exists webhook_deliveries_finished_idx`.execute(db);
}
