import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../src/store/database.ts';
import { claimOutboxRows, finishRowsWithNothingToPush } from '../../../src/store/sync-store/outbox.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { bookAppointment, seedBookingCalendar, seedRemoteCalendar, seedUser, seedWorkspace } from '../../support/seed-rows.ts';

/**
 * The dispatcher's shortcut (issue 13.4): rows of users with no primary calendar and no written copy
 * are finished together in one statement; every other row is left to the row-by-row dispatch.
 */
describe.each(databaseKinds)('outbox rows with nothing to push on %s', (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => database?.close());

  it('finishes only the rows of users without a primary calendar and without a link', async () => {
    const db = database.db;
    const now = new Date('2026-11-21T12:00:00Z');
    const workspaceId = await seedWorkspace(db);
    const withoutCalendar = await seedUser(db, workspaceId);
    const withPrimary = await seedUser(db, workspaceId);
    const withLinkOnly = await seedUser(db, workspaceId);
    await seedRemoteCalendar(db, { workspaceId, userId: withPrimary, url: 'https://caldav.example/primary/', role: 'primary' });
    const formerCalendar = await seedRemoteCalendar(db, {
      workspaceId,
      userId: withLinkOnly,
      url: 'https://caldav.example/former/',
      role: 'none',
    });
    const calendar = await seedBookingCalendar(db, workspaceId, { type: 'collective' });
    const appointmentId = await bookAppointment(db, {
      workspaceId,
      calendar,
      userIds: [withoutCalendar, withPrimary, withLinkOnly],
      start: new Date('2026-11-23T10:00:00Z'),
      end: new Date('2026-11-23T11:00:00Z'),
      title: 'Consultation',
      now,
    });
    // A copy written to a calendar that is no longer the primary: it must still be removed.
    await db
      .insertInto('appointment_links')
      .values({
        appointment_id: appointmentId,
        user_id: withLinkOnly,
        workspace_id: workspaceId,
        remote_calendar_id: formerCalendar,
        href: 'https://caldav.example/former/event.ics',
        etag: '"1"',
        pending_writes: '[]',
        written_details_hash: 'x',
        written_start: new Date('2026-11-23T10:00:00Z'),
        written_end: new Date('2026-11-23T11:00:00Z'),
        written_title: 'Consultation',
      })
      .execute();

    const claimed = await db.transaction().execute((trx) => claimOutboxRows(trx, { now, limit: 10, leaseMs: 60_000 }));
    expect(claimed).toHaveLength(3);
    const finished = await finishRowsWithNothingToPush(
      db,
      claimed.map((row) => row.id),
      now,
    );
    expect(finished).toEqual([claimed.find((row) => row.userId === withoutCalendar)!.id]);

    const rows = await db.selectFrom('outbox').select(['user_id', 'status', 'leased_until', 'done_at']).execute();
    const byUser = new Map(rows.map((row) => [row.user_id, row]));
    expect(byUser.get(withoutCalendar)).toEqual({ user_id: withoutCalendar, status: 'done', leased_until: null, done_at: now });
    expect(byUser.get(withPrimary)?.status).toBe('pending');
    expect(byUser.get(withPrimary)?.leased_until).not.toBeNull();
    expect(byUser.get(withLinkOnly)?.status).toBe('pending');
    // A row already finished is not finished again.
    expect(await finishRowsWithNothingToPush(db, finished, now)).toEqual([]);
  });
});
