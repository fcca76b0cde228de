/**
 * Calendars that come and go (issue 12.3), on Radicale: a calendar created on the server
 * (MKCALENDAR) appears in Tandem, unconfigured, after one daily reconciliation; a configured one
 * deleted on the server (DELETE) is marked removed, stops syncing and its busy time is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type Session } from '../../support/api.ts';
import { davRequest, makeCalendar, putEvent, simpleEventIcs, type CalDavTestServer } from '../../support/caldav-fixtures.ts';
import { startRadicale } from '../../support/radicale.ts';
import {
  at,
  blockedSlots,
  connectAndConfigure,
  eventUrlIn,
  icsUtc,
  mondayAhead,
  startSyncApp,
  type CalendarJson,
  type ConnectionJson,
  type SyncApp,
} from '../../support/sync-journey.ts';

describe('calendars created and deleted on the server (Radicale)', () => {
  let radicale: CalDavTestServer;
  let tandem: SyncApp;
  let owner: Session;
  let connection: ConnectionJson;
  let primary: CalendarJson;
  let conflict: CalendarJson;
  const day = mondayAhead();
  const auth = () => ({ username: radicale.username, password: radicale.password });

  beforeAll(async () => {
    radicale = await startRadicale();
    await makeCalendar(auth(), `${radicale.calendarHomeUrl}main/`, { displayName: 'Main', components: ['VEVENT'] });
    await makeCalendar(auth(), `${radicale.calendarHomeUrl}side/`, { displayName: 'Side', components: ['VEVENT'] });
    tandem = await startSyncApp();
    owner = await signUp(tandem.server, { timezone: 'UTC' });
    ({ connection, primary, conflict } = await connectAndConfigure(tandem.server, owner, {
      name: 'Radicale',
      connect: { provider: 'caldav', serverUrl: radicale.baseUrl, username: radicale.username, password: radicale.password },
      primaryName: 'Main',
      conflictName: 'Side',
      direct: (url) => url,
      auth: auth(),
      requestCount: () => 0,
      stop: () => radicale.stop(),
    }));
  });
  afterAll(async () => {
    await tandem?.close();
    await radicale?.stop();
  });

  const calendars = async () => {
    const response = await tandem.server.inject({ method: 'GET', url: `/api/connections/${connection.id}`, headers: owner.headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<ConnectionJson>().calendars as Array<CalendarJson & { removedAt: string | null; role: string }>;
  };

  it('a new calendar appears after one reconciliation; a deleted one is marked, stops syncing and blocks nothing', async () => {
    const put = await putEvent(
      auth(),
      eventUrlIn(conflict.url, 'dentist'),
      simpleEventIcs({ uid: 'dentist', summary: 'Dentist', start: icsUtc(at(day, 10)), end: icsUtc(at(day, 11)) }),
    );
    expect([201, 204]).toContain(put.status);
    expect(await tandem.app.work.syncCalendar(conflict.id, 'full')).toMatchObject({ status: 'ok' });
    expect((await blockedSlots(tandem.server, owner, day)).map((slot) => slot.title)).toEqual(['Dentist']);

    // On the server: a calendar is added, the conflict calendar is deleted.
    await makeCalendar(auth(), `${radicale.calendarHomeUrl}added/`, { displayName: 'Added later', components: ['VEVENT'] });
    expect((await davRequest(conflict.url, { method: 'DELETE', auth: auth() })).status).toBeLessThan(300);

    // The conflict calendar's first full sync above was today's listing; a day later, the next
    // daily reconciliation (the primary's full sync) lists the account again.
    await tandem.db
      .updateTable('connections')
      .set({ calendars_listed_at: new Date(Date.now() - 25 * 3600_000) })
      .where('id', '=', connection.id)
      .execute();
    expect(await tandem.app.work.syncCalendar(primary.id, 'full')).toMatchObject({ status: 'ok' });
    const listed = await calendars();
    expect(listed.find((c) => c.displayName === 'Added later')).toMatchObject({ role: 'none', removedAt: null, connectable: true });
    expect(listed.find((c) => c.id === conflict.id)).toMatchObject({ role: 'none', removedAt: expect.any(String), connectable: false });
    expect(listed.find((c) => c.id === primary.id)).toMatchObject({ role: 'primary', removedAt: null });

    // Its busy time is gone, and it is no longer scheduled or reported.
    expect(await blockedSlots(tandem.server, owner, day)).toEqual([]);
    const status = await tandem.server.inject({ method: 'GET', url: '/api/sync/status', headers: owner.headers });
    expect(status.json<Array<{ calendarId: string }>>().map((s) => s.calendarId)).toEqual([primary.id]);
    const due = await tandem.db
      .selectFrom('remote_calendars')
      .select('next_sync_at')
      .where('id', '=', conflict.id)
      .executeTakeFirstOrThrow();
    expect(due.next_sync_at).toBeNull();

    // Once a day per connection: another full sync today does not list again (a calendar added now waits).
    await makeCalendar(auth(), `${radicale.calendarHomeUrl}later/`, { displayName: 'Even later', components: ['VEVENT'] });
    expect(await tandem.app.work.syncCalendar(primary.id, 'full')).toMatchObject({ status: 'ok' });
    expect((await calendars()).map((c) => c.displayName)).not.toContain('Even later');
  });
});
