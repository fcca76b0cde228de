import { sql, type RawBuilder } from 'kysely';

/**
 * A timestamptz column or expression as epoch milliseconds (float8), for statements that hand
 * instants to Node as plain numbers (no Date parsing per row).
 *
 * `date_part('epoch', …)` is float8 arithmetic; `extract(epoch from …)` is numeric since
 * PostgreSQL 14, and measured ~5× dearer per value — four values per row made it most of the slot
 * statement's cost on a busy calendar (issue 13.4, decision 0024). The float8 quotient is not exact
 * in its last bits (about 1 % of millisecond instants came out a fraction of a millisecond off), so
 * it is rounded: every instant this app writes has millisecond precision (it comes from a JS Date),
 * and for those the result is exact.
 */
export function epochMs(expression: string): RawBuilder<number> {
  return sql<number>`round(date_part('epoch', ${sql.raw(expression)}) * 1000)`;
}
