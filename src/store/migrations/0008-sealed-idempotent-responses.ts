import { sql, type Kysely } from 'kysely';

/**
 * Stored booking answers used to keep the client's manage link in clear, and the Idempotency-Key
 * itself. From now on the key is stored as its SHA-256 and the answer sealed with a key only the
 * caller can re-derive (services/idempotency.ts). The rows written before cannot be converted —
 * their keys are unknown — and they only serve retries of a request seconds old, so they go.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from idempotency_keys`.execute(db);
  await sql`comment on column idempotency_keys.key is 'SHA-256 (hex) of the Idempotency-Key header'`.execute(db);
  await sql`comment on column idempotency_keys.response is '{"sealed": "v1:…"}: the answer, AES-256-GCM under a key derived from the Idempotency-Key and the request'`.execute(
    db,
  );
}

export async function down(): Promise<void> {
  // Nothing to undo: the rows removed cannot be brought back, and the columns did not change.
}
