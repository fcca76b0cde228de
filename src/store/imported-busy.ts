import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Interval } from '../domain/interval.ts';
import type { ImportedBusySource } from './imported-busy-source.ts';
import type { DB } from './schema.ts';
import { calendarBlocksAvailability, invitationAllowsBlocking } from './calendar-blocks.ts';
import { epochMs } from './epoch-ms.ts';
import { importedEventsFromStore } from './imported-events.ts';
import { keptPerDatabase } from './kept-per-database.ts';

/** One user's merged busy time of one window, with the version it was read at. */
interface KeptBusy {
  version: string;
  intervals: Interval[];
}
/** Per database handle; a booking page's month for a team of ten is ten entries. */
const keptBusy = keptPerDatabase<KeptBusy>(5_000);
const keyOf = (userId: string, range: Interval): string => `${userId} ${range.start} ${range.end}`;

/**
 * Imported iCloud busy time, as the sync engine stored it: blocking occurrences of items in
 * calendars the user configured as primary or conflict.
 *
 * Read for every slots request and booking re-check, so it is shaped for that (issue 13.3): the
 * overlap test is two index range scans — short occurrences by the (user_id, start_at) btree, long
 * ones by the partial GiST index of migration 0021 (same range expression) — the calendars that
 * block are found first (a handful of rows) and matched against each occurrence's own calendar
 * (0013; no join to the calendar's thousands of items), and each user's busy time comes back
 * already merged (range_agg) as two arrays of epoch milliseconds — one row per user, no Date
 * parsing. Availability needs only the union of busy time; explain, which names the events, reads
 * them one by one (imported-events.ts).
 *
 * Kept (decision 0023): each user's merged busy time of a window is remembered with its version —
 * the user's invitation policy and, for each blocking calendar, its id and `busy_version` (bumped by
 * the triggers of migration 0019 whenever its occurrences change). When every user's busy time of
 * the window is kept, one small statement reads their versions; only the users whose version moved
 * are merged again, by a statement that reads their versions too, so what is kept and its version
 * always come from one snapshot, and a change committed by any process on the same database is seen
 * by the next read. Kept per database handle: a booking's transaction is a handle of its own, so its
 * re-check always merges afresh what its transaction sees. Callers get their own array (they may
 * sort it) of the kept, frozen intervals.
 */
export function importedBusyFromStore(): ImportedBusySource {
  return {
    importedEvents: importedEventsFromStore,
    async importedBusy(db: Kysely<DB>, userIds: string[], range: Interval): Promise<Map<string, Interval[]>> {
      const result = new Map<string, Interval[]>();
      if (userIds.length === 0) return result;
      const kept = keptBusy(db);
      let stale = userIds;
      if (userIds.every((userId) => kept.get(keyOf(userId, range)))) {
        const { rows } = await sql<{ user_id: string; version: string }>`
          select w.user_id, ${busyVersion(sql.ref('w.user_id'))} as version from unnest(${userIds}::uuid[]) as w(user_id)
        `.execute(db);
        stale = [];
        for (const row of rows) {
          const entry = kept.get(keyOf(row.user_id, range));
          if (entry?.version === row.version) result.set(row.user_id, [...entry.intervals]);
          else stale.push(row.user_id);
        }
        if (stale.length === 0) return result;
      }
      for (const [userId, entry] of await mergeBusy(db, stale, range)) {
        kept.set(keyOf(userId, range), entry);
        result.set(userId, [...entry.intervals]);
      }
      return result;
    },
  };
}

/**
 * The version of a user's imported busy time (`userId` an expression naming the user): what it
 * depends on besides the window — the invitation policy, and which calendars block with the
 * version of each one's occurrences. A calendar's deletion or change of role or blocking shows in it
 * directly; a change of its occurrences through the trigger-bumped busy_version (0019).
 */
function busyVersion(userId: RawBuilder<unknown>) {
  return sql<string>`coalesce((select u.invitation_policy from users u where u.id = ${userId}), '') || ';' || coalesce((
    select string_agg(c.id::text || '@' || c.busy_version::text, ',' order by c.id)
    from remote_calendars c
    where c.user_id = ${userId} and c.role <> 'none' and ${calendarBlocksAvailability('c')}), '')`;
}

/**
 * Longest occurrence the btree part of the busy read finds (migration 0021): an occurrence of at most
 * this length that overlaps [from, to) starts at or after from − this. Longer ones have the partial
 * GiST index of 0021; the two predicates must stay the same expressions as its.
 */
const SHORT_OCCURRENCE_MS = 26 * 3_600_000;

/** Each user's merged busy time of the window with the version it was read at, in one statement (one snapshot). */
async function mergeBusy(db: Kysely<DB>, userIds: string[], range: Interval): Promise<Map<string, KeptBusy>> {
  const from = new Date(range.start);
  const to = new Date(range.end);
  // Which occurrences block, the same in both parts below: the overlap test itself, a calendar that
  // blocks, and the invitation policy.
  const blocking = sql<boolean>`o.user_id = any(${userIds}::uuid[])
        and o.blocks
        and tstzrange(o.start_at, greatest(o.start_at, o.end_at)) && tstzrange(${from}::timestamptz, ${to}::timestamptz)
        and (o.remote_calendar_id = any(array(select id from calendars))
          or (o.remote_calendar_id is null and exists (
            select 1 from remote_items i
            where i.id = o.remote_item_id and i.kind = 'imported' and i.remote_calendar_id = any(array(select id from calendars)))))
        and ${invitationAllowsBlocking('o')}`;
  const { rows } = await sql<{ user_id: string; version: string; starts: number[] | null; ends: number[] | null }>`
    with calendars as (
      select c.id from remote_calendars c
      where c.user_id = any(${userIds}::uuid[]) and c.role <> 'none' and ${calendarBlocksAvailability('c')}
    ), busy as (
      select o.user_id, range_agg(tstzrange(o.start_at, greatest(o.start_at, o.end_at))) as ranges
      from (
        -- Short occurrences (nearly all): a range scan of the (user_id, start_at) btree.
        select o.user_id, o.start_at, o.end_at from imported_occurrences o
        where ${blocking}
          and o.start_at >= ${new Date(range.start - SHORT_OCCURRENCE_MS)}::timestamptz and o.start_at < ${to}::timestamptz
          and o.end_at - o.start_at <= interval '26 hours'
        union all
        -- Long ones: the partial GiST index of 0021.
        select o.user_id, o.start_at, o.end_at from imported_occurrences o
        where ${blocking} and o.end_at - o.start_at > interval '26 hours'
      ) o
      group by o.user_id
    )
    select w.user_id, ${busyVersion(sql.ref('w.user_id'))} as version, m.starts, m.ends
    from unnest(${userIds}::uuid[]) as w(user_id)
    left join busy b on b.user_id = w.user_id
    left join lateral (
      select array_agg(${epochMs('lower(r)')} order by lower(r)) as starts,
             array_agg(${epochMs('upper(r)')} order by lower(r)) as ends
      from unnest(b.ranges) as r
      where not isempty(r)
    ) m on true
  `.execute(db);
  return new Map(
    rows.map((row) => {
      const starts = row.starts ?? [];
      const ends = row.ends ?? [];
      return [row.user_id, { version: row.version, intervals: starts.map((start, i) => ({ start, end: ends[i]! })) }];
    }),
  );
}
