import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createScheduleStore } from '../../../src/store/schedule-store.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import type { ScheduleStore } from '../../../src/domain/sync/schedule.ts';
import type { Database } from '../../../src/store/database.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { seedCalendar, seedConnection, type CalendarSeed, type Owner } from './seed.ts';

const now = new Date('2025-03-01T10:00:00Z');
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
const hours = (n: number) => minutes(60 * n);

async function calendarRow(db: Database, id: string) {
  return db.selectFrom('remote_calendars').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe.each(databaseKinds)('ScheduleStore on %s', (kind) => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let store: ScheduleStore;
  /** A calendar whose last full sync was an hour ago unless the test says otherwise. */
  const calendar = (owner: Owner, seed: CalendarSeed = {}) => seedCalendar(db, owner, { lastFullSyncAt: hours(-1), ...seed });

  beforeAll(async () => {
    handle = await createTestDatabase(kind);
    db = handle.db;
    store = createScheduleStore(db, recordConnectionNotice);
  });
  afterAll(async () => {
    await handle.close();
  });
  beforeEach(async () => {
    await db.deleteFrom('workspaces').execute(); // cascades to everything seeded
  });

  describe('dueCalendars', () => {
    it('selects calendars in use of active connections that are due, never-synced first', async () => {
      const owner = await seedConnection(db);
      const revoked = await seedConnection(db, 'needs_reconnect');
      const never = await calendar(owner, { nextSyncAt: null, role: 'primary', url: 'https://P7-caldav.icloud.com:443/1/calendars/home/' });
      const overdue = await calendar(owner, { nextSyncAt: minutes(-5), failures: 2 });
      const exactlyNow = await calendar(owner, { nextSyncAt: now });
      await calendar(owner, { nextSyncAt: minutes(1) }); // future
      await calendar(owner, { nextSyncAt: null, role: 'none' }); // not used for anything
      await calendar(revoked, { nextSyncAt: null }); // connection needs reconnect

      const due = await store.dueCalendars(now, 100);

      expect(due).toEqual([
        { calendarId: never, host: 'p7-caldav.icloud.com', mode: 'incremental', failures: 0, lastChangeAt: null, dueAt: null },
        {
          calendarId: overdue,
          host: 'p42-caldav.icloud.com',
          mode: 'incremental',
          failures: 2,
          lastChangeAt: null,
          dueAt: minutes(-5).toISOString(),
        },
        {
          calendarId: exactlyNow,
          host: 'p42-caldav.icloud.com',
          mode: 'incremental',
          failures: 0,
          lastChangeAt: null,
          dueAt: now.toISOString(),
        },
      ]);
    });

    it('respects the limit, the longest overdue first', async () => {
      const owner = await seedConnection(db);
      const oldest = await calendar(owner, { nextSyncAt: minutes(-30) });
      await calendar(owner, { nextSyncAt: minutes(-10) });
      const older = await calendar(owner, { nextSyncAt: minutes(-20) });

      const due = await store.dueCalendars(now, 2);

      expect(due.map((calendar) => calendar.calendarId)).toEqual([oldest, older]);
    });

    it('asks for a full sync when there was none, or the last one is 24 h old', async () => {
      const owner = await seedConnection(db);
      const neverFull = await calendar(owner, { lastFullSyncAt: null });
      const dayOld = await calendar(owner, { lastFullSyncAt: hours(-24) });
      const recent = await calendar(owner, { lastFullSyncAt: minutes(-(24 * 60 - 1)) });

      const modes = new Map((await store.dueCalendars(now, 10)).map((calendar) => [calendar.calendarId, calendar.mode]));

      expect(modes).toEqual(
        new Map([
          [neverFull, 'full'],
          [dayOld, 'full'],
          [recent, 'incremental'],
        ]),
      );
    });
  });

  describe('recordOutcome', () => {
    it('ok: next due time, failures and error cleared, last synced stamped', async () => {
      const owner = await seedConnection(db);
      const id = await calendar(owner, { failures: 3, lastFullSyncAt: hours(-2) });
      await db
        .updateTable('remote_calendars')
        .set({ last_error_code: 'server_error', last_error_message: '503' })
        .where('id', '=', id)
        .execute();

      await store.recordOutcome(id, { status: 'ok' }, { at: minutes(1), failures: 0 }, now, 'incremental');

      const row = await calendarRow(db, id);
      expect(row).toMatchObject({
        next_sync_at: minutes(1),
        failures: 0,
        last_error_code: null,
        last_error_message: null,
        last_synced_at: now,
        last_full_sync_at: hours(-2),
      });
    });

    it('ok after a full sync: the full reconciliation is stamped, so the next one is a day away', async () => {
      const owner = await seedConnection(db);
      const id = await calendar(owner, { lastFullSyncAt: null });

      await store.recordOutcome(id, { status: 'ok' }, { at: now, failures: 0 }, now, 'full');

      expect((await calendarRow(db, id)).last_full_sync_at).toEqual(now);
      expect(await store.dueCalendars(now, 10)).toEqual([expect.objectContaining({ calendarId: id, mode: 'incremental' })]);
    });

    it('retry: backs off, counts the failure, shows the error, keeps the last synced time', async () => {
      const owner = await seedConnection(db);
      const id = await calendar(owner, { failures: 1 });
      await db
        .updateTable('remote_calendars')
        .set({ last_synced_at: hours(-1) })
        .where('id', '=', id)
        .execute();

      await store.recordOutcome(
        id,
        { status: 'retry', error: { code: 'server_error', message: 'HTTP 503' }, retryAfterMs: 5_000 },
        { at: minutes(2), failures: 2 },
        now,
        'full',
      );

      const row = await calendarRow(db, id);
      expect(row).toMatchObject({
        next_sync_at: minutes(2),
        failures: 2,
        last_error_code: 'server_error',
        last_error_message: 'HTTP 503',
        last_synced_at: hours(-1),
        last_full_sync_at: hours(-1),
      });
      expect(await store.dueCalendars(minutes(1), 10)).toEqual([]);
      expect(await store.dueCalendars(minutes(2), 10)).toHaveLength(1);
    });

    it('stop: the connection needs reconnecting, polling stops, nothing is deleted', async () => {
      const owner = await seedConnection(db);
      const id = await calendar(owner, { role: 'primary' });
      const sibling = await calendar(owner, { nextSyncAt: null });
      const other = await seedConnection(db);
      const unrelated = await calendar(other, { nextSyncAt: null });
      await db
        .insertInto('remote_items')
        .values({
          workspace_id: owner.workspaceId,
          remote_calendar_id: id,
          user_id: owner.userId,
          href: '/e/1.ics',
          etag: '"1"',
          kind: 'imported',
        })
        .execute();

      await store.recordOutcome(
        id,
        { status: 'stop', error: { code: 'unauthorized', message: 'HTTP 401' } },
        { at: null, failures: 1 },
        now,
        'incremental',
      );

      expect(await calendarRow(db, id)).toMatchObject({
        next_sync_at: null,
        failures: 1,
        last_error_code: 'unauthorized',
        last_error_message: 'HTTP 401',
        role: 'primary',
      });
      const connection = await db.selectFrom('connections').selectAll().where('id', '=', owner.connectionId).executeTakeFirstOrThrow();
      expect(connection).toMatchObject({ status: 'needs_reconnect', last_error_code: 'unauthorized', last_error_message: 'HTTP 401' });
      // Neither this calendar nor its siblings are polled any more; other connections are untouched.
      expect((await store.dueCalendars(hours(48), 10)).map((calendar) => calendar.calendarId)).toEqual([unrelated]);
      const kept = await db
        .selectFrom('remote_calendars')
        .select('id')
        .where('connection_id', '=', owner.connectionId)
        .orderBy('id')
        .execute();
      expect(kept.map((row) => row.id).sort()).toEqual([id, sibling].sort());
      expect(await db.selectFrom('remote_items').select('href').where('remote_calendar_id', '=', id).execute()).toEqual([
        { href: '/e/1.ics' },
      ]);
    });

    it('halt (refused answer, blocked address): only this calendar waits a day; the connection stays active', async () => {
      const owner = await seedConnection(db);
      const id = await calendar(owner, { role: 'primary' });
      const sibling = await calendar(owner, { nextSyncAt: null });
      const error = { code: 'caldav_refused_response', message: 'The calendar server sent an answer Tandem will not accept.' };

      await store.recordOutcome(id, { status: 'halt', error }, { at: hours(24), failures: 1 }, now, 'incremental');

      expect(await calendarRow(db, id)).toMatchObject({
        next_sync_at: hours(24),
        failures: 1,
        last_error_code: error.code,
        last_error_message: error.message,
      });
      const connection = await db.selectFrom('connections').selectAll().where('id', '=', owner.connectionId).executeTakeFirstOrThrow();
      expect(connection).toMatchObject({ status: 'active', last_error_code: null });
      expect((await store.dueCalendars(hours(1), 1000)).map((calendar) => calendar.calendarId)).toContain(sibling);
      expect((await store.dueCalendars(hours(1), 1000)).map((calendar) => calendar.calendarId)).not.toContain(id);
    });

    it('a calendar deleted meanwhile is not an error', async () => {
      await expect(
        store.recordOutcome(
          randomUUID(),
          { status: 'stop', error: { code: 'unauthorized', message: '401' } },
          { at: null, failures: 1 },
          now,
          'full',
        ),
      ).resolves.toBeUndefined();
      await expect(store.recordOutcome('not-a-uuid', { status: 'ok' }, { at: now, failures: 0 }, now, 'full')).resolves.toBeUndefined();
    });
  });

  describe('markDue', () => {
    it('"Sync now" makes a calendar due at once', async () => {
      const owner = await seedConnection(db);
      const id = await calendar(owner, { nextSyncAt: hours(1) });
      expect(await store.dueCalendars(now, 10)).toEqual([]);

      expect(await store.markDue(id, now)).toBe(true);

      expect((await calendarRow(db, id)).next_sync_at).toEqual(now);
      expect((await store.dueCalendars(now, 10)).map((calendar) => calendar.calendarId)).toEqual([id]);
    });

    it('answers false for a calendar that does not exist', async () => {
      expect(await store.markDue(randomUUID(), now)).toBe(false);
      expect(await store.markDue('nonsense', now)).toBe(false);
    });
  });
});
