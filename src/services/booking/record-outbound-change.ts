import type { Transaction } from 'kysely';
import { pushesToExternalCalendars, type CalendarType } from '../../domain/calendar-type.ts';
import type { DB } from '../../store/schema.ts';

/**
 * Writes the outbox rows that tell the dispatcher to bring each assignee's primary calendar in
 * line with this appointment — in the caller's transaction, so an appointment change and its
 * promise to reach iCloud commit or vanish together. Simple and Event calendars never push.
 */
export async function recordOutboundChange(
  trx: Transaction<DB>,
  change: { workspaceId: string; appointmentId: string; calendarType: CalendarType; userIds: string[]; op: 'upsert' | 'delete' },
): Promise<void> {
  if (!pushesToExternalCalendars(change.calendarType) || change.userIds.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(
      change.userIds.map((userId) => ({
        workspace_id: change.workspaceId,
        appointment_id: change.appointmentId,
        user_id: userId,
        op: change.op,
      })),
    )
    .execute();
}
