import { AppError } from '../services/app-error.ts';
import { isDatabaseUnavailable } from '../store/pg-errors.ts';

/** Seconds a client is asked to wait (Retry-After) while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * A request that failed because the database is down or restarting: 503 `database_unavailable`,
 * not a 500 — nothing is wrong with the request, and it will work again when the database is back.
 * Not logged per request: the outage itself is logged once (DatabaseHandle.health).
 */
export function fromDatabaseOutage(error: unknown): AppError | null {
  return isDatabaseUnavailable(error) ? new AppError('database_unavailable', { cause: error }) : null;
}
