/** PostgreSQL error classification, by SQLSTATE and constraint name (same on PGlite). */
interface PgError {
  code?: string;
  constraint?: string;
}

function asPgError(error: unknown): PgError | null {
  return typeof error === 'object' && error !== null && 'code' in error ? (error as PgError) : null;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = asPgError(error);
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** 23P01: an exclusion constraint refused the row — for us, always a double booking. */
export function isExclusionViolation(error: unknown): boolean {
  return asPgError(error)?.code === '23P01';
}

/** 40001 / 40P01: the transaction lost a race and may simply be run again. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = asPgError(error)?.code;
  return code === '40001' || code === '40P01';
}

/** Socket-level failures: the server is down, restarting, or not where the URL says. */
const UNREACHABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The database cannot be reached or just dropped the connection — an outage, not a bug: the
 * server is stopped or restarting (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot connect
 * now), a connection failed (class 08), the socket was refused or closed under us (node-postgres's
 * "Connection terminated…", pg-pool's connect timeout, a client broken by an earlier error).
 * Looks through `cause` and AggregateError members, since callers and Node wrap these.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('08')) return true;
    if (UNREACHABLE_SOCKET_CODES.has(code)) return true;
  }
  if (
    typeof message === 'string' &&
    /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)/.test(
      message,
    )
  )
    return true;
  if (Array.isArray(errors) && errors.some((member) => isDatabaseUnavailable(member, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/**
 * 0A000 "cached plan must not change result type": a prepared statement whose result columns a
 * schema change altered (e.g. `select *` after a column was added by another process's migration).
 * PostgreSQL refuses it at every later execution until it is deallocated (prepared-statements.ts).
 */
export function isStalePreparedStatement(error: unknown): boolean {
  const e = asPgError(error) as (PgError & { message?: unknown }) | null;
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}
