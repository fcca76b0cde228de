import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncWork } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { createSecretBox } from '../../../src/services/secrets/secret-box.ts';
import type { DatabaseHandle } from '../../../src/store/database.ts';
import { TEST_SECRET_KEY } from '../../support/api.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { seedUser, seedWorkspace } from '../../support/seed-rows.ts';

const DAY = 86_400_000;

describe.each(databaseKinds)('outbox retention on %s', (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.close());

  it('prunes pushed rows after 30 days and never touches pending or failed ones', async () => {
    const db = database.db;
    const workspaceId = await seedWorkspace(db);
    const userId = await seedUser(db, workspaceId);
    const now = new Date('2026-11-21T12:00:00Z');
    const row = (status: 'pending' | 'done' | 'failed', doneDaysAgo: number | null, appointmentId: string) => ({
      workspace_id: workspaceId,
      user_id: userId,
      appointment_id: appointmentId,
      op: 'upsert' as const,
      status,
      done_at: doneDaysAgo === null ? null : new Date(now.getTime() - doneDaysAgo * DAY),
      // Not due yet: the dispatcher below must leave the pending row alone, not try to push it.
      not_before: new Date(now.getTime() + DAY),
    });
    await db
      .insertInto('outbox')
      .values([
        row('done', 40, '00000000-0000-4000-8000-000000000001'),
        row('done', 2, '00000000-0000-4000-8000-000000000002'),
        row('failed', null, '00000000-0000-4000-8000-000000000003'),
        row('pending', null, '00000000-0000-4000-8000-000000000004'),
      ])
      .execute();

    const config = loadConfig({ TANDEM_SECRET_KEY: TEST_SECRET_KEY });
    const work = createSyncWork(config, db, createSecretBox(Buffer.from(TEST_SECRET_KEY, 'base64')), { now: () => now });
    expect(await work.dispatchOutbox()).toEqual({ processed: 0 });

    const left = await db
      .selectFrom('outbox')
      .select(['appointment_id', 'status'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('appointment_id')
      .execute();
    expect(left).toEqual([
      { appointment_id: '00000000-0000-4000-8000-000000000002', status: 'done' },
      { appointment_id: '00000000-0000-4000-8000-000000000003', status: 'failed' },
      { appointment_id: '00000000-0000-4000-8000-000000000004', status: 'pending' },
    ]);
  });
});
