import type { Kysely } from 'kysely';
import type { Interval } from '../domain/interval.ts';
import type { ImportedEvent } from './imported-busy-source.ts';
import type { DB } from './schema.ts';
import { calendarBlocksAvailability, invitationAllowsBlocking } from './calendar-blocks.ts';

/**
 * The blocking imported occurrences of one user in a (short) range, with title and calendar: the
 * same rows importedBusy reads (blocking, imported, in a primary or conflict calendar).
 */
export async function importedEventsFromStore(db: Kysely<DB>, userId: string, range: Interval): Promise<ImportedEvent[]> {
  const rows = await db
    .selectFrom('imported_occurrences as o')
    .innerJoin('remote_items as i', 'i.id', 'o.remote_item_id')
    .innerJoin('remote_calendars as c', 'c.id', 'i.remote_calendar_id')
    .select(['o.start_at', 'o.end_at', 'o.summary', 'o.all_day', 'c.id as calendar_id', 'c.display_name'])
    .where('o.user_id', '=', userId)
    .where('o.blocks', '=', true)
    .where('i.kind', '=', 'imported')
    .where('c.role', '!=', 'none')
    .where(calendarBlocksAvailability('c'))
    .where(invitationAllowsBlocking('o'))
    .where('o.end_at', '>', new Date(range.start))
    .where('o.start_at', '<', new Date(range.end))
    .orderBy('o.start_at')
    .execute();
  return rows.map((r) => ({
    start: r.start_at.getTime(),
    end: r.end_at.getTime(),
    title: r.summary,
    allDay: r.all_day,
    remoteCalendarId: r.calendar_id,
    calendarName: r.display_name,
  }));
}
