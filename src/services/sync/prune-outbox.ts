import type { Kysely } from 'kysely';
import { DAY_MS } from '../../domain/time.ts';
import type { DB } from '../../store/schema.ts';
import { pruneDoneOutbox } from '../../store/sync-store/outbox.ts';

/** How long a pushed change stays in the outbox as a record before it is pruned. */
export const OUTBOX_RETENTION_MS = 30 * DAY_MS;

/** Deletes delivered outbox rows older than the retention period; returns how many. */
export function pruneDeliveredOutbox(db: Kysely<DB>, now: Date): Promise<number> {
  return pruneDoneOutbox(db, new Date(now.getTime() - OUTBOX_RETENTION_MS));
}
