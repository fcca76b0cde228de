import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../store/database.ts';
import { isUniqueViolation } from '../store/pg-errors.ts';
import type { DB } from '../store/schema.ts';
import { AppError } from './app-error.ts';

export interface IdempotencyKey { scope: string; key: string; requestHash: string }
export interface Outcome<T> { status: number; body: T; replayed: boolean }

export function hashRequest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * Runs `work` in one transaction that first claims the idempotency key. A concurrent request with
 * the same key waits on the key's unique index until the first commits, then finds the stored
 * answer; a retry after success gets the same answer and changes nothing.
 */
export async function runIdempotent<T>(
  db: Database,
  key: IdempotencyKey | null,
  work: (trx: Transaction<DB>) => Promise<{ status: number; body: T }>,
): Promise<Outcome<T>> {
  if (key) {
    const stored = await findStored<T>(db, key);
    if (stored) return stored;
  }
  try {
    const result = await db.transaction().execute(async (trx) => {
      if (key) {
        await trx.insertInto('idempotency_keys').values({ scope: key.scope, key: key.key, request_hash: key.requestHash, status_code: 0, response: '{}' }).execute();
      }
      const outcome = await work(trx);
      if (key) {
        await trx.updateTable('idempotency_keys').set({ status_code: outcome.status, response: JSON.stringify(outcome.body) })
          .where('scope', '=', key.scope).where('key', '=', key.key).execute();
      }
      return outcome;
    });
    return { ...result, replayed: false };
  } catch (error) {
    if (key && isUniqueViolation(error, 'idempotency_keys_pkey')) {
      const stored = await findStored<T>(db, key);
      if (stored) return stored;
    }
    throw error;
  }
}

async function findStored<T>(db: Database, key: IdempotencyKey): Promise<Outcome<T> | null> {
  const row = await db.selectFrom('idempotency_keys').select(['request_hash', 'status_code', 'response'])
    .where('scope', '=', key.scope).where('key', '=', key.key).executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== key.requestHash) throw new AppError('idempotency_key_reused');
  return { status: row.status_code, body: row.response as T, replayed: true };
}
