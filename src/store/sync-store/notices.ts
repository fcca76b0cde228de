import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

/** What the sync store has to tell the outside world: an appointment moved or removed in iCloud. */
export interface SyncNotice {
  workspaceId: string;
  appointmentId: string;
  change: 'moved_in_calendar' | 'removed_from_calendar';
  cause: 'calendar_sync';
  now: Date;
  previousStart?: Date | null;
}

/**
 * Records a notice (e-mails, reminders, webhook deliveries) inside the caller's transaction, so a
 * rollback takes it back with the change. The store calls it; services/notifications implements it
 * (`recordAppointmentNotice`) and the composition root passes it in, so store/ knows no services/.
 */
export type RecordSyncNotice = (trx: Kysely<DB>, notice: SyncNotice) => Promise<void>;
