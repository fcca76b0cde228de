import type { Interval } from '../domain/interval.ts';
import type { ImportedBusySource } from './imported-busy-source.ts';
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { calendarBlocksAvailability, invitationAllowsBlocking } from './calendar-blocks.ts';
import { importedEventsFromStore } from './imported-events.ts';

/**
 * Imported iCloud busy time, as the sync engine stored it: blocking occurrences of items in
 * calendars the user configured as primary or conflict.
 */
export function importedBusyFromStore(): ImportedBusySource {
  return {
    importedEvents: importedEventsFromStore,
    async importedBusy(db: Kysely<DB>, userIds: string[], range: Interval): Promise<Map<string, Interval[]>> {
      const result = new Map<string, Interval[]>();
      if (userIds.length === 0) return result;
      const rows = await db
        .selectFrom('imported_occurrences as o')
        .innerJoin('remote_items as i', 'i.id', 'o.remote_item_id')
        .innerJoin('remote_calendars as c', 'c.id', 'i.remote_calendar_id')
        .select(['o.user_id', 'o.start_at', 'o.end_at'])
        .where('o.user_id', 'in', userIds)
        .where('o.blocks', '=', true)
        .where('i.kind', '=', 'imported')
        .where('c.role', '!=', 'none')
        .where(calendarBlocksAvailability('c'))
        .where(invitationAllowsBlocking('o'))
        .where('o.end_at', '>', new Date(range.start))
        .where('o.start_at', '<', new Date(range.end))
        .execute();
      for (const row of rows) {
        const list = result.get(row.user_id) ?? [];
        list.push({ start: row.start_at.getTime(), end: row.end_at.getTime() });
        result.set(row.user_id, list);
      }
      return result;
    },
  };
}
