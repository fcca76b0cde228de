/**
 * Calendar-level free/busy (issue 12.1): a calendar iCloud lists as transparent (RFC 6638
 * schedule-calendar-transp, the iPhone's "events affect availability" switched off) shows its events
 * but blocks nothing, and the user's switch in Tandem overrides the server either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { addCalendar, signUp } from '../../support/api.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { calendarNamed, connectedICloud, putConfiguration, startApp, type ConnectionJson } from './harness.ts';

let emulator: ICloudEmulator;
beforeAll(async () => {
  emulator = await startICloudEmulator();
});
afterAll(async () => emulator?.stop());

interface CalendarBlocking {
  serverTransparent: boolean;
  blocksAvailabilityOverride: boolean | null;
  blocksAvailability: boolean;
}

describe.each(databaseKinds)('calendar transparency on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: App;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await startApp(database, { env: { ...emulator.appEnv }, now: () => new Date('2026-11-23T08:00:00Z') });
  });
  afterAll(async () => {
    emulator?.setCalendarTransparent(emulator.calendarUrls.work, false);
    await app?.close();
    await database?.close();
  });

  it('follows schedule-calendar-transp from iCloud, and the per-calendar switch overrides it', async () => {
    const owner = await signUp(app.server, { timezone: 'UTC' });
    const connection = await connectedICloud(app.server, owner, { email: emulator.appleId, appSpecificPassword: emulator.appPassword });
    expect(calendarNamed(connection, 'Work')).toMatchObject({
      serverTransparent: false,
      blocksAvailabilityOverride: null,
      blocksAvailability: true,
    });

    // The user switches "events affect availability" off for Work on their iPhone; a refresh sees it.
    emulator.setCalendarTransparent(emulator.calendarUrls.work, true);
    const refreshed = await app.server.inject({ method: 'POST', url: `/api/connections/${connection.id}/refresh`, headers: owner.headers });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const work = calendarNamed(refreshed.json<ConnectionJson>(), 'Work');
    expect(work).toMatchObject({ serverTransparent: true, blocksAvailabilityOverride: null, blocksAvailability: false });
    expect(calendarNamed(refreshed.json<ConnectionJson>(), 'Home')).toMatchObject({ serverTransparent: false, blocksAvailability: true });

    const home = calendarNamed(connection, 'Home');
    expect(
      (await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: home.id, conflictCalendarIds: [work.id] })).statusCode,
    ).toBe(200);
    // An imported event in Work on Tuesday 10:00–11:00 (as the sync engine stores it).
    const db = database.db;
    const item = await db
      .insertInto('remote_items')
      .values({
        workspace_id: owner.workspaceId,
        remote_calendar_id: work.id,
        user_id: owner.userId,
        href: '/w/standup.ics',
        kind: 'imported',
        uid: 'standup',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('imported_occurrences')
      .values({
        workspace_id: owner.workspaceId,
        remote_item_id: item.id,
        user_id: owner.userId,
        start_at: '2026-11-24T10:00:00Z',
        end_at: '2026-11-24T11:00:00Z',
        summary: 'Stand-up',
      })
      .execute();

    const calendarId = await addCalendar(app.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    const explain = async () => {
      const response = await app.server.inject({
        method: 'GET',
        url: `/api/calendars/${calendarId}/explain?start=2026-11-24T10:00:00Z`,
        headers: owner.headers,
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{
        bookable: boolean;
        members: Array<{ reasons: Array<{ code: string; importedEvent?: { title: string } }> }>;
      }>();
    };
    const shown = async () => {
      const response = await app.server.inject({
        method: 'GET',
        url: '/api/blocked-slots?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z',
        headers: owner.headers,
      });
      return response.json<Array<{ title: string; blocks: boolean }>>().filter((b) => b.title === 'Stand-up');
    };
    const setBlocks = async (blocks: boolean | null) => {
      const response = await app.server.inject({
        method: 'PUT',
        url: `/api/users/${owner.userId}/calendar-configuration/${work.id}/blocks-availability`,
        headers: owner.headers,
        payload: { blocks },
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<CalendarBlocking>();
    };

    // Transparent on the server: shown, not blocking, bookable.
    expect(await shown()).toEqual([expect.objectContaining({ blocks: false })]);
    expect((await explain()).bookable).toBe(true);

    // "Events on this calendar block my availability: yes" wins over the server.
    expect(await setBlocks(true)).toMatchObject({ serverTransparent: true, blocksAvailabilityOverride: true, blocksAvailability: true });
    expect(await shown()).toEqual([expect.objectContaining({ blocks: true })]);
    const blocked = await explain();
    expect(blocked.bookable).toBe(false);
    expect(blocked.members[0]!.reasons).toEqual([
      expect.objectContaining({
        code: 'imported_event',
        importedEvent: expect.objectContaining({ title: 'Stand-up', calendarName: 'Work' }),
      }),
    ]);

    // Back to following the server; and "no" on an opaque calendar makes it not block.
    expect(await setBlocks(null)).toMatchObject({ blocksAvailabilityOverride: null, blocksAvailability: false });
    expect((await explain()).bookable).toBe(true);
    emulator.setCalendarTransparent(emulator.calendarUrls.work, false);
    await app.server.inject({ method: 'POST', url: `/api/connections/${connection.id}/refresh`, headers: owner.headers });
    expect((await explain()).bookable).toBe(false);
    expect(await setBlocks(false)).toMatchObject({
      serverTransparent: false,
      blocksAvailabilityOverride: false,
      blocksAvailability: false,
    });
    expect((await explain()).bookable).toBe(true);
  });

  it('only the calendar’s own user may flip the switch; an unknown calendar is not found', async () => {
    const owner = await signUp(app.server);
    const connection = await connectedICloud(app.server, owner, { email: emulator.appleId, appSpecificPassword: emulator.appPassword });
    const work = calendarNamed(connection, 'Work');
    const member = await app.server.inject({
      method: 'POST',
      url: '/api/users',
      headers: owner.headers,
      payload: { email: `m-${Date.now()}@example.test`, name: 'M', timezone: 'UTC' },
    });
    const memberId = member.json<{ id: string }>().id;
    const other = await app.server.inject({
      method: 'PUT',
      url: `/api/users/${memberId}/calendar-configuration/${work.id}/blocks-availability`,
      headers: owner.headers,
      payload: { blocks: false },
    });
    expect(other.statusCode).toBe(403);
    const unknown = await app.server.inject({
      method: 'PUT',
      url: `/api/users/${owner.userId}/calendar-configuration/00000000-0000-4000-8000-000000000000/blocks-availability`,
      headers: owner.headers,
      payload: { blocks: false },
    });
    expect(unknown.statusCode).toBe(404);
    const bad = await app.server.inject({
      method: 'PUT',
      url: `/api/users/${owner.userId}/calendar-configuration/${work.id}/blocks-availability`,
      headers: owner.headers,
      payload: { blocks: 'maybe' },
    });
    expect(bad.statusCode).toBe(400);
  });
});
