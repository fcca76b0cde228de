import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessQueue } from '../../../src/jobs/in-process-queue.ts';
import { createScheduleStore } from '../../../src/store/schedule-store.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import { createScheduler } from '../../../src/jobs/scheduler.ts';
import type { ScheduleStore, SyncJobOutcome, SyncMode } from '../../../src/domain/sync/schedule.ts';
import type { SyncQueue } from '../../../src/jobs/sync-queue.ts';
import type { Database } from '../../../src/store/database.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { waitFor } from '../../support/wait-for.ts';
import { seedCalendar, seedConnection } from './seed.ts';

const start = new Date('2025-03-01T10:00:00Z');
const pollMs = 60_000;

/** The whole loop on a real database: scheduler → in-process queue → work → backoff → store → scheduler. */
describe.each(databaseKinds)('scheduling loop on %s', (kind) => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let queue: SyncQueue;
  let clock = start;
  const calls: Array<{ calendarId: string; mode: SyncMode }> = [];
  const outcomes = new Map<string, SyncJobOutcome>();
  let recorded = 0;
  const ids = { primary: '', conflict: '', connection: '' };

  beforeAll(async () => {
    handle = await createTestDatabase(kind);
    db = handle.db;
    const real = createScheduleStore(db, recordConnectionNotice);
    const store: ScheduleStore = {
      ...real,
      recordOutcome: async (...args) => {
        await real.recordOutcome(...args);
        recorded += 1;
      },
    };
    queue = createInProcessQueue({
      work: {
        syncCalendar: async (calendarId, mode) => {
          calls.push({ calendarId, mode });
          return outcomes.get(calendarId) ?? { status: 'ok' };
        },
        dispatchOutbox: async () => ({ processed: 0 }),
      },
      store,
      hostConcurrency: 1,
      pollMs,
      random: () => 0.5,
      now: () => clock,
    });
    await queue.start();

    const owner = await seedConnection(db);
    ids.primary = await seedCalendar(db, owner, { role: 'primary', url: 'https://p1-caldav.icloud.com/1/calendars/primary/' });
    ids.conflict = await seedCalendar(db, owner, { role: 'conflict', url: 'https://p2-caldav.icloud.com/1/calendars/conflict/' });
    ids.connection = owner.connectionId;
  });
  afterAll(async () => {
    await queue?.stop();
    await handle?.close();
  });

  const scheduler = () =>
    createScheduler({ store: createScheduleStore(db, recordConnectionNotice), queue, intervalMs: 1_000, now: () => clock, limit: 100 });
  /** One scheduler tick at `at`, waiting until every sync it started has recorded its outcome. */
  async function tickAt(at: Date): Promise<string[]> {
    clock = at;
    const before = { calls: calls.length, recorded };
    const enqueued = await scheduler().tick();
    await waitFor(async () => recorded - before.recorded === enqueued, `${enqueued} outcomes`);
    return calls
      .slice(before.calls)
      .map((call) => `${call.calendarId === ids.primary ? 'primary' : 'conflict'}:${call.mode}`)
      .sort();
  }
  const at = (ms: number) => new Date(start.getTime() + ms);

  it('syncs fully first, then incrementally every poll interval, backs off on failure, and stops on 401', async () => {
    expect(await tickAt(at(0))).toEqual(['conflict:full', 'primary:full']);
    expect(await tickAt(at(pollMs - 1))).toEqual([]); // not due yet
    expect(await tickAt(at(pollMs))).toEqual(['conflict:incremental', 'primary:incremental']);

    outcomes.set(ids.primary, { status: 'retry', error: { code: 'server_error', message: 'HTTP 503' }, retryAfterMs: 150_000 });
    expect(await tickAt(at(2 * pollMs))).toEqual(['conflict:incremental', 'primary:incremental']);
    const failing = await db.selectFrom('remote_calendars').selectAll().where('id', '=', ids.primary).executeTakeFirstOrThrow();
    expect(failing).toMatchObject({ failures: 1, last_error_code: 'server_error', next_sync_at: at(2 * pollMs + 150_000) });
    expect(await tickAt(at(3 * pollMs))).toEqual(['conflict:incremental']); // primary waits for Retry-After

    outcomes.delete(ids.primary);
    outcomes.set(ids.conflict, { status: 'stop', error: { code: 'unauthorized', message: 'HTTP 401' } });
    expect(await tickAt(at(2 * pollMs + 150_000))).toEqual(['conflict:incremental', 'primary:incremental']);
    const connection = await db.selectFrom('connections').select('status').where('id', '=', ids.connection).executeTakeFirstOrThrow();
    expect(connection.status).toBe('needs_reconnect');

    // The whole connection is quiet now, however much time passes; "Sync now" cannot wake it either.
    expect(await createScheduleStore(db, recordConnectionNotice).markDue(ids.primary, at(10 * pollMs))).toBe(true);
    expect(await tickAt(at(100 * pollMs))).toEqual([]);
    expect(await db.selectFrom('remote_calendars').select('id').where('connection_id', '=', ids.connection).execute()).toHaveLength(2);

    // Reconnecting (another engineer's flow) makes the connection active again: polling resumes.
    await db.updateTable('connections').set({ status: 'active' }).where('id', '=', ids.connection).execute();
    outcomes.clear();
    expect(await tickAt(at(100 * pollMs))).toEqual(['conflict:incremental', 'primary:incremental']);
  });
});
