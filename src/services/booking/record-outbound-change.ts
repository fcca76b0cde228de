import type { Transaction } from 'kysely';
import { pushesToExternalCalendars, type CalendarType } from '../../domain/calendar-type.ts';
import type { DB } from '../../store/schema.ts';
import { enqueueOutbox } from '../../store/sync-store/outbox.ts';

/**
 * Writes the outbox rows that tell the dispatcher to bring each assignee's primary calendar in
 * line with this appointment — in the caller's transaction, so an appointment change and its
 * promise to reach iCloud commit or vanish together. Simple and Event calendars never push.
 * The rows are due at `now`, the app's clock (enqueueOutbox).
 */
export async function recordOutboundChange(
  trx: Transaction<DB>,
  change: { workspaceId: string; appointmentId: string; calendarType: CalendarType; userIds: string[]; op: 'upsert' | 'delete'; now: Date },
): Promise<void> {
  if (!pushesToExternalCalendars(change.calendarType)) return;
  await enqueueOutbox(trx, {
    workspaceId: change.workspaceId,
    op: change.op,
    notBefore: change.now,
    pairs: change.userIds.map((userId) => ({ appointmentId: change.appointmentId, userId })),
  });
}
