import { sql, type RawBuilder } from 'kysely';

/**
 * Whether the events of a remote calendar block availability (issue 12.1): the user's switch in
 * Tandem when set, otherwise what the server says (RFC 6638 schedule-calendar-transp; Apple's
 * "events affect availability"). `alias` names remote_calendars in the query.
 */
export function calendarBlocksAvailability(alias: string): RawBuilder<boolean> {
  return sql<boolean>`coalesce(${sql.ref(`${alias}.blocks_availability`)}, not ${sql.ref(`${alias}.server_transparent`)})`;
}

/**
 * Whether an imported occurrence's invitation lets it block (issue 12.2, domain/invitations.ts
 * invitationBlocks): not an open invitation, or its user's policy blocks them. Read when busy time
 * is read, so changing the policy re-derives busy time at once. `alias` names imported_occurrences.
 */
export function invitationAllowsBlocking(alias: string): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(`${alias}.invitation`)} is null or exists (
    select 1 from users as invited where invited.id = ${sql.ref(`${alias}.user_id`)} and invited.invitation_policy = 'block'))`;
}
