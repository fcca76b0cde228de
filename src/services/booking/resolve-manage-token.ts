import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import { hashSecret } from '../auth/tokens.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A client's link `<attendeeId>.<secret>` → the booking it manages. Wrong or unknown → 404 alike. */
export async function resolveManageToken(
  db: Kysely<DB>,
  token: string,
): Promise<{ workspaceId: string; attendeeId: string; appointmentId: string; calendarId: string }> {
  const [attendeeId, secret] = token.split('.', 2);
  if (!attendeeId || !secret || !UUID.test(attendeeId)) throw new AppError('not_found');
  const row = await db
    .selectFrom('attendees')
    .innerJoin('appointments', 'appointments.id', 'attendees.appointment_id')
    .select(['attendees.workspace_id', 'attendees.id', 'attendees.appointment_id', 'attendees.secret_hash', 'appointments.calendar_id'])
    .where('attendees.id', '=', attendeeId)
    .executeTakeFirst();
  const expected = Buffer.from(row?.secret_hash ?? '0'.repeat(64), 'hex');
  const given = Buffer.from(hashSecret(secret), 'hex');
  if (!row || !timingSafeEqual(expected, given)) throw new AppError('not_found');
  return { workspaceId: row.workspace_id, attendeeId: row.id, appointmentId: row.appointment_id, calendarId: row.calendar_id };
}
