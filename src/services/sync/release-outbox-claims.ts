import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { releaseOutboxClaims as releaseClaims } from '../../store/sync-store/outbox.ts';

/**
 * Outbox rows a dispatch claimed but did not reach (it was interrupted by shutdown) become due at
 * once, so the next process pushes them without waiting for their lease to run out.
 */
export function releaseOutboxClaims(db: Kysely<DB>, rowIds: readonly string[]): Promise<void> {
  return releaseClaims(db, rowIds);
}
