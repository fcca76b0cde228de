import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createScheduleStore } from '../../../src/store/schedule-store.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import { runWorker } from '../../../src/jobs/run-worker.ts';
import { startJobs } from '../../../src/jobs/start-jobs.ts';
import type { Config } from '../../../src/config.ts';
import type { Database } from '../../../src/store/database.ts';
import { createTestDatabase } from '../../support/db.ts';
import { waitFor } from '../../support/wait-for.ts';
import { seedCalendar, seedConnection } from './seed.ts';
import { createWorkStub } from './stubs.ts';

const sync: Config['sync'] = {
  pollSeconds: 60,
  fastPollSeconds: 15,
  fastPollForSeconds: 300,
  pastDays: 30,
  futureDays: 400,
  hostConcurrency: 2,
  workerConcurrency: 8,
  scheduler: true,
};

/** The serve-side wiring, both ways: in-process (no REDIS_URL) and producer + `tandem worker` (REDIS_URL). */
describe('startJobs', () => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;

  beforeAll(async () => {
    handle = await createTestDatabase('pglite');
    db = handle.db;
  });
  afterAll(async () => {
    await handle.close();
  });

  const lastSynced = async (id: string) =>
    (await db.selectFrom('remote_calendars').select('last_synced_at').where('id', '=', id).executeTakeFirstOrThrow()).last_synced_at;

  it('without Redis: schedules and syncs in process; "Sync now" runs a calendar at once', async () => {
    const stub = createWorkStub();
    stub.releaseEverything(); // every call completes at once
    const calendarId = await seedCalendar(db, await seedConnection(db), { role: 'primary' });
    const jobs = await startJobs({
      config: { redisUrl: null, sync },
      work: stub.work,
      store: createScheduleStore(db, recordConnectionNotice),
      onError: () => undefined,
    });
    try {
      await waitFor(async () => (await lastSynced(calendarId)) !== null, 'the first scheduled sync');
      expect(stub.started.get(calendarId)).toBe(1);
      expect(stub.dispatch.started).toBeGreaterThanOrEqual(1);

      // Not due for another minute, but the user asks.
      expect(await jobs.syncNow(calendarId)).toBe(true);
      await waitFor(async () => stub.finished.get(calendarId) === 2, 'the requested sync');
      expect(await jobs.syncNow(randomUUID())).toBe(false);

      const dispatches = stub.dispatch.finished;
      await jobs.dispatchSoon();
      await waitFor(async () => stub.dispatch.finished > dispatches, 'the requested dispatch');
    } finally {
      await jobs.stop();
    }
  });

  it('with Redis: the server only produces; a `tandem worker` does the work', async () => {
    const prefix = `t${randomUUID().replaceAll('-', '')}`;
    const redisUrl = inject('redisUrl');
    const serverWork = createWorkStub();
    const workerWork = createWorkStub();
    workerWork.releaseEverything();
    const calendarId = await seedCalendar(db, await seedConnection(db), { role: 'primary' });
    const store = createScheduleStore(db, recordConnectionNotice);
    const jobs = await startJobs({
      config: { redisUrl, sync: { ...sync, scheduler: false } },
      work: serverWork.work,
      store,
      prefix,
      onError: () => undefined,
    });
    let shutdown: () => void = () => undefined;
    const worker = runWorker({
      redisUrl,
      work: workerWork.work,
      store,
      config: { sync: { ...sync, scheduler: false } },
      prefix,
      until: new Promise((resolve) => (shutdown = () => resolve(undefined))),
      onError: () => undefined,
    });
    try {
      expect(await jobs.syncNow(calendarId)).toBe(true);
      await waitFor(async () => (await lastSynced(calendarId)) !== null, 'the worker to sync');
      expect(workerWork.started.get(calendarId)).toBe(1);
      expect(serverWork.started.size).toBe(0);
    } finally {
      shutdown();
      await worker;
      await jobs.stop();
    }
  });
});
