import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { recordAppointmentNotice } from '../../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import type { DatabaseHandle } from '../../../src/store/database.ts';
import { icalEventCodec } from '../../../src/services/sync/ical-codec.ts';
import { syncCalendar } from '../../../src/services/sync/sync-calendar.ts';
import { getSyncStatus } from '../../../src/services/sync/get-sync-status.ts';
import type { SyncStore } from '../../../src/domain/sync/ports.ts';
import { createTestDatabase } from '../../support/db.ts';
import { InMemoryRemoteCalendar, simpleEvent } from '../../support/in-memory-sync.ts';
import { seedRemoteCalendar, seedUser, seedWorkspace } from '../../support/seed-rows.ts';

/** A first import of a large calendar tells the user how far it got: "events imported of total". */
describe('first import progress', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });
  afterAll(async () => database?.close());

  it('records imported-of-total after every batch and reports it in the sync status until done', async () => {
    const db = database.db;
    const workspaceId = await seedWorkspace(db);
    const userId = await seedUser(db, workspaceId);
    const remote = new InMemoryRemoteCalendar('https://caldav.example/cal/');
    const calendarId = await seedRemoteCalendar(db, { workspaceId, userId, url: remote.url, role: 'primary' });
    for (let i = 0; i < 7; i++) {
      const start = new Date(Date.UTC(2026, 11, 1 + i, 9));
      remote.userPut(
        `${remote.url}e${i}.ics`,
        simpleEvent({ uid: `e${i}`, start, end: new Date(start.getTime() + 3_600_000), summary: `Event ${i}` }),
      );
    }
    const now = new Date('2026-11-21T08:00:00Z');
    const real = createSyncStore(db, {
      publicUrl: 'https://tandem.example',
      now: () => now,
      recordNotice: recordAppointmentNotice,
      recordConnectionNotice,
    });
    const seen: Array<{ done: number; total: number } | null> = [];
    // Observe the status a person would see while each batch is being stored.
    const store: SyncStore = {
      ...real,
      async applyInboundBatch(batch) {
        const [status] = await getSyncStatus({ db, now: () => now, publicUrl: '' }, { actor: { workspaceId, userId, role: 'owner' } });
        seen.push(status?.importProgress ?? null);
        return real.applyInboundBatch(batch);
      },
    };
    await syncCalendar(
      {
        db,
        store,
        openRemote: async () => remote,
        codec: icalEventCodec,
        window: { pastDays: 30, futureDays: 400 },
        now: () => now,
        batchSize: 3,
        progressThreshold: 5,
      },
      { calendarId, mode: 'incremental' },
    );
    expect(seen).toEqual([null, { done: 3, total: 7 }, { done: 6, total: 7 }]);
    const [after] = await getSyncStatus({ db, now: () => now, publicUrl: '' }, { actor: { workspaceId, userId, role: 'owner' } });
    expect(after).toMatchObject({ importProgress: null, lastError: null, lastSyncedAt: now.toISOString(), lagSeconds: 0 });
    const stored = await db
      .selectFrom('remote_calendars')
      .select(['import_done', 'import_total'])
      .where('id', '=', calendarId)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ import_done: 7, import_total: 7 });
  });
});
