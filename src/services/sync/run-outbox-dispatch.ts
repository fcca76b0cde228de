import type { Kysely } from 'kysely';
import type { EventCodec, OpenRemoteCalendar, OutboxRow, SyncStore } from '../../domain/sync/ports.ts';
import type { DB } from '../../store/schema.ts';
import { releaseOutboxClaims } from '../../store/sync-store/outbox.ts';
import { dispatchOutbox } from './dispatch-outbox.ts';
import { pruneDeliveredOutbox } from './prune-outbox.ts';

export interface RunOutboxDispatchDeps {
  db: Kysely<DB>;
  store: SyncStore;
  openRemote: OpenRemoteCalendar;
  codec: EventCodec;
}

/**
 * One run of the outbox dispatcher as the jobs schedule it: dispatch, then prune the rows kept as a
 * record. Interrupted by shutdown (`signal`), the rows it claimed but did not reach are due again at
 * once, so the next process pushes them without waiting for their lease to run out.
 */
export async function runOutboxDispatch(deps: RunOutboxDispatchDeps, now: Date, signal?: AbortSignal): Promise<{ processed: number }> {
  const claims = trackClaims(deps.store);
  const report = await dispatchOutbox(
    { store: claims.store, openRemote: deps.openRemote, codec: deps.codec },
    { now, ...(signal && { signal }) },
  );
  if (signal?.aborted) await releaseOutboxClaims(deps.db, claims.unfinished());
  else await pruneDeliveredOutbox(deps.db, now);
  return { processed: report.rows.length };
}

/** The store, remembering which outbox rows this dispatch claimed and has not finished. */
function trackClaims(store: SyncStore): { store: SyncStore; unfinished(): string[] } {
  const held = new Set<string>();
  const finishNothingToPush = store.finishRowsWithNothingToPush?.bind(store);
  return {
    store: {
      ...store,
      async claimOutboxRows(claim) {
        const rows = await store.claimOutboxRows(claim);
        for (const row of rows) held.add(row.id);
        return rows;
      },
      ...(finishNothingToPush && {
        async finishRowsWithNothingToPush(rows: readonly OutboxRow[], now: Date) {
          const finished = await finishNothingToPush(rows, now);
          for (const id of finished) held.delete(id);
          return finished;
        },
      }),
      async finishOutboxRow(outcome) {
        await store.finishOutboxRow(outcome);
        held.delete(outcome.row.id);
      },
    },
    unfinished: () => [...held],
  };
}
