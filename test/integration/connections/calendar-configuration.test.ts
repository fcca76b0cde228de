/**
 * The calendar configuration rules (SPEC §4) through the API: what may be primary, what may check
 * for conflicts, whose calendars may be named, and what changing the configuration does to the
 * calendars that leave it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { signUp, type Session } from '../../support/api.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import {
  addMemberSession,
  calendarNamed,
  connectedICloud,
  errorOf,
  putConfiguration,
  startApp,
  type ConfigurationJson,
  type ConnectionJson,
} from './harness.ts';

let emulator: ICloudEmulator;
beforeAll(async () => {
  emulator = await startICloudEmulator();
});
afterAll(async () => emulator?.stop());

describe.each(databaseKinds)('calendar configuration on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: App;
  const clock = { now: new Date('2026-11-23T08:00:00Z') };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // No scheduler: these tests read the schedule columns the configuration writes, which a sync run would move.
    app = await startApp(database, { env: { ...emulator.appEnv, SCHEDULER: 'off' }, now: () => clock.now });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const connect = (session: Session) =>
    connectedICloud(app.server, session, { email: emulator.appleId, appSpecificPassword: emulator.appPassword });
  const readConfiguration = async (session: Session, userId: string) => {
    const response = await app.server.inject({
      method: 'GET',
      url: `/api/users/${userId}/calendar-configuration`,
      headers: session.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<ConfigurationJson>();
  };

  it('refuses a subscribed calendar as primary or for conflicts, and a read-only one as primary only', async () => {
    const owner = await signUp(app.server);
    const connection = await connect(owner);
    const holidays = calendarNamed(connection, 'US Holidays');
    const work = calendarNamed(connection, 'Work');

    const subscribedPrimary = await putConfiguration(app.server, owner, owner.userId, {
      primaryCalendarId: holidays.id,
      conflictCalendarIds: [],
    });
    expect(subscribedPrimary.statusCode).toBe(422);
    expect(errorOf(subscribedPrimary)).toEqual({
      code: 'calendar_not_connectable',
      message: expect.stringContaining('subscribed calendars cannot be connected'),
    });
    const subscribedConflict = await putConfiguration(app.server, owner, owner.userId, {
      primaryCalendarId: null,
      conflictCalendarIds: [work.id, holidays.id],
    });
    expect(errorOf(subscribedConflict).code).toBe('calendar_not_connectable');

    // A calendar shared with the account read-only (iCloud sharing "view only") is listed writable: false.
    await database.db.updateTable('remote_calendars').set({ writable: false }).where('id', '=', work.id).execute();
    const readOnlyPrimary = await putConfiguration(app.server, owner, owner.userId, {
      primaryCalendarId: work.id,
      conflictCalendarIds: [],
    });
    expect(readOnlyPrimary.statusCode).toBe(422);
    expect(errorOf(readOnlyPrimary).code).toBe('calendar_not_writable');
    const readOnlyConflict = await putConfiguration(app.server, owner, owner.userId, {
      primaryCalendarId: null,
      conflictCalendarIds: [work.id],
    });
    expect(readOnlyConflict.statusCode, readOnlyConflict.body).toBe(200);
    expect(readOnlyConflict.json<ConfigurationJson>()).toMatchObject({ primaryCalendarId: null, conflictCalendarIds: [work.id] });

    // None of the refused attempts changed anything.
    const roles = await database.db
      .selectFrom('remote_calendars')
      .select(['id', 'role'])
      .where('connection_id', '=', connection.id)
      .execute();
    expect(roles.filter((r) => r.role !== 'none').map((r) => r.id)).toEqual([work.id]);
  });

  it("answers 404 for calendars of another user's connection or another workspace, and unknown ids", async () => {
    const owner = await signUp(app.server);
    const member = await addMemberSession(app.server, owner);
    const outsider = await signUp(app.server);
    const own = await connect(owner);
    const members = await connect(member);
    const outsiders = await connect(outsider);

    for (const foreign of [
      calendarNamed(members, 'Home').id,
      calendarNamed(outsiders, 'Home').id,
      '00000000-0000-4000-8000-000000000000',
    ]) {
      const asPrimary = await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: foreign, conflictCalendarIds: [] });
      expect(asPrimary.statusCode, foreign).toBe(404);
      const asConflict = await putConfiguration(app.server, owner, owner.userId, {
        primaryCalendarId: calendarNamed(own, 'Home').id,
        conflictCalendarIds: [foreign],
      });
      expect(asConflict.statusCode, foreign).toBe(404);
    }
    // Not an id at all: refused by the schema (ids are UUIDs) before anything is looked up.
    expect(
      (await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: 'not-a-uuid', conflictCalendarIds: [] })).statusCode,
    ).toBe(400);
    expect(
      (
        await putConfiguration(app.server, owner, owner.userId, {
          primaryCalendarId: calendarNamed(own, 'Home').id,
          conflictCalendarIds: ['not-a-uuid'],
        })
      ).statusCode,
    ).toBe(400);
    expect((await readConfiguration(owner, owner.userId)).primaryCalendarId).toBeNull();
    // The member's calendars are not offered to the owner either.
    expect((await readConfiguration(owner, owner.userId)).calendars.map((c) => c.connectionId)).toEqual(own.calendars.map(() => own.id));
  });

  it("lets owners read a member's configuration but only the member change it", async () => {
    const owner = await signUp(app.server);
    const member = await addMemberSession(app.server, owner);
    const colleague = await addMemberSession(app.server, owner);
    const connection = await connect(member);
    const home = calendarNamed(connection, 'Home');
    expect(
      (await putConfiguration(app.server, member, member.userId, { primaryCalendarId: home.id, conflictCalendarIds: [] })).statusCode,
    ).toBe(200);

    expect((await readConfiguration(owner, member.userId)).primaryCalendarId).toBe(home.id);
    const ownerWrite = await putConfiguration(app.server, owner, member.userId, { primaryCalendarId: null, conflictCalendarIds: [] });
    expect(ownerWrite.statusCode).toBe(403);
    const colleagueRead = await app.server.inject({
      method: 'GET',
      url: `/api/users/${member.userId}/calendar-configuration`,
      headers: colleague.headers,
    });
    expect(colleagueRead.statusCode).toBe(403);
    const colleagueWrite = await putConfiguration(app.server, colleague, member.userId, {
      primaryCalendarId: null,
      conflictCalendarIds: [],
    });
    expect(colleagueWrite.statusCode).toBe(403);
    expect((await readConfiguration(member, member.userId)).primaryCalendarId).toBe(home.id);
  });

  it('moves the primary, makes only newly configured calendars due, and clears what leaves the configuration', async () => {
    const owner = await signUp(app.server);
    const connection = await connect(owner);
    const home = calendarNamed(connection, 'Home');
    const work = calendarNamed(connection, 'Work');

    clock.now = new Date('2026-11-23T09:00:00Z');
    expect(
      (await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: home.id, conflictCalendarIds: [work.id] })).statusCode,
    ).toBe(200);
    // What the sync engine leaves behind after importing Work: a token and an imported event.
    await database.db
      .updateTable('remote_calendars')
      .set({ sync_token: 'token-1', ctag: 'ctag-1', next_sync_at: new Date('2026-11-23T09:01:00Z') })
      .where('id', '=', work.id)
      .execute();
    const item = await database.db
      .insertInto('remote_items')
      .values({
        workspace_id: owner.workspaceId,
        remote_calendar_id: work.id,
        user_id: owner.userId,
        href: `${work.url}event.ics`,
        etag: '"1"',
        content_hash: 'h',
        uid: 'event-1',
        kind: 'imported',
        expanded_until: null,
        error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await database.db
      .insertInto('imported_occurrences')
      .values({
        workspace_id: owner.workspaceId,
        remote_item_id: item.id,
        user_id: owner.userId,
        recurrence_id: null,
        start_at: new Date('2026-11-24T10:00:00Z'),
        end_at: new Date('2026-11-24T11:00:00Z'),
        summary: 'Dentist',
        status: null,
      })
      .execute();

    // Swap: Work becomes primary (already configured: keeps its schedule), Home leaves.
    clock.now = new Date('2026-11-23T10:00:00Z');
    const swapped = await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: work.id, conflictCalendarIds: [work.id] });
    expect(swapped.statusCode, swapped.body).toBe(200);
    expect(swapped.json<ConfigurationJson>()).toMatchObject({ primaryCalendarId: work.id, conflictCalendarIds: [work.id] });
    const rows = async () =>
      new Map(
        (
          await database.db
            .selectFrom('remote_calendars')
            .select(['id', 'role', 'next_sync_at', 'sync_token'])
            .where('connection_id', '=', connection.id)
            .execute()
        ).map((r) => [r.id, r]),
      );
    expect((await rows()).get(work.id)).toMatchObject({
      role: 'primary',
      next_sync_at: new Date('2026-11-23T09:01:00Z'),
      sync_token: 'token-1',
    });
    expect((await rows()).get(home.id)).toMatchObject({ role: 'none', next_sync_at: null });

    // Work leaves too: its imported events go, and a later return starts with a full import.
    const cleared = await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: null, conflictCalendarIds: [] });
    expect(cleared.json<ConfigurationJson>()).toMatchObject({ primaryCalendarId: null, conflictCalendarIds: [] });
    expect((await rows()).get(work.id)).toMatchObject({ role: 'none', sync_token: null });
    expect(await database.db.selectFrom('remote_items').select('id').where('remote_calendar_id', '=', work.id).execute()).toEqual([]);
    expect(await database.db.selectFrom('imported_occurrences').select('id').where('user_id', '=', owner.userId).execute()).toEqual([]);

    clock.now = new Date('2026-11-23T11:00:00Z');
    expect(
      (await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: null, conflictCalendarIds: [home.id] })).statusCode,
    ).toBe(200);
    expect((await rows()).get(home.id)).toMatchObject({ role: 'conflict', next_sync_at: new Date('2026-11-23T11:00:00Z') });
  });

  it('keeps one primary per user when two saves race', async () => {
    const owner = await signUp(app.server);
    const connection: ConnectionJson = await connect(owner);
    const home = calendarNamed(connection, 'Home');
    const work = calendarNamed(connection, 'Work');
    const saves = await Promise.all([
      putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: home.id, conflictCalendarIds: [work.id] }),
      putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: work.id, conflictCalendarIds: [home.id] }),
    ]);
    expect(saves.map((s) => s.statusCode)).toEqual([200, 200]);
    const primaries = await database.db
      .selectFrom('remote_calendars')
      .select('id')
      .where('user_id', '=', owner.userId)
      .where('role', '=', 'primary')
      .execute();
    expect(primaries).toHaveLength(1);
    const configuration = await readConfiguration(owner, owner.userId);
    expect([...configuration.conflictCalendarIds].sort()).toEqual([home.id, work.id].sort());
  });
});
