import { sql, type Kysely } from 'kysely';
import type { Interval } from '../domain/interval.ts';
import type { ImportedBusySource } from './imported-busy-source.ts';
import type { DB } from './schema.ts';
import { calendarBlocksAvailability, invitationAllowsBlocking } from './calendar-blocks.ts';
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
 * overlap test uses the GiST index of migration 0013 (same range expression), the calendars that
 * block are found first (a handful of rows) and matched against each occurrence's own calendar
 * (0013; no join to the calendar's thousands of items), and each user's busy time comes back
 * already merged (range_agg) as two arrays of epoch milliseconds — one row per user, no Date
 * parsing. Availability needs only the union of busy time; explain, which names the events, reads
 * them one by one (imported-events.ts).
 *
 * Kept (decision 0023): each user's merged busy time of a window is remembered with its version —
 * the user's invitation policy and, for each blocking calendar, its id and `busy_version` (bumped by
 * the triggers of migration 0019 whenever its occurrences change). The statement reads every user's
 * version and merges busy time only for the users whose version differs from the one kept, so the
 * version and the busy time come from one snapshot, and a change committed by any process on the same
 * database is seen by the next read. Kept per database handle: a booking's transaction is a handle
 * of its own, so its re-check always merges afresh what its transaction sees.
 */
export function importedBusyFromStore(): ImportedBusySource {
  return {
    importedEvents: importedEventsFromStore,
    async importedBusy(db: Kysely<DB>, userIds: string[], range: Interval): Promise<Map<string, Interval[]>> {
      const result = new Map<string, Interval[]>();
      if (userIds.length === 0) return result;
      const kept = keptBusy(db);
      const known = userIds.flatMap((userId) => {
        const entry = kept.get(keyOf(userId, range));
        return entry ? [{ userId, entry }] : [];
      });
      const { rows } = await sql<{ user_id: string; version: string; unchanged: boolean; starts: number[] | null; ends: number[] | null }>`
        with versions as (
          select w.user_id, k.version as known,
            coalesce((select u.invitation_policy from users u where u.id = w.user_id), '') || ';' || coalesce((
              select string_agg(c.id::text || '@' || c.busy_version::text, ',' order by c.id)
              from remote_calendars c
              where c.user_id = w.user_id and c.role <> 'none' and ${calendarBlocksAvailability('c')}), '') as version
          from unnest(${userIds}::uuid[]) as w(user_id)
          left join unnest(${known.map((k) => k.userId)}::uuid[], ${known.map((k) => k.entry.version)}::text[]) as k(user_id, version)
            on k.user_id = w.user_id
        ), stale as (
          select user_id from versions where known is distinct from version
        ), calendars as (
          select c.id from remote_calendars c
          where c.user_id = any(array(select user_id from stale)) and c.role <> 'none' and ${calendarBlocksAvailability('c')}
        ), busy as (
          select o.user_id, range_agg(tstzrange(o.start_at, greatest(o.start_at, o.end_at))) as ranges
          from imported_occurrences o
          where o.user_id = any(array(select user_id from stale))
            and o.blocks
            and tstzrange(o.start_at, greatest(o.start_at, o.end_at)) && tstzrange(${new Date(range.start)}::timestamptz, ${new Date(range.end)}::timestamptz)
            and (o.remote_calendar_id = any(array(select id from calendars))
              or (o.remote_calendar_id is null and exists (
                select 1 from remote_items i
                where i.id = o.remote_item_id and i.kind = 'imported' and i.remote_calendar_id = any(array(select id from calendars)))))
            and ${invitationAllowsBlocking('o')}
          group by o.user_id
        )
        select v.user_id, v.version, v.known is not distinct from v.version as unchanged, m.starts, m.ends
        from versions v
        left join busy b on b.user_id = v.user_id
        left join lateral (
          select array_agg((extract(epoch from lower(r)) * 1000)::float8 order by lower(r)) as starts,
                 array_agg((extract(epoch from upper(r)) * 1000)::float8 order by lower(r)) as ends
          from unnest(b.ranges) as r
          where not isempty(r)
        ) m on true
      `.execute(db);
      for (const row of rows) {
        if (row.unchanged) {
          result.set(row.user_id, known.find((k) => k.userId === row.user_id)!.entry.intervals);
          continue;
        }
        const starts = row.starts ?? [];
        const ends = row.ends ?? [];
        const intervals = starts.map((start, i) => ({ start, end: ends[i]! }));
        const entry: KeptBusy = { version: row.version, intervals };
        kept.set(keyOf(row.user_id, range), entry);
        result.set(row.user_id, entry.intervals);
      }
      return result;
    },
  };
}
