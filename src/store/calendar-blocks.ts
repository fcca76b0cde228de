import { sql, type RawBuilder } from 'kysely';

/**
 * Whether the events of a remote calendar block availability (issue 12.1): the user's switch in
 * Tandem when set, otherwise what the server says (RFC 6638 schedule-calendar-transp; Apple's
 * "events affect availability"). `alias` names remote_calendars in the query.
 */
export function calendarBlocksAvailability(alias: string): RawBuilder<boolean> {
  return sql<boolean>`coalesce(${sql.ref(`${alias}.blocks_availability`)}, not ${sql.ref(`${alias}.server_transparent`)})`;
}
