/** PostgreSQL error classification, by SQLSTATE and constraint name (same on PGlite). */
interface PgError { code?: string; constraint?: string }

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
