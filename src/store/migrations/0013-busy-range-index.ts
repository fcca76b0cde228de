import { sql, type Kysely } from 'kysely';

/**
 * Availability reads only the busy time of its window (issue 13.3): a GiST index on each blocking
 * occurrence's range, by user, so "overlaps [from, to)" is one index range scan instead of a btree
 * scan over everything that started before `to` (30 days of history included). `greatest` keeps
 * the expression valid for any stored row (an end before its start would make tstzrange throw);
 * the queries spell the same expression (store/imported-busy.ts). btree_gist (0001) gives uuid `=`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index imported_occurrences_busy_idx on imported_occurrences
    using gist (user_id, tstzrange(start_at, greatest(start_at, end_at)))
    where blocks`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists imported_occurrences_busy_idx`.execute(db);
}
