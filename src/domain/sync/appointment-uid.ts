/**
 * One stable UID per appointment, derived from its id. Stability is what makes outbound writes
 * idempotent: a retried create lands on the same href (derived from the UID) and answers 412
 * instead of making a second event.
 */

const PREFIX = 'tandem-';
const SUFFIX = '@tandem';

export function appointmentEventUid(appointmentId: string): string {
  return `${PREFIX}${appointmentId}${SUFFIX}`;
}

/** SQL LIKE pattern matching every UID appointmentEventUid makes (ids hold no LIKE wildcards). */
export const APPOINTMENT_UID_LIKE = `${PREFIX}%${SUFFIX}`;

/** The appointment id inside one of our UIDs, or null for any other UID. */
export function appointmentIdFromUid(uid: string | null): string | null {
  if (uid === null || !uid.startsWith(PREFIX) || !uid.endsWith(SUFFIX)) return null;
  const id = uid.slice(PREFIX.length, uid.length - SUFFIX.length);
  return id.length > 0 ? id : null;
}

/**
 * The file name an event with this UID gets inside a calendar collection. Only characters that are
 * safe unescaped in a URL path segment survive, so every adapter derives the same href.
 */
export function eventResourceName(uid: string): string {
  return `${uid.replace(/[^A-Za-z0-9._-]/g, '-')}.ics`;
}
