import { createHash, hkdfSync } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../store/database.ts';
import { isUniqueViolation } from '../store/pg-errors.ts';
import type { DB } from '../store/schema.ts';
import { AppError } from './app-error.ts';
import { createSecretBox, SECRET_KEY_BYTES, SecretBoxError } from './secrets/secret-box.ts';

/** A retried request: its scope, the client's Idempotency-Key, and what it asks (to tell a reuse apart). */
export interface IdempotencyKey {
  scope: string;
  key: string;
  request: unknown;
}
export interface Outcome<T> {
  status: number;
  body: T;
  replayed: boolean;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * What is stored of a key, and how its answer is sealed. The answer of a booking holds the client's
 * manage link, which must not sit in the database in clear (a database dump would hand out every
 * booking). It is encrypted under a key derived from the Idempotency-Key *and* the request itself —
 * neither of which is stored (only their hashes are) — so only the caller who retries the same
 * request can open it, and a replay still gives that caller the very same answer.
 */
function storedForm(key: IdempotencyKey) {
  const request = JSON.stringify(key.request);
  const sealingKey = Buffer.from(hkdfSync('sha256', `${key.key}\n${request}`, key.scope, 'tandem/idempotent-response', SECRET_KEY_BYTES));
  return { keyHash: sha256(key.key), requestHash: sha256(request), box: createSecretBox(sealingKey) };
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
  const stored = key ? storedForm(key) : null;
  if (key && stored) {
    const found = await findStored<T>(db, key.scope, stored);
    if (found) return found;
  }
  try {
    const result = await db.transaction().execute(async (trx) => {
      if (key && stored) {
        await trx
          .insertInto('idempotency_keys')
          .values({ scope: key.scope, key: stored.keyHash, request_hash: stored.requestHash, status_code: 0, response: '{}' })
          .execute();
      }
      const outcome = await work(trx);
      if (key && stored) {
        await trx
          .updateTable('idempotency_keys')
          .set({ status_code: outcome.status, response: JSON.stringify({ sealed: stored.box.encrypt(JSON.stringify(outcome.body)) }) })
          .where('scope', '=', key.scope)
          .where('key', '=', stored.keyHash)
          .execute();
      }
      return outcome;
    });
    return { ...result, replayed: false };
  } catch (error) {
    if (key && stored && isUniqueViolation(error, 'idempotency_keys_pkey')) {
      const found = await findStored<T>(db, key.scope, stored);
      if (found) return found;
    }
    throw error;
  }
}

async function findStored<T>(db: Database, scope: string, stored: ReturnType<typeof storedForm>): Promise<Outcome<T> | null> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response'])
    .where('scope', '=', scope)
    .where('key', '=', stored.keyHash)
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== stored.requestHash) throw new AppError('idempotency_key_reused');
  const sealed = (row.response as { sealed?: unknown }).sealed;
  if (typeof sealed !== 'string')
    throw new AppError('internal_error', { message: 'The stored answer of this Idempotency-Key is unreadable.' });
  try {
    return { status: row.status_code, body: JSON.parse(stored.box.decrypt(sealed)) as T, replayed: true };
  } catch (error) {
    // Same key hash and request hash but the seal does not open: not the same request after all.
    if (error instanceof SecretBoxError) throw new AppError('idempotency_key_reused');
    throw error;
  }
}
