import { sql, type Kysely } from 'kysely';

/**
 * The busy read's index, for what a first import costs (issue 13.2, decision 0017 fourth round).
 * The GiST index of 0013 over every blocking occurrence was 35–60 % of the occurrences' insert on
 * PGlite (a GiST insert computes a penalty down the tree for each row, uuid and range both); a
 * 5,000-event import writes ~34,000 rows. Nearly every occurrence is short, and a short one that
 * overlaps [from, to) starts in [from − its length, to): the btree on (user_id, start_at) of 0002,
 * kept for the blocked-slots and imported-events reads, finds those with a range scan. Only the few
 * long occurrences (139 of 33,787 in the bench calendar: multi-day events) need the overlap index:
 * it is now partial to them. The busy read asks both (store/imported-busy.ts, same expressions).
 *
 * "Long" is over 26 hours: an all-day event on a day with a DST change lasts 25 hours and stays
 * short. The predicate uses timestamptz − timestamptz (immutable), not timestamptz + interval (only
 * stable, which an index predicate may not use).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists imported_occurrences_busy_idx`.execute(db);
  await sql`
    create index imported_occurrences_long_busy_idx on imported_occurrences
    using gist (user_id, tstzrange(start_at, greatest(start_at, end_at)))
    where blocks and end_at - start_at > interval '26 hours'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists imported_occurrences_long_busy_idx`.execute(db);
  await sql`
    create index imported_occurrences_busy_idx on imported_occurrences
    using gist (user_id, tstzrange(start_at, greatest(start_at, end_at)))
    where blocks`.execute(db);
}
