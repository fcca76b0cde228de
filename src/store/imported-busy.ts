import { sql, type Kysely } from 'kysely';
import type { Interval } from '../domain/interval.ts';
import type { ImportedBusySource } from './imported-busy-source.ts';
import type { DB } from './schema.ts';
import { calendarBlocksAvailability, invitationAllowsBlocking } from './calendar-blocks.ts';
import { importedEventsFromStore } from './imported-events.ts';

/**
 * Imported iCloud busy time, as the sync engine stored it: blocking occurrences of items in
 * calendars the user configured as primary or conflict.
 *
 * Read for every slots request and booking re-check, so it is shaped for that (issue 13.3): the
 * overlap test uses the GiST index of migration 0013 (same range expression), the calendars that
 * block are found first (a handful of rows) and matched against each occurrence's own calendar
 * (0013; no join to the calendar's thousands of items), and each user's
 * busy time comes back already merged (range_agg) with instants as epoch milliseconds — fewer rows
 * and no Date parsing per row. Availability needs only the union of busy time; explain, which names
 * the events, reads them one by one (imported-events.ts).
 */
export function importedBusyFromStore(): ImportedBusySource {
  return {
    importedEvents: importedEventsFromStore,
    async importedBusy(db: Kysely<DB>, userIds: string[], range: Interval): Promise<Map<string, Interval[]>> {
      const result = new Map<string, Interval[]>();
      if (userIds.length === 0) return result;
      const { rows } = await sql<{ user_id: string; start_ms: number; end_ms: number }>`
        with calendars as (
          select c.id from remote_calendars c
          where c.user_id = any(${userIds}::uuid[]) and c.role <> 'none' and ${calendarBlocksAvailability('c')}
        ), busy as (
          select o.user_id, range_agg(tstzrange(o.start_at, greatest(o.start_at, o.end_at))) as ranges
          from imported_occurrences o
          where o.user_id = any(${userIds}::uuid[])
            and o.blocks
            and tstzrange(o.start_at, greatest(o.start_at, o.end_at)) && tstzrange(${new Date(range.start)}::timestamptz, ${new Date(range.end)}::timestamptz)
            and (o.remote_calendar_id = any(array(select id from calendars))
              or (o.remote_calendar_id is null and exists (
                select 1 from remote_items i
                where i.id = o.remote_item_id and i.kind = 'imported' and i.remote_calendar_id = any(array(select id from calendars)))))
            and ${invitationAllowsBlocking('o')}
          group by o.user_id
        )
        select b.user_id, (extract(epoch from lower(r)) * 1000)::float8 as start_ms, (extract(epoch from upper(r)) * 1000)::float8 as end_ms
        from busy b, unnest(b.ranges) as r
        where not isempty(r)
        order by b.user_id, lower(r)
      `.execute(db);
      for (const row of rows) {
        const list = result.get(row.user_id) ?? [];
        list.push({ start: row.start_ms, end: row.end_ms });
        result.set(row.user_id, list);
      }
      return result;
    },
  };
}
