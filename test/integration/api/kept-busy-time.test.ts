import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportedOccurrence } from '../../../src/domain/sync/types.ts';
import { recordAppointmentNotice } from '../../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import { importedBusyFromStore } from '../../../src/store/imported-busy.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { addCalendar, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';
import { databaseKinds } from '../../support/db.ts';
import { anotherServer, type AnotherServer } from '../../support/another-server.ts';
import { seedRemoteCalendar } from '../../support/seed-rows.ts';
import type { DB } from '../../../src/store/schema.ts';

/**
 * Imported busy time is kept in memory between slots requests (decision 0023, store/imported-busy.ts):
 * every change of it must still show in the very next request — a new imported event, a changed or
 * deleted one, the calendar's blocking switch, the user's invitation policy, the calendar's removal —
 * whether this server made the change or another server process on the same PostgreSQL did.
 * Now is Monday 2026-11-23 08:00 UTC; the owner works 09:00–17:00 UTC.
 */
describe.each(databaseKinds)('kept imported busy time on %s', (kind) => {
  let api: TestApi;
  let owner: Session;
  /** On PostgreSQL, a second server on its own pool: "another process" that serves and writes too. */
  let other: AnotherServer | null = null;

  beforeAll(async () => {
    api = await startTestApi(kind);
    owner = await signUp(api.server, { timezone: 'UTC' });
    other = kind === 'postgres' ? await anotherServer(api) : null;
  });
  afterAll(async () => {
    await other?.close();
    await api?.close();
  });

  /** The starts offered on Tuesday 2026-11-24 between 09:00 and 15:00, by each server. */
  const startsByServer = async (calendarId: string): Promise<string[][]> =>
    Promise.all(
      [api.app, ...(other ? [other.app] : [])].map(async (app) => {
        const response = await app.server.inject({
          method: 'GET',
          url: `/api/public/calendars/${calendarId}/slots?from=2026-11-24T09:00:00Z&to=2026-11-24T15:00:00Z&timezone=UTC`,
        });
        expect(response.statusCode, response.body).toBe(200);
        return response.json<Array<{ start: string }>>().map((s) => s.start.slice(11, 16));
      }),
    );
  const ALL = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', '13:30', '14:00', '14:30'];
  const without = (...taken: string[]) => ALL.filter((t) => !taken.includes(t));

  const occurrence = (start: string, end: string, extra: Partial<ImportedOccurrence> = {}): ImportedOccurrence => ({
    recurrenceId: null,
    start: new Date(`2026-11-24T${start}:00Z`),
    end: new Date(`2026-11-24T${end}:00Z`),
    allDay: false,
    blocks: true,
    summary: 'Busy',
    status: null,
    ...extra,
  });
  const item = (href: string, occurrences: ImportedOccurrence[], type: 'ImportItem' | 'UpdateImportedItem' = 'ImportItem') => ({
    type,
    reason: 'test',
    href,
    etag: `"${href}-${occurrences.length}-${Date.now()}"`,
    contentHash: null,
    uid: href,
    occurrences,
    expandedUntil: new Date('2027-12-01T00:00:00Z'),
  });

  /** The real sync store writing through `db`, as a sync run would. */
  const syncStoreOn = (db: Kysely<DB>) =>
    createSyncStore(db, {
      publicUrl: 'http://tandem.test',
      now: () => api.clock.now,
      recordNotice: recordAppointmentNotice,
      recordConnectionNotice,
    });

  /** A remote calendar of `session`'s user with one imported item, written as a sync run would. */
  const calendarWithEvent = async (db: Kysely<DB>, session: Session, role: 'primary' | 'conflict', event: ReturnType<typeof item>) => {
    const remoteCalendarId = await seedRemoteCalendar(db, {
      workspaceId: session.workspaceId,
      userId: session.userId,
      url: `https://caldav.example/${role}-${session.userId}/`,
      role,
    });
    await syncStoreOn(db).applyInboundBatch({ calendarId: remoteCalendarId, actions: [event] });
    return remoteCalendarId;
  };

  it('shows every change of busy time in the very next slots request, from this server or another one', async () => {
    // Writes go through the other server's pool where there is one: a change this process did not make.
    const writer = other?.handle.db ?? api.app.database.db;
    const sync = syncStoreOn(writer);
    const remoteCalendarId = await seedRemoteCalendar(writer, {
      workspaceId: owner.workspaceId,
      userId: owner.userId,
      url: 'https://caldav.example/home/',
      role: 'primary',
    });
    const calendarId = await addCalendar(api.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    const expectStarts = async (starts: string[]) => {
      for (const served of await startsByServer(calendarId)) expect(served).toEqual(starts);
      // Asked twice: the second answer comes from what was kept, and must be the same.
      for (const served of await startsByServer(calendarId)) expect(served).toEqual(starts);
    };
    await expectStarts(ALL);

    await sync.applyInboundBatch({ calendarId: remoteCalendarId, actions: [item('a.ics', [occurrence('10:00', '11:00')])] });
    await expectStarts(without('10:00', '10:30'));

    await sync.applyInboundBatch({ calendarId: remoteCalendarId, actions: [item('b.ics', [occurrence('13:00', '13:30')])] });
    await expectStarts(without('10:00', '10:30', '13:00'));

    // Moved: the item's occurrences are replaced.
    await sync.applyInboundBatch({
      calendarId: remoteCalendarId,
      actions: [item('b.ics', [occurrence('12:00', '12:30')], 'UpdateImportedItem')],
    });
    await expectStarts(without('10:00', '10:30', '12:00'));

    await sync.applyInboundBatch({
      calendarId: remoteCalendarId,
      actions: [{ type: 'RemoveImportedItem', reason: 'test', href: 'a.ics' }],
    });
    await expectStarts(without('12:00'));

    // An open invitation blocks only under the user's policy ("block").
    await sync.applyInboundBatch({
      calendarId: remoteCalendarId,
      actions: [item('c.ics', [occurrence('14:00', '15:00', { invitation: 'needs-action' })])],
    });
    const policy = async (invitation_policy: 'block' | 'free') =>
      writer.updateTable('users').set({ invitation_policy }).where('id', '=', owner.userId).execute();
    await policy('block');
    await expectStarts(without('12:00', '14:00', '14:30'));
    await policy('free');
    await expectStarts(without('12:00'));

    // The calendar's blocking switch, then its removal (items and occurrences go by cascade).
    await writer.updateTable('remote_calendars').set({ blocks_availability: false }).where('id', '=', remoteCalendarId).execute();
    await expectStarts(ALL);
    await writer.updateTable('remote_calendars').set({ blocks_availability: null }).where('id', '=', remoteCalendarId).execute();
    await expectStarts(without('12:00'));
    await writer.deleteFrom('remote_calendars').where('id', '=', remoteCalendarId).execute();
    await expectStarts(ALL);
  });

  it('refuses a booking over busy time of a calendar connected or switched a moment ago', async () => {
    // A booking reads imported busy time only for members with a blocking calendar, as read with the
    // calendar (BookingFacts.importedBusyUsers): that fact must be as fresh as the busy time itself.
    const writer = other?.handle.db ?? api.app.database.db;
    const member = await signUp(api.server, { timezone: 'UTC' });
    const calendarId = await addCalendar(api.server, member, { type: 'round_robin', members: [{ userId: member.userId }] });
    const book = async (time: string) => {
      const response = await api.server.inject({
        method: 'POST',
        url: `/api/public/calendars/${calendarId}/bookings`,
        payload: {
          start: `2026-11-24T${time}:00Z`,
          contact: { name: `Client ${time}`, email: `client-${time.replace(':', '')}@example.test` },
        },
      });
      return response.statusCode === 409 ? response.json<{ error: { code: string } }>().error.code : response.statusCode;
    };
    expect(await book('09:00')).toBe(201);

    const remoteCalendarId = await calendarWithEvent(writer, member, 'primary', item('m.ics', [occurrence('10:00', '11:00')]));
    expect(await book('10:00')).toBe('slot_taken');

    await writer.updateTable('remote_calendars').set({ blocks_availability: false }).where('id', '=', remoteCalendarId).execute();
    expect(await book('10:00')).toBe(201);
    await writer.updateTable('remote_calendars').set({ blocks_availability: null }).where('id', '=', remoteCalendarId).execute();
    expect(await book('10:30')).toBe('slot_taken');
    await writer.updateTable('remote_calendars').set({ role: 'none' }).where('id', '=', remoteCalendarId).execute();
    expect(await book('10:30')).toBe(201);
  });

  it('reuses what it kept only while the versions read in the same statement are unchanged', async () => {
    const db = api.app.database.db;
    const busy = importedBusyFromStore();
    const remoteCalendarId = await calendarWithEvent(db, owner, 'conflict', item('w.ics', [occurrence('09:00', '10:00')]));
    const sync = syncStoreOn(db);
    const range = { start: Date.parse('2026-11-24T00:00:00Z'), end: Date.parse('2026-11-25T00:00:00Z') };
    const first = (await busy.importedBusy(db, [owner.userId], range)).get(owner.userId)!;
    expect(first).toEqual([{ start: Date.parse('2026-11-24T09:00:00Z'), end: Date.parse('2026-11-24T10:00:00Z') }]);
    // Unchanged: the very same (frozen) intervals, not merged again, in an array of the caller's own (it may sort it).
    const again = (await busy.importedBusy(db, [owner.userId], range)).get(owner.userId)!;
    expect(again[0]).toBe(first[0]);
    expect(Object.isFrozen(again[0])).toBe(true);
    expect(again).not.toBe(first);
    again.sort((a, b) => b.start - a.start);

    // An idle poll's stamp changes the calendar's row but not its busy time: still kept.
    await sync.applyInboundBatch({
      calendarId: remoteCalendarId,
      actions: [],
      token: 'token-2',
      finish: { at: api.clock.now, warning: null },
    });
    expect((await busy.importedBusy(db, [owner.userId], range)).get(owner.userId)![0]).toBe(first[0]);

    // A row written straight into the table (no sync store, no calendar on the row) still bumps.
    const itemRow = await db
      .selectFrom('remote_items')
      .select('id')
      .where('remote_calendar_id', '=', remoteCalendarId)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('imported_occurrences')
      .values({
        workspace_id: owner.workspaceId,
        remote_item_id: itemRow.id,
        user_id: owner.userId,
        start_at: '2026-11-24T16:00:00Z',
        end_at: '2026-11-24T17:00:00Z',
        summary: 'Late',
      })
      .execute();
    expect((await busy.importedBusy(db, [owner.userId], range)).get(owner.userId)).toEqual([
      { start: Date.parse('2026-11-24T09:00:00Z'), end: Date.parse('2026-11-24T10:00:00Z') },
      { start: Date.parse('2026-11-24T16:00:00Z'), end: Date.parse('2026-11-24T17:00:00Z') },
    ]);

    // A booking's transaction is a handle of its own: it merges afresh what the transaction sees.
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('remote_items').where('remote_calendar_id', '=', remoteCalendarId).execute();
      expect((await busy.importedBusy(trx, [owner.userId], range)).get(owner.userId)).toEqual([]);
    });
    expect((await busy.importedBusy(db, [owner.userId], range)).get(owner.userId)).toEqual([]);
  });
});
