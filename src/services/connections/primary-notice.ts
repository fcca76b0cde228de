import { APPOINTMENT_UID_LIKE } from '../../domain/sync/appointment-uid.ts';
import type { Database } from '../../store/database.ts';

/**
 * What a user must know about where their appointments are written (issue 12.3), in words for
 * Settings → Calendars; null when all is as configured. Two situations are told:
 *
 * - the calendar holding their appointments' events was deleted on the server and no primary has
 *   been chosen since: the appointments are kept, but nothing is written until one is chosen;
 * - copies of appointments stay in a calendar that is no longer the primary because Tandem could
 *   not remove them there (read-only, the account needs reconnecting, the server refused): the
 *   person has to delete them in their calendar app, or see them twice.
 *
 * Both are read from state (links, items, calendars), so the notice goes away by itself once the
 * situation does: no flag to set or clear.
 */
export async function loadPrimaryNotice(
  db: Database,
  options: { workspaceId: string; userId: string; hasPrimary: boolean; now: Date },
): Promise<string | null> {
  const sentences = [...(options.hasPrimary ? [] : await strandedByDeletedPrimary(db, options)), ...(await leftCopies(db, options))];
  return sentences.length > 0 ? sentences.join(' ') : null;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Upcoming appointments whose event lived in a calendar since deleted on the server. */
async function strandedByDeletedPrimary(db: Database, options: { workspaceId: string; userId: string; now: Date }): Promise<string[]> {
  const rows = await db
    .selectFrom('appointment_links as l')
    .innerJoin('remote_calendars as c', 'c.id', 'l.remote_calendar_id')
    .innerJoin('appointments as a', 'a.id', 'l.appointment_id')
    .select(['c.display_name', (eb) => eb.fn.countAll<string>().as('n')])
    .where('l.workspace_id', '=', options.workspaceId)
    .where('l.user_id', '=', options.userId)
    .where('c.removed_at', 'is not', null)
    .where('a.status', '=', 'confirmed')
    .where('a.end_at', '>', options.now)
    .groupBy('c.display_name')
    .orderBy('c.display_name')
    .execute();
  return rows.map(
    (row) =>
      `Your primary calendar “${row.display_name}” was deleted in the calendar app: ` +
      `${plural(Number(row.n), 'upcoming appointment is', 'upcoming appointments are')} kept in Tandem but not written to any calendar until you choose a new primary calendar, ` +
      'which then gets each of them once.',
  );
}

/**
 * Events of ours in a calendar that is not the primary and that no link points at: copies a move
 * to another primary could not remove. A copy still linked there is one the outbox has yet to move.
 */
async function leftCopies(db: Database, options: { workspaceId: string; userId: string }): Promise<string[]> {
  const rows = await db
    .selectFrom('remote_items as i')
    .innerJoin('remote_calendars as c', 'c.id', 'i.remote_calendar_id')
    .innerJoin('connections as x', 'x.id', 'c.connection_id')
    .select(['c.display_name', 'c.writable', 'x.status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('c.workspace_id', '=', options.workspaceId)
    .where('c.user_id', '=', options.userId)
    .where('c.role', '!=', 'primary')
    .where('c.removed_at', 'is', null)
    .where('i.uid', 'like', APPOINTMENT_UID_LIKE)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('appointment_links as l')
            .select('l.appointment_id')
            .whereRef('l.remote_calendar_id', '=', 'i.remote_calendar_id')
            .whereRef('l.href', '=', 'i.href'),
        ),
      ),
    )
    .groupBy(['c.display_name', 'c.writable', 'x.status'])
    .orderBy('c.display_name')
    .execute();
  return rows.map((row) => {
    const why = !row.writable
      ? 'the calendar is read-only'
      : row.status === 'needs_reconnect'
        ? 'the account needs reconnecting'
        : 'the server refused to delete them';
    return (
      `${plural(Number(row.n), 'copy of an appointment stays', 'copies of appointments stay')} in “${row.display_name}”, which is no longer your primary calendar: ` +
      `Tandem could not remove them because ${why}. Delete them in the calendar app if you do not want to see them twice.`
    );
  });
}
